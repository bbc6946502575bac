// finetune.cpp — the `finetune.<method>` job kinds (textual_inversion, dreambooth, lora,
// hypernetwork, custom_diffusion):
// load the base model, make the training set (and DreamBooth's class images), attach the
// method, run the shared loop (workers/methods/training_loop.h), write the method's
// artifacts and finetune.json into the job's artifact folder. Parameter names follow
// diffusers' training scripts (max_train_steps, train_batch_size, learning_rate, scale_lr,
// lr_scheduler, lr_warmup_steps, snr_gamma, checkpointing_steps, validation_prompt, ...);
// each method's defaults are its reference script's (see the method headers). Outputs: the
// loss per step, timings load / train / sample, metrics trainable_parameters, final_loss,
// resumed_from_step, step_seconds (train time per step run) and peak_rss_mb (the process's
// peak resident memory during the job), and the validation images.
#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "core/stopwatch.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/process_memory.h"
#include "workers/builtin/builtin_models.h"
#include "workers/data/rng.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/eval/clip_preprocess.h"
#include "workers/jobs/external_adapter_params.h"
#include "workers/jobs/job_kind.h"
#include "workers/jobs/job_specs.h"
#include "workers/methods/custom_diffusion.h"
#include "workers/methods/dreambooth.h"
#include "workers/methods/external_adapters.h"
#include "workers/methods/finetune_artifact.h"
#include "workers/methods/hypernetwork.h"
#include "workers/methods/learning_rate_schedule.h"
#include "workers/methods/lora.h"
#include "workers/methods/textual_inversion.h"
#include "workers/methods/training_loop.h"
#include "workers/models/weights.h"
#include "workers/parallel/communicator.h"

