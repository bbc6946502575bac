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
#include "workers/jobs/job_kind.h"
#include "workers/jobs/job_specs.h"
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


void run_merge(JobContext& context) {
  const Job& job = context.job;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> stages;
  for (const auto& v : job.param("concepts").as_list()) stages.push_back(v.as_string());
  if (stages.size() < 2) throw InputError("merge.custom_diffusion param 'concepts': name at least two stages");
  std::vector<std::filesystem::path> dirs;
  std::vector<FineTuneManifest> manifests;
  for (const auto& stage : stages) {
    dirs.push_back(upstream_artifacts(context, stage, "merge.custom_diffusion param 'concepts'"));
    manifests.push_back(read_finetune_manifest(dirs.back()));
    if (manifests.back().method != "custom_diffusion")
      throw InputError(fmt::format("merge.custom_diffusion: stage '{}' is a {} result, not custom_diffusion", stage,
                                   manifests.back().method));
    if (manifests.back().base_model != manifests.front().base_model)
      throw InputError(fmt::format("merge.custom_diffusion: stage '{}' was trained on '{}', stage '{}' on '{}'", stage,
                                   manifests.back().base_model, stages.front(), manifests.front().base_model));
  }
  StableDiffusion model = load_stable_diffusion(
      resolve_model_reference(manifests.front().base_model, "merge.custom_diffusion base model"));
  // Every concept's modifier token(s), into the base text encoder (a token twice is an error).
  std::vector<std::filesystem::path> token_files;
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    if (manifests[i].tokens.empty())
      throw InputError(fmt::format("{}: a custom_diffusion manifest without \"tokens\"",
                                   (dirs[i] / "finetune.json").string()));
    for (const auto& token : manifests[i].tokens) {
      token_files.push_back(dirs[i] / (token + ".safetensors"));
      load_textual_inversion(model, token_files.back(), token);
    }
  }

  std::vector<std::string> captions;
  for (const auto& item : load_data_reference(job.param("regularization_data").as_string(), 32).items)
    captions.push_back(item.caption);
  const at::Tensor regularization = prompt_features(model, captions);
  std::map<std::string, at::Tensor> base;
  {
    std::map<std::string, at::Tensor> params;
    for (const auto& item : model.unet->named_parameters()) params.emplace(item.key(), item.value().detach());
    const auto first = load_tensors(dirs.front() / custom_diffusion_weights_file());
    for (const auto& [key, value] : first) {  // "<attn2>.processor.to_k_custom_diffusion.weight" -> "<attn2>.to_k.weight"
      if (key.find(".processor.") == std::string::npos ||
          (key.find(".to_k_custom_diffusion.") == std::string::npos && key.find(".to_v_custom_diffusion.") == std::string::npos))
        throw InputError(fmt::format("{}: '{}' is not a key or value matrix; the closed-form merge applies to "
                                     "freeze_model = crossattn_kv results only",
                                     (dirs.front() / custom_diffusion_weights_file()).string(), key));
      std::string name = key;
      name.replace(name.find(".processor."), 11, ".");
      const auto at = name.find("_custom_diffusion");
      name.erase(at, 17);
      if (!params.count(name))
        throw InputError(fmt::format("{}: '{}' names no UNet weight", (dirs.front() / custom_diffusion_weights_file()).string(), key));
      base.emplace(key, params.at(name));
    }
  }
  std::vector<MergeConcept> concepts;
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    MergeConcept c;
    c.weights = load_tensors(dirs[i] / custom_diffusion_weights_file());
    std::vector<std::string> prompts;
    for (const auto& v : job.param("target_prompts").as_list())
      prompts.push_back(replace_all(v.as_string(), "{}", manifests[i].concept_text));
    c.targets = prompt_features(model, prompts, model.tokenizer->token_id(manifests[i].tokens.front()));
    concepts.push_back(std::move(c));
  }
  const auto merged = merge_custom_diffusion(base, concepts, regularization);

  std::filesystem::create_directories(context.artifacts);
  NamedTensors tensors(merged.begin(), merged.end());
  save_tensors(context.artifacts / custom_diffusion_weights_file(), tensors, {{"format", "pt"}});
  FineTuneManifest manifest;
  manifest.method = "custom_diffusion";
  manifest.base_model = manifests.front().base_model;
  for (const auto& m : manifests) manifest.tokens.insert(manifest.tokens.end(), m.tokens.begin(), m.tokens.end());
  for (std::size_t i = 0; i < token_files.size(); ++i)
    std::filesystem::copy_file(token_files[i], context.artifacts / token_files[i].filename(),
                               std::filesystem::copy_options::overwrite_existing);
  for (std::size_t i = 0; i < manifests.size(); ++i)
    manifest.concept_text += (i ? " and " : "") + manifests[i].concept_text;
  for (const auto& entry : std::filesystem::directory_iterator(context.artifacts))
    if (entry.is_regular_file()) manifest.files.push_back(entry.path().filename().string());
  write_finetune_manifest(context.artifacts, manifest);
  // How far each concept's constraint holds after the merge: max |K_i W'ᵀ − K_i W_iᵀ| over
  // max |K_i W_iᵀ| (float64; 0 up to the rounding the conditioning of d K_tᵀ allows).
  double worst = 0;
  for (const auto& concept_weights : concepts)
    for (const auto& [name, w] : merged) {
      const at::Tensor k = concept_weights.targets.to(at::kDouble);
      const at::Tensor wanted = at::matmul(k, concept_weights.weights.at(name).to(at::kDouble).t());
      const double scale = std::max(1e-12, wanted.abs().max().item<double>());
      worst = std::max(worst, (at::matmul(k, w.to(at::kDouble).t()) - wanted).abs().max().item<double>() / scale);
    }
  context.outputs.metrics["constraint_relative_error"] = worst;
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
