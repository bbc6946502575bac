// merge_custom_diffusion.cpp — `merge.custom_diffusion`: Custom Diffusion's closed-form
// merge (workers/methods/custom_diffusion_merge.h) of the results of two or more
// finetune.custom_diffusion stages (`concepts`, stage names this job needs; each with its own
// modifier token, all on the same base model). Regularization features R: the text features
// of `regularization_data`'s captions (the builtin world's, standing in for the paper's
// LAION captions); targets K_i: the features of `target_prompts` with each concept's text.
// Features are the text encoder's last hidden states up to each prompt's end token. Writes a
// Custom Diffusion artifact (the merged attn2 matrices and every concept's token) that
// `sample` applies like a single-concept one; its concept text is the concepts' texts joined
// by " and ".
#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "core/errors.h"
#include "core/text.h"
#include "workers/builtin/builtin_models.h"
#include "workers/data/data_reference.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/job_kind.h"
#include "workers/jobs/merge_custom_diffusion_spec.h"
#include "workers/job_specs.h"
#include "workers/jobs/upstream_artifacts.h"
#include "workers/methods/custom_diffusion.h"
#include "workers/methods/custom_diffusion_merge.h"
#include "workers/methods/finetune_artifact.h"
#include "workers/methods/textual_inversion.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

// Rows of the text features of `prompts`, each prompt's positions up to its end token — from
// the first position holding `from_token` when one is given (a concept's target rows: before
// its modifier token the causal text encoder gives every prompt with that prefix the same
// features, rows that would repeat across concepts and make the constraints singular).
at::Tensor prompt_features(StableDiffusion& model, const std::vector<std::string>& prompts,
                           std::int64_t from_token = -1) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> rows;
  for (std::size_t start = 0; start < prompts.size(); start += 64) {
    const std::vector<std::string> chunk(prompts.begin() + static_cast<std::ptrdiff_t>(start),
                                         prompts.begin() + static_cast<std::ptrdiff_t>(std::min(prompts.size(), start + 64)));
    const at::Tensor features = encode_prompts(model, chunk);  // [N, L, d]
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      const auto ids = model.tokenizer->encode(chunk[i], false);  // bos ... eos
      std::int64_t first = 0;
      if (from_token >= 0) {
        const auto at = std::find(ids.begin(), ids.end(), from_token);
        if (at == ids.end())
          throw InputError(fmt::format("merge.custom_diffusion: target prompt '{}' does not contain the modifier token",
                                       chunk[i]));
        first = at - ids.begin();
      }
      rows.push_back(features[static_cast<std::int64_t>(i)].slice(0, first, static_cast<std::int64_t>(ids.size())));
    }
  }
  return at::cat(rows);
}

// The finetune.custom_diffusion stages being merged: their artifact folders and manifests, in `concepts` order.
struct MergeInputs {
  std::vector<std::string> stages;
  std::vector<std::filesystem::path> dirs;
  std::vector<FineTuneManifest> manifests;
};

// The `concepts` stages' artifacts, checked to be at least two custom_diffusion results on one base model.
MergeInputs read_merge_inputs(const JobContext& context) {
  MergeInputs inputs;
  const auto& concepts = declared_params<MergeCustomDiffusionParams>().concepts;
  inputs.stages = concepts.of(context.job);
  if (inputs.stages.size() < 2) throw InputError(concepts.where(context.job) + ": name at least two stages");
  auto& manifests = inputs.manifests;
  for (const auto& stage : inputs.stages) {
    inputs.dirs.push_back(upstream_artifacts(context, stage, concepts.where(context.job)));
    manifests.push_back(read_finetune_manifest(inputs.dirs.back()));
    if (manifests.back().method != "custom_diffusion")
      throw InputError(fmt::format("merge.custom_diffusion: stage '{}' is a {} result, not custom_diffusion", stage,
                                   manifests.back().method));
    if (manifests.back().base_model != manifests.front().base_model)
      throw InputError(fmt::format("merge.custom_diffusion: stage '{}' was trained on '{}', stage '{}' on '{}'", stage,
                                   manifests.back().base_model, inputs.stages.front(), manifests.front().base_model));
  }
  return inputs;
}

// Adds every concept's modifier token(s) to the base text encoder (a token twice is an error); returns their
// embedding files, in order.
std::vector<std::filesystem::path> load_concept_tokens(StableDiffusion& model, const MergeInputs& inputs) {
  std::vector<std::filesystem::path> token_files;
  for (std::size_t i = 0; i < inputs.dirs.size(); ++i) {
    if (inputs.manifests[i].tokens.empty())
      throw InputError(fmt::format("{}: a custom_diffusion manifest without \"tokens\"",
                                   (inputs.dirs[i] / "finetune.json").string()));
    for (const auto& token : inputs.manifests[i].tokens) {
      token_files.push_back(inputs.dirs[i] / (token + ".safetensors"));
      load_textual_inversion(model, token_files.back(), token);
    }
  }
  return token_files;
}

// R: the text features of the captions of `regularization_data`.
at::Tensor regularization_features(StableDiffusion& model, const Job& job) {
  std::vector<std::string> captions;
  const std::string data = declared_params<MergeCustomDiffusionParams>().regularization_data.of(job);
  for (const auto& item : load_data_reference(data, 32).items)
    captions.push_back(item.caption);
  return prompt_features(model, captions);
}

