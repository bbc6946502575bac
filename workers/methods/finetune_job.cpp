// finetune_job.cpp — see finetune_job.h.
#include "workers/methods/finetune_job.h"

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

#include "core/errors.h"

#include "core/log.h"
#include "core/process_memory.h"
#include "core/stopwatch.h"
#include "workers/builtin/builtin_models.h"
#include "workers/methods/finetune_artifact.h"
#include "workers/parallel/communicator.h"
#include "workers/parallel/device_memory.h"

namespace tunegrid {

namespace {

FineTuneSettings settings_of(const FineTuneParams& p, const Job& job) {
  FineTuneSettings s;
  s.data.data = p.data.of(job);
  s.data.train_images = p.train_images.of(job);
  s.data.resolution = p.resolution.of(job);
  s.data.captions = p.captions.of(job);
  // A learned token must appear in every caption; "class" captions name the class instead.
  if (s.data.captions == "class" &&
      (job.kind == "finetune.textual_inversion" || job.kind == "finetune.custom_diffusion"))
    throw InputError(fmt::format("{} = 'class': {} learns a token that must be in every caption; use template or data",
                                 p.captions.where(job), job.kind));
  s.data.prompt_templates = p.prompt_templates.of(job);
  s.data.concept_word = p.concept_word.of(job);
  s.data.flip_probability = p.flip_p.of(job);
  s.steps = p.max_train_steps.of(job);
  s.batch_size = p.train_batch_size.of(job);
  s.gradient_accumulation = p.gradient_accumulation_steps.of(job);
  s.learning_rate = p.learning_rate.of(job);
  s.scale_lr = p.scale_lr.of(job);
  s.lr_scheduler = p.lr_scheduler.of(job);
  s.warmup_steps = p.lr_warmup_steps.of(job);
  s.adam.beta1 = p.adam_beta1.of(job);
  s.adam.beta2 = p.adam_beta2.of(job);
  s.adam.epsilon = p.adam_epsilon.of(job);
  s.adam.weight_decay = p.adam_weight_decay.of(job);
  s.max_grad_norm = p.max_grad_norm.of(job);
  s.min_snr_gamma = p.snr_gamma.of(job);
  s.seed = static_cast<std::uint64_t>(p.seed.of(job));
  s.checkpoint_every = p.checkpointing_steps.of(job);
  s.checkpoints_total_limit = p.checkpoints_total_limit.of(job);
  s.sample_prompt = p.validation_prompt.of(job);
  s.sample_every = s.sample_prompt.empty() ? 0 : p.validation_steps.of(job);
  s.sample_images = p.num_validation_images.of(job);
  s.mixed_precision = p.mixed_precision.of(job);
  s.gradient_checkpointing = p.gradient_checkpointing.of(job);
  return s;
}

// Merges `loras` into the base model before training (each logged).
void apply_base_loras(BaseModel& base, const std::vector<LoRAReference>& loras, const std::string& what) {
  for (const auto& line : base.apply_loras(loras)) log::info("finetune", "{}: {}", what, line);
}

// The settings the loop runs with: `settings` with steps from num_train_epochs (when set), the group's
// communicator, the gradient bucket size, and the method's rescale augmentation and prior loss weight.
FineTuneSettings run_settings_of(const FineTuneParams& p, const Job& job, const FineTuneSettings& settings,
                                 const TrainingSets& sets, const MethodJob& method_job, Communicator* communicator) {
  FineTuneSettings run_settings = settings;
  if (const int epochs = p.num_train_epochs.of(job); epochs > 0) {
    const int per_step = settings.batch_size * settings.gradient_accumulation;
    run_settings.steps = epochs * ((sets.instances.size() + per_step - 1) / per_step);
  }
  run_settings.communicator = communicator;
  run_settings.bucket_bytes = static_cast<std::int64_t>(p.bucket_size_mb.of(job) * (1 << 20));
  run_settings.rescale_augmentation = method_job.rescale_augmentation;
  if (method_job.adjust_settings) method_job.adjust_settings(run_settings);
  if (sets.prior) {
    if (!method_job.prior)
      throw std::logic_error(job.kind + ": the method's training sets have class images but it asked for no prior "
                             "preservation (MethodJob::prior)");
    run_settings.prior_loss_weight = method_job.prior->loss_weight;
  }
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

// The leader's outputs of a finished run: the loss curve, the metrics and the validation images;
// fp16's skipped steps and the device's peak memory where there are such things.
void record_run_outputs(JobOutputs& outputs, FineTuneRun& run, const FineTuneSettings& settings,
                        std::int64_t trainable, const c10::Device& device) {
  const int steps = settings.steps;
  outputs.loss = run.loss;
  outputs.metrics["trainable_parameters"] = static_cast<double>(trainable);
  outputs.metrics["resumed_from_step"] = run.resumed_from;
  outputs.metrics["final_loss"] = run.loss.empty() ? 0.0 : run.loss.back();
  outputs.metrics["train_steps"] = steps;
  if (steps > run.resumed_from) outputs.metrics["step_seconds"] = run.train_seconds / (steps - run.resumed_from);
  outputs.metrics["peak_rss_mb"] = peak_resident_megabytes();
  if (settings.mixed_precision == "fp16") outputs.metrics["skipped_steps"] = run.skipped_steps;
  if (run.train_seconds > 0 && steps > run.resumed_from) {  // examples of the whole group per second of training
    const int ranks = settings.communicator ? settings.communicator->size() : 1;
    outputs.metrics["samples_per_second"] = static_cast<double>(steps - run.resumed_from) * settings.batch_size *
                                            settings.gradient_accumulation * ranks / run.train_seconds;
  }
  if (const auto peak = peak_device_memory(device)) {
    outputs.metrics["peak_device_allocated_mb"] = peak->allocated_mb;
    outputs.metrics["peak_device_reserved_mb"] = peak->reserved_mb;
  }
  for (auto& images : run.samples) outputs.images.push_back(std::move(images));
}

void run_finetune_job(JobContext& context, const FineTuneParams& p, const MethodJobFactory& make_method_job) {
  const Job& job = context.job;
  const std::string what = fmt::format("{} job {}", job.kind, job.id);
  auto start = std::chrono::steady_clock::now();
  reset_peak_resident_memory();
  const c10::Device device(context.device);
  reset_peak_device_memory(device);
  set_allow_tf32(p.allow_tf32.of(job));
  const bool writer = context.group_rank == 0;
  std::unique_ptr<Communicator> group;
  if (context.group_size > 1) group = make_communicator(context.group, context.device);
  const std::string base = p.model.of(job);
  const std::unique_ptr<BaseModel> model = load_base_model(resolve_model_reference(base, p.model.where(job)));
  const std::vector<LoRAReference> base_loras = p.loras.of(job);
  apply_base_loras(*model, base_loras, what);  // merged on the CPU, where the files are read
  model->to(device);
  const FineTuneSettings settings = settings_of(p, job);
  MethodJob method_job = make_method_job(job, settings);
  const TrainingSetSources sources{*model, settings, writer ? context.artifacts : std::filesystem::path(), what};
  const TrainingSets sets =
      method_job.training_sets ? method_job.training_sets(sources) : instance_training_sets(sources, method_job.prior);
  FineTuneMethod& method = *method_job.method;
  model->attach(method);
  const std::int64_t trainable = method.trainable_parameter_count();
  context.outputs.timings["load"] = seconds_since(start);

  if (writer) std::filesystem::create_directories(context.artifacts);
  const FineTuneSettings run_settings = run_settings_of(p, job, settings, sets, method_job, group.get());
  // Always a checkpoint folder: a stopped job (preemption, job_timeout) checkpoints there even
  // without checkpointing_steps, and is removed once such a job finishes.
  const auto checkpoints = context.artifacts / "checkpoints";
  const TrainingSet* prior = sets.prior ? &*sets.prior : nullptr;
  const std::unique_ptr<DenoiserTraining> family = model->training(method);
  FineTuneRun run = run_finetune(*family, method, run_settings, sets.instances, prior, checkpoints, what);
  if (writer && settings.checkpoint_every == 0) std::filesystem::remove_all(checkpoints);
  context.outputs.timings["train"] = run.train_seconds;
  if (run.sample_seconds > 0) context.outputs.timings["sample"] = run.sample_seconds;

  if (!writer) return;  // the leader's outputs go into the shard
  method.save(context.artifacts, run_settings.steps);
  write_manifest(context.artifacts, method, base, base_loras, run_settings.steps);
  record_run_outputs(context.outputs, run, run_settings, trainable, device);
}

}  // namespace

TrainingSet class_training_set(const TrainingSetSources& sources, const PriorPreservation& prior,
                               const std::string& class_prompt, int resolution, const std::string& class_file) {
  const std::filesystem::path cache = sources.artifacts.empty() ? std::filesystem::path() : sources.artifacts / class_file;
  return sources.base.generated_training_set(class_prompt, prior.num_class_images, resolution, sources.settings.seed,
                                             cache);
}

TrainingSets instance_training_sets(const TrainingSetSources& sources, const std::optional<PriorPreservation>& prior,
                                    const std::string& class_file) {
  TrainingSets sets;
  sets.instances = sources.base.training_set(sources.settings.data, sources.what);
  if (prior)
    sets.prior =
        class_training_set(sources, *prior, prior->class_prompt, sets.instances.images.height, class_file);
  return sets;
}

JobKind finetune_kind(KindSpec spec, std::shared_ptr<const FineTuneParams> params, MethodJobFactory make) {
  JobKind kind;
  kind.spec = std::move(spec);
  kind.run = [params = std::move(params), make = std::move(make)](JobContext& context) {
    run_finetune_job(context, *params, make);
  };
  return kind;
}

}  // namespace tunegrid
