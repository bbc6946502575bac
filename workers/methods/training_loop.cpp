// training_loop.cpp — see training_loop.h. run_finetune reads top to bottom: check the
// settings, set the run up (trainable tensors, optimizer, schedule, resuming, replicas), then
// for every optimizer step train_step (micro-steps, gradient sync, clipping, AdamW or Prodigy) and
// after_step (progress, validation images, checkpoint, stop requests), then finish — the
// order of diffusers' train_text_to_image.py / train_dreambooth.py main loop.
#include "workers/methods/training_loop.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "core/errors.h"
#include "core/hash.h"
#include "core/job_progress.h"
#include "core/log.h"
#include "core/stop_request.h"
#include "core/stopwatch.h"
#include "core/text.h"
#include "workers/data/rng.h"
#include "workers/methods/denoiser_training.h"
#include "workers/methods/learning_rate_schedule.h"
#include "workers/methods/mixed_precision.h"
#include "workers/methods/stable_diffusion_training.h"
#include "workers/methods/training_examples.h"
#include "workers/parallel/data_parallel.h"

namespace tunegrid {

namespace {

// Everything that decides the trajectory of a run: a checkpoint resumes bitwise only into a
// run with the same key (sampling and checkpointing settings are left out: they change no
// trained number).
std::string settings_key(const FineTuneSettings& s, const FineTuneMethod& method, const NamedTensors& trainable,
                         const TrainingSet& instances, const TrainingSet* prior) {
  std::string text = fmt::format(
      "method={} steps={} batch={} accumulation={} lr={} scale_lr={} schedule={} warmup={} adam={},{},{},{} clip={} "
      "snr={} prior_weight={} rescale={} seed={} flip={} instances={} prior={}",
      method.name(), s.steps, s.batch_size, s.gradient_accumulation, s.learning_rate, s.scale_lr, s.lr_scheduler,
      s.warmup_steps, s.adam.beta1, s.adam.beta2, s.adam.epsilon, s.adam.weight_decay, s.max_grad_norm,
      s.min_snr_gamma, s.prior_loss_weight, s.rescale_augmentation, s.seed, s.data.flip_probability, instances.size(),
      prior ? prior->size() : 0);
  if (s.mixed_precision != "no") text += " mixed_precision=" + s.mixed_precision;  // keys of fp32 runs unchanged
  if (s.optimizer != "adamw") {  // keys of AdamW runs unchanged
    const ProdigyOptions& p = s.prodigy;
    text += fmt::format(" optimizer={} prodigy={},{},{},{},{},{},{},{},{},{},{}", s.optimizer, p.beta1, p.beta2, p.beta3,
                        p.epsilon, p.weight_decay, p.decouple, p.use_bias_correction, p.safeguard_warmup, p.d0,
                        p.d_coef, p.growth_rate);
  }
  for (const auto& caption : instances.captions) text += "|" + caption;
  for (const auto& concept_text : instances.concept_texts) text += "|concept:" + concept_text;
  if (prior)
    for (const auto& caption : prior->captions) text += "|class:" + caption;
  for (const auto& [name, value] : trainable) text += fmt::format("|{}:{}", name, fmt::join(value.sizes(), "x"));
  return hex_id(fnv1a64(text));
}

// The run's optimizer over the trainable tensors: AdamW or Prodigy.
std::unique_ptr<Optimizer> make_optimizer(const NamedTensors& trainable, const FineTuneSettings& settings) {
  if (settings.optimizer == "prodigy") return std::make_unique<Prodigy>(trainable, settings.prodigy);
  if (settings.optimizer == "adamw") return std::make_unique<AdamW>(trainable, settings.adam);
  throw InputError(fmt::format("optimizer '{}' is not one of adamw, prodigy", settings.optimizer));
}

// What a run cannot start with, checked in this order; returns the method's trainable tensors.
NamedTensors checked_trainable(FineTuneMethod& method, const FineTuneSettings& settings, const TrainingSet& instances,
                               const std::string& what) {
  if (settings.steps < 1 || settings.batch_size < 1 || settings.gradient_accumulation < 1)
    throw InputError(what + ": steps, batch_size and gradient_accumulation must be at least 1");
  if (instances.size() < 1) throw InputError(what + ": no training images");
  NamedTensors trainable = method.trainable();
  if (trainable.empty()) throw InputError(what + ": the method trains no tensors");
  const auto& schedules = learning_rate_schedule_names();
  if (std::find(schedules.begin(), schedules.end(), settings.lr_scheduler) == schedules.end())
    throw InputError(fmt::format("{}: unknown lr_scheduler '{}'; expected one of {}", what, settings.lr_scheduler,
                                 fmt::join(schedules, ", ")));
  return trainable;
}

LearningRateSchedule schedule_of(const FineTuneSettings& settings) {
  LearningRateSchedule schedule;
  schedule.name = settings.lr_scheduler;
  schedule.peak = settings.learning_rate *
                  (settings.scale_lr ? settings.gradient_accumulation * settings.batch_size : 1);
  schedule.warmup_steps = settings.warmup_steps;
  schedule.total_steps = settings.steps;
  return schedule;
}

// What the pieces of one run share.
struct TrainingRun {
  TrainingRun(DenoiserTraining& model_family, FineTuneMethod& fine_tuning_method, const FineTuneSettings& run_settings,
              NamedTensors trainable_tensors, std::string trajectory_key,
              const std::filesystem::path& checkpoint_folder, const std::string& job_name)
      : family(model_family),
        method(fine_tuning_method),
        settings(run_settings),
        checkpoints(checkpoint_folder),
        what(job_name),
        trainable(std::move(trainable_tensors)),
        key(std::move(trajectory_key)),
        optimizer(make_optimizer(trainable, run_settings)),
        schedule(schedule_of(run_settings)),
        group(run_settings.communicator),
        rank(group ? group->rank() : 0),
        ranks(group ? group->size() : 1),
        low_precision(low_precision_type(run_settings.mixed_precision, job_name + ": mixed_precision")),
        device_type(trainable.front().second.device().type()),
        scaler(low_precision == at::kHalf, run_settings.initial_loss_scale) {}