// The UNet weight a key of a Custom Diffusion weights file stands for
// ("<attn2>.processor.to_k_custom_diffusion.weight" -> "<attn2>.to_k.weight"); InputError for a key that is not a
// key or value matrix.
std::string unet_weight_name(const std::string& key, const std::filesystem::path& file) {
  if (key.find(".processor.") == std::string::npos || (key.find(".to_k_custom_diffusion.") == std::string::npos &&
                                                        key.find(".to_v_custom_diffusion.") == std::string::npos))
    throw InputError(fmt::format("{}: '{}' is not a key or value matrix; the closed-form merge applies to "
                                 "freeze_model = crossattn_kv results only",
                                 file.string(), key));
  std::string name = key;
  name.replace(name.find(".processor."), 11, ".");
  const auto at = name.find("_custom_diffusion");
  name.erase(at, 17);
  return name;
}

// W: the base UNet's matrix of every projection the first concept fine-tuned, keyed as its weights file keys it.
std::map<std::string, at::Tensor> base_matrices(StableDiffusion& model, const std::filesystem::path& first_dir) {
  std::map<std::string, at::Tensor> base;
  std::map<std::string, at::Tensor> params;
  for (const auto& item : model.unet->named_parameters()) params.emplace(item.key(), item.value().detach());
  const std::filesystem::path file = first_dir / custom_diffusion_weights_file();
  const auto first = load_tensors(file);
  for (const auto& [key, value] : first) {
    const std::string name = unet_weight_name(key, file);
    if (!params.count(name)) throw InputError(fmt::format("{}: '{}' names no UNet weight", file.string(), key));
    base.emplace(key, params.at(name));
  }
  return base;
}

// Each concept's fine-tuned matrices W_i and targets K_i: the features of `target_prompts` with its concept text,
// from its first modifier token on.
std::vector<MergeConcept> merge_concepts(StableDiffusion& model, const Job& job, const MergeInputs& inputs) {
  std::vector<MergeConcept> concepts;
  for (std::size_t i = 0; i < inputs.dirs.size(); ++i) {
    MergeConcept c;
    c.weights = load_tensors(inputs.dirs[i] / custom_diffusion_weights_file());
    std::vector<std::string> prompts;
    for (const auto& prompt : declared_params<MergeCustomDiffusionParams>().target_prompts.of(job))
      prompts.push_back(replace_all(prompt, "{}", inputs.manifests[i].concept_text));
    c.targets = prompt_features(model, prompts, model.tokenizer->token_id(inputs.manifests[i].tokens.front()));
    concepts.push_back(std::move(c));
  }
  return concepts;
}

// Writes the merged artifact: the merged matrices, every concept's token files and finetune.json.
void write_merged_artifact(const std::filesystem::path& artifacts, const std::map<std::string, at::Tensor>& merged,
                           const MergeInputs& inputs, const std::vector<std::filesystem::path>& token_files) {
  const auto& manifests = inputs.manifests;
  std::filesystem::create_directories(artifacts);
  NamedTensors tensors(merged.begin(), merged.end());
  save_tensors(artifacts / custom_diffusion_weights_file(), tensors, {{"format", "pt"}});
  FineTuneManifest manifest;
  manifest.method = "custom_diffusion";
  manifest.base_model = manifests.front().base_model;
  for (const auto& m : manifests) manifest.tokens.insert(manifest.tokens.end(), m.tokens.begin(), m.tokens.end());
  for (std::size_t i = 0; i < token_files.size(); ++i)
    std::filesystem::copy_file(token_files[i], artifacts / token_files[i].filename(),
                               std::filesystem::copy_options::overwrite_existing);
  for (std::size_t i = 0; i < manifests.size(); ++i)
    manifest.concept_text += (i ? " and " : "") + manifests[i].concept_text;
  for (const auto& entry : std::filesystem::directory_iterator(artifacts))
    if (entry.is_regular_file()) manifest.files.push_back(entry.path().filename().string());
  write_finetune_manifest(artifacts, manifest);
}

// How far each concept's constraint holds after the merge: max |K_i W'ᵀ − K_i W_iᵀ| over
// max |K_i W_iᵀ| (float64; 0 up to the rounding the conditioning of d K_tᵀ allows).
double worst_constraint_error(const std::vector<MergeConcept>& concepts,
                              const std::map<std::string, at::Tensor>& merged) {
  double worst = 0;
  for (const auto& concept_weights : concepts)
    for (const auto& [name, w] : merged) {
      const at::Tensor k = concept_weights.targets.to(at::kDouble);
      const at::Tensor wanted = at::matmul(k, concept_weights.weights.at(name).to(at::kDouble).t());
      const double scale = std::max(1e-12, wanted.abs().max().item<double>());
      worst = std::max(worst, (at::matmul(k, w.to(at::kDouble).t()) - wanted).abs().max().item<double>() / scale);
    }
  return worst;
}

void run_merge(JobContext& context) {
  const Job& job = context.job;
  const auto start = std::chrono::steady_clock::now();
  const MergeInputs inputs = read_merge_inputs(context);
  StableDiffusion model = load_stable_diffusion(
      resolve_model_reference(inputs.manifests.front().base_model, "merge.custom_diffusion base model"));
  const std::vector<std::filesystem::path> token_files = load_concept_tokens(model, inputs);

  const at::Tensor regularization = regularization_features(model, job);
  const std::map<std::string, at::Tensor> base = base_matrices(model, inputs.dirs.front());
  const std::vector<MergeConcept> concepts = merge_concepts(model, job, inputs);
  const auto merged = merge_custom_diffusion(base, concepts, regularization);

  write_merged_artifact(context.artifacts, merged, inputs, token_files);
  context.outputs.metrics["constraint_relative_error"] = worst_constraint_error(concepts, merged);
  context.outputs.metrics["regularization_rows"] = static_cast<double>(regularization.size(0));
  context.outputs.timings["merge"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

JobKind merge_custom_diffusion_kind() {
  JobKind kind;
  kind.spec = merge_custom_diffusion_spec();
  kind.run = run_merge;
  return kind;
}

}  // namespace tunegrid