namespace tunegrid {

namespace {

std::vector<std::string> strings_of(const Value& value) {
  std::vector<std::string> out;
  for (const auto& item : value.as_list()) out.push_back(item.as_string());
  return out;
}

FineTuneSettings settings_of(const Job& job) {
  FineTuneSettings s;
  s.data.data = job.param("data").as_string();
  s.data.train_images = static_cast<int>(job.param("train_images").as_integer());
  s.data.resolution = static_cast<int>(job.param("resolution").as_integer());
  s.data.captions = job.param("captions").as_string();
  s.data.prompt_templates = strings_of(job.param("prompt_templates"));
  s.data.concept_word = job.param("concept_word").as_string();
  s.data.flip_probability = job.param("flip_p").as_number();
  s.steps = static_cast<int>(job.param("max_train_steps").as_integer());
  s.batch_size = static_cast<int>(job.param("train_batch_size").as_integer());
  s.gradient_accumulation = static_cast<int>(job.param("gradient_accumulation_steps").as_integer());
  s.learning_rate = job.param("learning_rate").as_number();
  s.scale_lr = job.param("scale_lr").as_bool();
  s.lr_scheduler = job.param("lr_scheduler").as_string();
  s.warmup_steps = static_cast<int>(job.param("lr_warmup_steps").as_integer());
  s.adam.beta1 = job.param("adam_beta1").as_number();
  s.adam.beta2 = job.param("adam_beta2").as_number();
  s.adam.epsilon = job.param("adam_epsilon").as_number();
  s.adam.weight_decay = job.param("adam_weight_decay").as_number();
  s.max_grad_norm = job.param("max_grad_norm").as_number();
  s.min_snr_gamma = job.param("snr_gamma").as_number();
  s.seed = static_cast<std::uint64_t>(job.param("seed").as_integer());
  s.checkpoint_every = static_cast<int>(job.param("checkpointing_steps").as_integer());
  s.checkpoints_total_limit = static_cast<int>(job.param("checkpoints_total_limit").as_integer());
  s.sample_prompt = job.param("validation_prompt").as_string();
  s.sample_every = s.sample_prompt.empty() ? 0 : static_cast<int>(job.param("validation_steps").as_integer());
  s.sample_images = static_cast<int>(job.param("num_validation_images").as_integer());
  return s;
}

// The class images cached in `file` if they are the ones asked for; nothing (and a warning
// for a damaged file) otherwise — the cache is then rebuilt.
std::optional<ImageBatch> cached_class_images(const std::filesystem::path& file, const std::string& prompt, int count,
                                              int resolution) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return std::nullopt;
  std::map<std::string, std::string> metadata;
  std::map<std::string, at::Tensor> tensors;
  try {
    tensors = load_tensors(file, &metadata);
  } catch (const std::exception& damaged) {
    log::warn("finetune", "{}: unreadable, generating the class images again ({})", file.string(), damaged.what());
    return std::nullopt;
  }
  const auto found = tensors.find("images");
  if (found == tensors.end() || found->second.scalar_type() != at::kByte || found->second.dim() != 4 ||
      found->second.size(3) != 3) {
    log::warn("finetune", "{}: not a [N, H, W, 3] uint8 'images' tensor, generating the class images again",
              file.string());
    return std::nullopt;
  }
  const at::Tensor pixels = found->second.contiguous();
  if (metadata["prompt"] != prompt || pixels.size(0) != count || pixels.size(1) != resolution ||
      pixels.size(2) != resolution)
    return std::nullopt;  // made for other settings
  ImageBatch images;
  images.key = "class";
  images.count = count;
  images.height = images.width = resolution;
  images.pixels.assign(pixels.data_ptr<std::uint8_t>(), pixels.data_ptr<std::uint8_t>() + pixels.numel());
  return images;
}

// DreamBooth's class images: generated by the base model once and kept in the artifact
// folder (a resumed or retried job reuses them).
// Without `artifacts` (the other ranks of a data-parallel group) they are generated, the
// same images, and not cached.
ImageBatch class_images(StableDiffusion& model, const std::string& prompt, int count, int resolution,
                        std::uint64_t seed, const std::filesystem::path& artifacts, const std::string& file_name) {
  const auto file = artifacts.empty() ? std::filesystem::path() : artifacts / file_name;
  if (!artifacts.empty())
    if (auto cached = cached_class_images(file, prompt, count, resolution)) return std::move(*cached);
  at::NoGradGuard no_grad;
  ImageBatch images;
  images.key = "class";
  images.height = images.width = resolution;
  for (int done = 0; done < count; done += 16) {
    Txt2ImgOptions options;
    options.prompt = prompt;
    options.num_images = std::min(16, count - done);
    options.steps = 50;
    options.guidance = 7.5;
    options.seed = mix_seed(seed, static_cast<std::uint64_t>(done));
    options.height = options.width = resolution;
    const ImageBatch part = txt2img(model, options);
    images.pixels.insert(images.pixels.end(), part.pixels.begin(), part.pixels.end());
    images.count += part.count;
  }
  if (artifacts.empty()) return images;
  std::filesystem::create_directories(artifacts);
  const at::Tensor pixels = at::from_blob(images.pixels.data(), {images.count, resolution, resolution, 3}, at::kByte);
  save_tensors(file, {{"images", pixels}}, {{"prompt", prompt}});
  return images;
}

struct TrainingSets {
  TrainingSet instances;
  std::optional<TrainingSet> prior;  // class images, with_prior_preservation
};

// The job's instance images (and class images): from `data` (and `class_prompt`), or — Custom
// Diffusion's joint multi-concept training, diffusers' concepts_list — from the lists
// concepts_data / concepts_instance_text / concepts_class_prompt, one entry per concept, each
// image captioned with its own concept's text and each concept with its own class images.
TrainingSets training_sets(const Job& job, StableDiffusion& model, const FineTuneSettings& settings,
                           const std::filesystem::path& artifacts, const std::string& what) {
  const bool with_prior = job.params.count("with_prior_preservation") && job.param("with_prior_preservation").as_bool();
  const std::vector<std::string> concept_data =
      job.params.count("concepts_data") ? strings_of(job.param("concepts_data")) : std::vector<std::string>{};
  TrainingSets sets;
  if (concept_data.empty()) {
    sets.instances = make_training_set(model, settings.data, what);
    if (with_prior) {
      const std::string class_prompt = job.param("class_prompt").as_string();
      const int count = static_cast<int>(job.param("num_class_images").as_integer());
      sets.prior = make_training_set(model,
                                     class_images(model, class_prompt, count, sets.instances.images.height,
                                                  settings.seed, artifacts, "class_images.safetensors"),
                                     class_prompt);
    }
    return sets;
  }
  const std::vector<std::string> texts = strings_of(job.param("concepts_instance_text"));
  const std::vector<std::string> class_prompts = strings_of(job.param("concepts_class_prompt"));
  if (concept_data.size() < 2)
    throw InputError(fmt::format("{}: concepts_data names {} concept; joint training needs at least two (or leave it "
                                 "empty and use data)",
                                 what, concept_data.size()));
  if (texts.size() != concept_data.size() || (with_prior && class_prompts.size() != concept_data.size()))
    throw InputError(fmt::format("{}: concepts_data has {} entries but concepts_instance_text {} and "
                                 "concepts_class_prompt {}; give one of each per concept{}",
                                 what, concept_data.size(), texts.size(), class_prompts.size(),
                                 with_prior ? "" : " (class prompts only with prior preservation)"));
  const int count = with_prior ? static_cast<int>(job.param("num_class_images").as_integer()) : 0;
  for (std::size_t k = 0; k < concept_data.size(); ++k) {
    TrainingSetOptions options = settings.data;
    options.data = concept_data[k];
    const std::string concept_what = fmt::format("{} concept {} ('{}')", what, k + 1, texts[k]);
    TrainingSet concept_set = make_training_set(model, options, concept_what);
    concept_set.concept_texts.assign(static_cast<std::size_t>(concept_set.size()), texts[k]);
    append_training_set(sets.instances, concept_set);
    if (!with_prior) continue;
    if (!sets.prior) sets.prior = TrainingSet();
    append_training_set(*sets.prior,
                        make_training_set(model,
                                          class_images(model, class_prompts[k], count, sets.instances.images.height,
                                                       settings.seed, artifacts,
                                                       fmt::format("class_images_{}.safetensors", k + 1)),
                                          class_prompts[k]));
  }
  return sets;
}

using MethodFactory = std::function<std::unique_ptr<FineTuneMethod>(const Job&)>;

// Fine-tuning has no accelerator path yet: a job placed on one says so and trains on the CPU.
void warn_if_not_on_cpu(const JobContext& context, const std::string& what) {
  if (context.device != "cpu")
    log::warn("finetune", "{}: fine-tuning runs on the CPU in this version; device {} is left unused", what,
              context.device);
}

// Merges the job's `loras` into the base model before training (each logged); returns them for the manifest.
std::vector<LoRAReference> apply_base_loras(StableDiffusion& model, const Job& job, const std::string& what) {
  const std::vector<LoRAReference> base_loras = external_loras(job);
  for (const auto& line : apply_external_adapters(model, base_loras, {}).summary)
    log::info("finetune", "{}: {}", what, line);
  return base_loras;
}

// The settings the loop runs with: `settings` with steps from num_train_epochs (when set), the group's
// communicator, the gradient bucket size, rescale augmentation and (with class images) the prior loss weight.
FineTuneSettings run_settings_of(const Job& job, const FineTuneSettings& settings, const TrainingSet& instances,
                                 bool with_prior, Communicator* communicator) {
  FineTuneSettings run_settings = settings;
  if (const auto epochs = job.param("num_train_epochs").as_integer(); epochs > 0) {
    const int per_step = settings.batch_size * settings.gradient_accumulation;
    run_settings.steps = static_cast<int>(epochs) * ((instances.size() + per_step - 1) / per_step);
  }
  run_settings.communicator = communicator;
  run_settings.bucket_bytes = static_cast<std::int64_t>(job.param("bucket_size_mb").as_number() * (1 << 20));
  run_settings.rescale_augmentation = job.params.count("augment") && job.param("augment").as_bool();
  if (with_prior) run_settings.prior_loss_weight = job.param("prior_loss_weight").as_number();
  return run_settings;
}

// Writes finetune.json beside the method's files: what was trained, on which base (and base LoRAs), and the files.
void write_manifest(const std::filesystem::path& artifacts, const FineTuneMethod& method, const std::string& base,
                    const std::vector<LoRAReference>& base_loras, int steps) {
  FineTuneManifest manifest;
  manifest.method = method.name();
  manifest.base_model = base;
  manifest.concept_text = method.concept_text();
  manifest.tokens = method.new_tokens();
  manifest.steps = steps;
  for (const auto& lora : base_loras)
    manifest.base_loras.push_back(fmt::format("{}:{}", std::filesystem::absolute(lora.file).string(), lora.scale));
  for (const auto& entry : std::filesystem::directory_iterator(artifacts))
    if (entry.is_regular_file()) manifest.files.push_back(entry.path().filename().string());
  write_finetune_manifest(artifacts, manifest);
}

// The leader's outputs of a finished run: the loss curve, the metrics and the validation images.
void record_run_outputs(JobOutputs& outputs, FineTuneRun& run, std::int64_t trainable, int steps) {
  outputs.loss = run.loss;
  outputs.metrics["trainable_parameters"] = static_cast<double>(trainable);
  outputs.metrics["resumed_from_step"] = run.resumed_from;
  outputs.metrics["final_loss"] = run.loss.empty() ? 0.0 : run.loss.back();
  outputs.metrics["train_steps"] = steps;
  if (steps > run.resumed_from) outputs.metrics["step_seconds"] = run.train_seconds / (steps - run.resumed_from);
  outputs.metrics["peak_rss_mb"] = peak_resident_megabytes();
  for (auto& images : run.samples) outputs.images.push_back(std::move(images));
}

void run_finetune_job(JobContext& context, const MethodFactory& make_method) {
  const Job& job = context.job;
  const std::string what = fmt::format("{} job {}", job.kind, job.id);
  auto start = std::chrono::steady_clock::now();
  reset_peak_resident_memory();
  warn_if_not_on_cpu(context, what);
  // Data parallelism over the job's group: every rank trains on its share of each batch;
  // the group's rank 0 alone writes artifacts (class images, checkpoints, the method's files).
  const bool writer = context.group_rank == 0;
  std::unique_ptr<Communicator> group;
  if (context.group_size > 1) group = make_communicator(context.group, "cpu");
  const std::string base = job.param("model").as_string();
  StableDiffusion model = load_stable_diffusion(resolve_model_reference(base, job.kind + " param 'model'"));
  const std::vector<LoRAReference> base_loras = apply_base_loras(model, job, what);
  const FineTuneSettings settings = settings_of(job);
  std::unique_ptr<FineTuneMethod> method = make_method(job);
  const TrainingSets sets =
      training_sets(job, model, settings, writer ? context.artifacts : std::filesystem::path(), what);
  const TrainingSet& instances = sets.instances;
  const TrainingSet* prior = sets.prior ? &*sets.prior : nullptr;
  method->attach(model);
  const std::int64_t trainable = method->trainable_parameter_count();
  context.outputs.timings["load"] = seconds_since(start);

  if (writer) std::filesystem::create_directories(context.artifacts);
  const FineTuneSettings run_settings = run_settings_of(job, settings, instances, prior != nullptr, group.get());
  // Always a checkpoint folder: a stopped job (preemption, job_timeout) checkpoints there even
  // without checkpointing_steps, and is removed once such a job finishes.
  const auto checkpoints = context.artifacts / "checkpoints";
  FineTuneRun run = run_finetune(model, *method, run_settings, instances, prior, checkpoints, what);
  if (writer && settings.checkpoint_every == 0) std::filesystem::remove_all(checkpoints);
  context.outputs.timings["train"] = run.train_seconds;
  if (run.sample_seconds > 0) context.outputs.timings["sample"] = run.sample_seconds;

  if (!writer) return;  // the leader's outputs go into the shard
  method->save(context.artifacts, run_settings.steps);
  write_manifest(context.artifacts, *method, base, base_loras, run_settings.steps);
  record_run_outputs(context.outputs, run, trainable, run_settings.steps);
}

JobKind finetune_kind(KindSpec spec, MethodFactory make_method) {
  JobKind kind;
  kind.spec = std::move(spec);
  kind.run = [make_method](JobContext& context) { run_finetune_job(context, make_method); };
  return kind;
}

}  // namespace