  // What a checkpoint of this run holds (training_checkpoints.h).
  CheckpointedState checkpointed() { return {method, trainable, *optimizer, result.loss, key, scaler}; }

  DenoiserTraining& family;
  FineTuneMethod& method;
  const FineTuneSettings& settings;
  const std::filesystem::path& checkpoints;  // empty: no checkpoints, no resume
  const std::string& what;                   // names the job in errors and log lines
  NamedTensors trainable;
  std::string key;  // settings_key
  std::unique_ptr<Optimizer> optimizer;
  LearningRateSchedule schedule;
  // Data parallelism (workers/parallel/data_parallel.h): every rank of the group runs this
  // loop on its share of each batch; rank 0 alone writes checkpoints and validation images.
  Communicator* group;
  int rank, ranks;
  // Mixed precision (mixed_precision.h): the low-precision type (none: fp32), autocast's
  // device type, and fp16's loss scaling (disabled otherwise).
  std::optional<at::ScalarType> low_precision;
  c10::DeviceType device_type;
  LossScaler scaler;
  FineTuneRun result;
  SteadyTime start;
  double sample_seconds = 0;
};

// Resumes from the newest checkpoint, if any. Every replica starts from rank 0's tensors and
// agrees on the step it resumes from.
void resume(TrainingRun& run) {
  if (const auto last = latest_checkpoint(run.checkpoints); !last.empty()) {
    run.result.resumed_from = load_checkpoint(last, run.checkpointed());
    log::info("finetune", "{}: resuming from {} (step {})", run.what, last.string(), run.result.resumed_from);
  }
  if (run.ranks > 1) {
    broadcast_tensors(run.trainable, *run.group);
    if (group_max(*run.group, run.result.resumed_from) != -group_max(*run.group, -run.result.resumed_from))
      throw std::runtime_error(fmt::format("{}: the ranks of the group found different checkpoints under {} (is the "
                                           "store on a file system every rank sees?)",
                                           run.what, run.checkpoints.string()));
  }
}

// The micro-batch's loss: MSE per example (Custom Diffusion: masked), min-SNR-γ weights on the
// instance terms, plus λ times the prior terms.
at::Tensor micro_batch_loss(const TrainingRun& run, const MicroBatch& batch, const NoisedLatents& input,
                            const at::Tensor& prediction) {
  const FineTuneSettings& settings = run.settings;
  const int local = batch.local, examples = settings.batch_size;
  const at::Tensor squared = (prediction - input.target).pow(2);  // [rows, C, h, w]
  at::Tensor per_example = squared.mean({1, 2, 3});               // [rows]
  if (batch.masks.defined())  // diffusers' train_custom_diffusion.py: Σ(mask·mse) / Σ mask, the mask one channel deep
    per_example = at::cat({(squared.slice(0, 0, local) * batch.masks).sum({1, 2, 3}) / batch.masks.sum({1, 2, 3}),
                           per_example.slice(0, local)});
  if (input.weights.defined()) per_example = per_example * input.weights;  // FLUX's weighting_scheme, every row
  // min-SNR-γ weights the instance loss only; the prior loss stays a plain mean (diffusers'
  // train_dreambooth.py computes prior_loss before, and apart from, the weighting). Sums
  // over this rank's examples divided by the whole batch: the ranks' losses (and
  // gradients) add up to the one-rank batch mean.
  at::Tensor instance_terms = per_example.slice(0, 0, local);
  if (settings.min_snr_gamma > 0)
    instance_terms =
        instance_terms * run.family.loss_weights(input.timesteps.slice(0, 0, local), settings.min_snr_gamma);
  at::Tensor loss = instance_terms.sum() / examples;
  if (batch.with_prior) loss = loss + settings.prior_loss_weight * per_example.slice(0, local).sum() / examples;
  return loss;
}

// Noises the micro-batch, predicts, and back-propagates loss / gradient_accumulation; returns
// this rank's loss.
double backward_micro_batch(TrainingRun& run, MicroBatch& batch) {
  const NoisedLatents input = run.family.add_training_noise(batch.latents, batch.streams);
  at::Tensor prediction;
  {
    AutocastScope autocast(run.device_type, run.low_precision);
    const TextContext context = run.family.text_context(batch.captions);
    prediction = run.family.predict(input, context);
  }
  // The loss in fp32, as diffusers' scripts take it (F.mse_loss(pred.float(), target.float())).
  const at::Tensor loss = micro_batch_loss(run, batch, input, prediction.to(at::kFloat));
  const double value = loss.item<double>();
  run.scaler.scaled(loss / run.settings.gradient_accumulation).backward();
  return value;
}

// Micro-step `micro` of optimizer step `step` on this rank's examples; returns the group's
// loss. A NaN or infinite loss stops the run.
double micro_step(TrainingRun& run, TrainingExamples& examples, int step, int micro) {
  const FineTuneSettings& settings = run.settings;
  const std::int64_t micro_index = static_cast<std::int64_t>(step) * settings.gradient_accumulation + micro;
  // Ops that draw from the default generator (hypernetwork dropout) are seeded by the
  // micro-step and the rank (with several ranks their masks differ from one rank's).
  at::manual_seed(mix_seed(mix_seed(settings.seed, static_cast<std::uint64_t>(micro_index)), 0xd50 + run.rank));
  MicroBatch batch = examples.deal(run.family, micro_index, run.rank, run.ranks);
  double value = batch.local > 0 ? backward_micro_batch(run, batch) : 0.0;
  if (run.ranks > 1) value = group_sum(*settings.communicator, value);
  if (!std::isfinite(value) && !run.scaler.enabled())  // fp16: its gradients are not finite either; skipped
    throw std::runtime_error(fmt::format("{}: the loss is {} at step {} (micro-step {}); stopping", run.what,
                                         std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf", step + 1,
                                         micro + 1));
  return value;
}

void clip_gradient_norm(const NamedTensors& trainable, double max_norm) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> norms;
  for (const auto& item : trainable)
    if (item.second.grad().defined()) norms.push_back(item.second.grad().norm());
  if (norms.empty()) return;
  const double total = at::stack(norms).norm().item<double>();
  const double coefficient = max_norm / (total + 1e-6);
  if (coefficient >= 1.0) return;
  for (const auto& item : trainable)
    if (item.second.grad().defined()) item.second.grad().mul_(coefficient);
}

// fp16: step `step` had inf / NaN gradients and was skipped (GradScaler's rule); a run whose
// steps keep overflowing after the scale fell by 2^kMaxConsecutiveSkips stops.
constexpr int kMaxConsecutiveSkips = 50;
void skip_step(const TrainingRun& run, int step) {
  log::info("finetune", "{}: step {} skipped (fp16 gradients not finite); loss scale now {:g}", run.what, step + 1,
            run.scaler.scale());
  if (run.scaler.consecutive_skips() >= kMaxConsecutiveSkips)
    throw std::runtime_error(fmt::format("{}: {} fp16 steps in a row had inf / NaN gradients (up to step {}, loss "
                                         "scale now {:g}); the run diverged: use bf16 or a lower learning_rate",
                                         run.what, kMaxConsecutiveSkips, step + 1, run.scaler.scale()));
}

// Optimizer step `step` (0-based): its micro-steps' gradients accumulated and summed over the
// group, clipped, the optimizer at the schedule's rate, then the method's after_step. Returns its loss.
double train_step(TrainingRun& run, TrainingExamples& examples, int step) {
  const FineTuneSettings& settings = run.settings;
  double step_loss = 0;
  for (int micro = 0; micro < settings.gradient_accumulation; ++micro)
    step_loss += micro_step(run, examples, step, micro) / settings.gradient_accumulation;
  if (run.ranks > 1) all_reduce_gradients(run.trainable, *run.group, ReduceOp::sum, settings.bucket_bytes);
  // The summed gradients are the same on every rank, so every rank skips the same steps.
  const bool finite = run.scaler.unscale_gradients(run.trainable);
  if (finite) {
    if (settings.max_grad_norm > 0) clip_gradient_norm(run.trainable, settings.max_grad_norm);
    run.optimizer->step(run.schedule.at(step));
  }
  run.optimizer->zero_grad();
  run.scaler.update(finite);
  if (!finite) skip_step(run, step);
  run.method.after_step();
  run.result.loss.push_back(static_cast<float>(step_loss));
  return step_loss;
}

// Every `every` steps (0: never) and after the last.
bool due(int done, int every, int steps) { return every > 0 && (done % every == 0 || done == steps); }

// Validation images (diffusers' log_validation), the denoiser and the method out of training
// mode meanwhile; their time is kept apart from the training time.
void sample_validation_images(TrainingRun& run, int done) {
  const FineTuneSettings& settings = run.settings;
  const auto sample_start = std::chrono::steady_clock::now();
  at::NoGradGuard no_grad;
  run.family.set_training(false);
  run.method.set_training(false);
  Txt2ImgOptions options;
  options.prompt = replace_all(settings.sample_prompt, "{}", run.method.concept_text());
  options.num_images = settings.sample_images;
  options.steps = settings.sample_steps;
  options.guidance = settings.sample_guidance;
  options.seed = settings.seed;
  AutocastScope autocast(run.device_type, run.low_precision);  // the frozen weights are in low precision
  ImageBatch images = run.family.sample(options);
  images.key = fmt::format("sample_step_{}", done);
  run.result.samples.push_back(std::move(images));
  run.family.set_training(true);
  run.method.set_training(true);
  run.sample_seconds += seconds_since(sample_start);
}

// A stop request (preemption, time limit) or the job's deadline (core/stop_request.h):
// checkpoint now, off the checkpoint_every cadence, then stop. The ranks of a group stop
// together (else the others would wait in the next reduction).
void stop_if_requested(TrainingRun& run, int done) {
  const FineTuneSettings& settings = run.settings;
  StopKind stop = pending_stop();
  if (run.ranks > 1) stop = static_cast<StopKind>(group_max(*run.group, static_cast<int>(stop)));
  if (stop == StopKind::none || done >= settings.steps) return;
  if (run.rank == 0 && !run.checkpoints.empty() &&
      !(settings.checkpoint_every > 0 && done % settings.checkpoint_every == 0))
    save_checkpoint(run.checkpoints, done, run.checkpointed(), settings.checkpoints_total_limit);
  throw_for(stop, fmt::format("{} at step {}/{}{}", run.what, done, settings.steps,
                              run.checkpoints.empty() ? "" : " (checkpointed)"));
}

// After `done` steps: progress and the log line, validation images and checkpoints on their
// cadence (rank 0), then stop requests.
void after_step(TrainingRun& run, int done, double step_loss) {
  const FineTuneSettings& settings = run.settings;
  report_job_step("training", done, settings.steps);
  if (done % 50 == 0 || done == settings.steps)
    log::info("finetune", "{}: step {}/{} loss {:.4f} ({:.0f} s)", run.what, done, settings.steps, step_loss,
              seconds_since(run.start));
  if (run.rank == 0 && due(done, settings.sample_every, settings.steps)) sample_validation_images(run, done);
  if (run.rank == 0 && !run.checkpoints.empty() && due(done, settings.checkpoint_every, settings.steps))
    save_checkpoint(run.checkpoints, done, run.checkpointed(), settings.checkpoints_total_limit);
  stop_if_requested(run, done);
}

FineTuneRun finish(TrainingRun& run) {
  run.family.set_training(false);
  run.method.set_training(false);
  run.result.sample_seconds = run.sample_seconds;
  run.result.skipped_steps = run.scaler.skipped_steps();
  run.result.train_seconds = seconds_since(run.start) - run.sample_seconds;
  return std::move(run.result);
}

}  // namespace

FineTuneRun run_finetune(DenoiserTraining& family, FineTuneMethod& method, const FineTuneSettings& settings,
                         const TrainingSet& instances, const TrainingSet* prior,
                         const std::filesystem::path& checkpoints, const std::string& what) {
  NamedTensors trainable = checked_trainable(method, settings, instances, what);
  std::string key = settings_key(settings, method, trainable, instances, prior);
  TrainingRun run(family, method, settings, std::move(trainable), std::move(key), checkpoints, what);
  resume(run);
  const FrozenWeightsInLowPrecision frozen(family.low_precision_components(), run.trainable, run.low_precision);
  family.set_gradient_checkpointing(settings.gradient_checkpointing);
  family.start_training();
  TrainingExamples examples(settings, instances, prior, method);
  run.start = std::chrono::steady_clock::now();
  for (int step = run.result.resumed_from; step < settings.steps; ++step) {
    const double step_loss = train_step(run, examples, step);
    after_step(run, step + 1, step_loss);
  }
  family.set_gradient_checkpointing(false);
  return finish(run);
}

FineTuneRun run_finetune(StableDiffusion& model, FineTuneMethod& method, const FineTuneSettings& settings,
                         const TrainingSet& instances, const TrainingSet* prior,
                         const std::filesystem::path& checkpoints, const std::string& what) {
  StableDiffusionTraining family(model, method.trains_text_encoder());
  return run_finetune(family, method, settings, instances, prior, checkpoints, what);
}

}  // namespace tunegrid