JobKind finetune_textual_inversion_kind() {
  return finetune_kind(finetune_textual_inversion_spec(),
      [](const Job& job) {
        TextualInversionConfig config;
        config.placeholder_token = job.param("placeholder_token").as_string();
        config.initializer_token = job.param("initializer_token").as_string();
        config.num_vectors = static_cast<int>(job.param("num_vectors").as_integer());
        return std::make_unique<TextualInversion>(config);
      });
}

JobKind finetune_dreambooth_kind() {
  return finetune_kind(finetune_dreambooth_spec(),
      [](const Job& job) {
        DreamBoothConfig config;
        config.concept_text = job.param("instance_text").as_string();
        config.train_text_encoder = job.param("train_text_encoder").as_bool();
        return std::make_unique<DreamBooth>(config);
      });
}

JobKind finetune_lora_kind() {
  return finetune_kind(finetune_lora_spec(),
      [](const Job& job) {
        LoRAConfig config;
        config.rank = static_cast<int>(job.param("rank").as_integer());
        config.alpha = job.param("lora_alpha").as_number();
        config.target_modules = strings_of(job.param("target_modules"));
        config.train_text_encoder = job.param("train_text_encoder").as_bool();
        config.text_encoder_target_modules = strings_of(job.param("text_encoder_target_modules"));
        if (!config.train_text_encoder && config.text_encoder_target_modules != lora_text_encoder_target_names())
          throw InputError(fmt::format("finetune.lora param 'text_encoder_target_modules' = [{}] has no effect while "
                                       "'train_text_encoder' is false; set train_text_encoder = true",
                                       fmt::join(config.text_encoder_target_modules, ", ")));
        config.init = job.param("init_lora_weights").as_string();
        config.concept_text = job.param("instance_text").as_string();
        return std::make_unique<LoRA>(config, static_cast<std::uint64_t>(job.param("seed").as_integer()));
      });
}

}  // namespace tunegrid

namespace tunegrid {

JobKind finetune_hypernetwork_kind() {
  return finetune_kind(finetune_hypernetwork_spec(),
      [](const Job& job) {
        HypernetworkConfig config;
        config.name = job.param("hypernetwork_name").as_string();
        for (const auto& v : job.param("enable_sizes").as_list()) config.enable_sizes.push_back(static_cast<int>(v.as_integer()));
        config.layer_structure.clear();
        for (const auto& v : job.param("layer_structure").as_list()) config.layer_structure.push_back(v.as_number());
        config.activation_func = job.param("activation_func").as_string();
        config.add_layer_norm = job.param("add_layer_norm").as_bool();
        config.use_dropout = job.param("use_dropout").as_bool();
        config.last_layer_dropout = job.param("last_layer_dropout").as_bool();
        for (const auto& v : job.param("dropout_structure").as_list()) config.dropout_structure.push_back(v.as_number());
        config.activate_output = job.param("activate_output").as_bool();
        config.concept_text = job.param("instance_text").as_string();
        return std::make_unique<Hypernetwork>(config, static_cast<std::uint64_t>(job.param("seed").as_integer()));
      });
}

}  // namespace tunegrid

namespace tunegrid {

JobKind finetune_custom_diffusion_kind() {
  return finetune_kind(finetune_custom_diffusion_spec(),
      [](const Job& job) {
        CustomDiffusionConfig config;
        config.modifier_token = job.param("modifier_token").as_string();
        config.initializer_token = job.param("initializer_token").as_string();
        config.concept_text = job.param("instance_text").as_string();
        if (!job.param("concepts_data").as_list().empty())
          config.concept_texts = strings_of(job.param("concepts_instance_text"));
        config.freeze_model = job.param("freeze_model").as_string();
        return std::make_unique<CustomDiffusion>(config);
      });
}

}  // namespace tunegrid
