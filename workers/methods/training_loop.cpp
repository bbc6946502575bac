// training_loop.cpp — see training_loop.h.
#include "workers/methods/training_loop.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

#include "core/job_progress.h"
#include "core/stopwatch.h"
#include "core/errors.h"
#include "core/text.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/stop_request.h"
#include "workers/data/rng.h"
#include "workers/diffusion/ddpm_scheduler.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/data/image_folder.h"
#include "workers/eval/clip_preprocess.h"
#include "workers/methods/learning_rate_schedule.h"
#include "workers/methods/rescale_augmentation.h"
#include "workers/models/weights.h"
#include "workers/parallel/data_parallel.h"

namespace tunegrid {

namespace {

constexpr const char* kCheckpointFormat = "tunegrid.finetune_checkpoint";
constexpr int kCheckpointVersion = 2;  // 2: "settings_key"


// Examples dealt in per-epoch shuffles: the g-th example drawn is perm(g / N)[g % N].
class ExampleOrder {
 public:
  ExampleOrder(int size, std::uint64_t seed) : size_(size), seed_(seed) {}
  std::int64_t at(std::int64_t g) {
    const std::int64_t epoch = g / size_;
    if (epoch != epoch_) {
      permutation_.resize(static_cast<std::size_t>(size_));
      std::iota(permutation_.begin(), permutation_.end(), 0);
      Rng rng(mix_seed(seed_, static_cast<std::uint64_t>(epoch)));
      for (int i = size_ - 1; i > 0; --i) std::swap(permutation_[static_cast<std::size_t>(i)],
                                                    permutation_[static_cast<std::size_t>(rng.below(i + 1))]);
      epoch_ = epoch;
    }
    return permutation_[static_cast<std::size_t>(g % size_)];
  }

 private:
  int size_;
  std::uint64_t seed_;
  std::int64_t epoch_ = -1;
  std::vector<std::int64_t> permutation_;
};

// Image `index` of a batch as a batch of one.
ImageBatch image_at(const ImageBatch& images, std::int64_t index) {
  ImageBatch one;
  one.key = images.key;
  one.count = 1;
  one.height = images.height;
  one.width = images.width;
  const std::size_t bytes = static_cast<std::size_t>(images.height) * images.width * 3;
  one.pixels.assign(images.pixels.begin() + static_cast<std::ptrdiff_t>(bytes * index),
                    images.pixels.begin() + static_cast<std::ptrdiff_t>(bytes * (index + 1)));
  return one;
}

// The random streams of one example: example e of micro-step k draws its flip, caption and
// rescaling from `rng` and its VAE posterior noise, diffusion noise and timestep from
// `noise`, both seeded by (seed, k, e). The examples a rank takes (data_parallel.h) thus
// come out the same whatever the number of ranks, and a resumed run as an uninterrupted one.
struct ExampleStreams {
  Rng rng;
  at::Generator noise;
};

ExampleStreams example_streams(std::uint64_t seed, std::int64_t micro_step, int example) {
  const std::uint64_t base =
      mix_seed(mix_seed(seed, static_cast<std::uint64_t>(micro_step)), static_cast<std::uint64_t>(example));
  return {Rng(mix_seed(base, 1)), at::make_generator<at::CPUGeneratorImpl>(mix_seed(base, 2))};
}

// Custom Diffusion's examples: rescaled (and maybe mirrored) images encoded now, their loss
// masks [B, 1, h, w], the caption prefixes put in front of `captions`.
at::Tensor rescaled_latents(StableDiffusion& model, const TrainingSet& set, const std::vector<std::int64_t>& index,
                            const std::vector<bool>& flipped, std::vector<std::string>& captions,
                            std::vector<ExampleStreams>& streams, at::Tensor& masks) {
  const int factor = model.vae->downscale_factor();
  ImageBatch batch;
  std::vector<float> mask_values;
  for (std::size_t k = 0; k < index.size(); ++k) {
    ImageBatch image = image_at(set.images, index[k]);
    if (flipped[k]) image = flip_horizontal(image);
    RescaledExample example = rescale_augment(image, factor, streams[k].rng);
    captions[k] = example.caption_prefix + captions[k];
    batch.height = batch.width = example.image.height;
    batch.pixels.insert(batch.pixels.end(), example.image.pixels.begin(), example.image.pixels.end());
    ++batch.count;
    mask_values.insert(mask_values.end(), example.mask.begin(), example.mask.end());
  }
  at::NoGradGuard no_grad;
  const DiagonalGaussian posterior = model.vae->encode(images_to_tensor(batch));
  const auto cells = batch.height / factor;
  masks = at::tensor(mask_values).view({batch.count, 1, cells, cells});
  std::vector<at::Tensor> rows;
  for (std::size_t k = 0; k < index.size(); ++k)
    rows.push_back(posterior.mean[k] + posterior.std[k] * at::randn(posterior.mean[k].sizes(), streams[k].noise,
                                                                    posterior.mean.options()));
  return at::stack(rows) * model.vae->config.scaling_factor;
}

// The scaled latents of the examples, each with its own posterior noise.
at::Tensor example_latents(const TrainingSet& set, const std::vector<std::int64_t>& index,
                           const std::vector<bool>& flipped, double scaling, std::vector<ExampleStreams>& streams,
                           std::size_t first_stream) {
  std::vector<at::Tensor> rows;
  for (std::size_t k = 0; k < index.size(); ++k)
    rows.push_back(sample_latents(set, {index[k]}, {flipped[k]}, scaling, streams[first_stream + k].noise));
  return at::cat(rows);
}

// A checkpoint's step from its folder name "step-<N>"; -1 for anything else.
int checkpoint_step(const std::filesystem::path& dir) {
  const std::string name = dir.filename().string();
  if (name.rfind("step-", 0) != 0 || name.size() == 5 || name.size() > 14) return -1;
  int step = 0;
  for (std::size_t i = 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    step = step * 10 + (name[i] - '0');
  }
  return step;
}

// The checkpoint folders under `checkpoints` by step, oldest first.
std::vector<std::pair<int, std::filesystem::path>> checkpoints_by_step(const std::filesystem::path& checkpoints) {
  std::vector<std::pair<int, std::filesystem::path>> out;
  std::error_code error;
  if (checkpoints.empty() || !std::filesystem::is_directory(checkpoints, error)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(checkpoints)) {
    const int step = checkpoint_step(entry.path());
    if (step >= 0 && std::filesystem::exists(entry.path() / "state.safetensors", error)) out.emplace_back(step, entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

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
  for (const auto& caption : instances.captions) text += "|" + caption;
  for (const auto& concept_text : instances.concept_texts) text += "|concept:" + concept_text;
  if (prior)
    for (const auto& caption : prior->captions) text += "|class:" + caption;
  for (const auto& [name, value] : trainable) text += fmt::format("|{}:{}", name, fmt::join(value.sizes(), "x"));
  return hex_id(fnv1a64(text));
}

int metadata_int(std::map<std::string, std::string>& metadata, const char* key, const std::filesystem::path& file) {
  const std::string& text = metadata[key];
  std::size_t used = 0;
  int value = -1;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || value < 0)
    throw InputError(fmt::format("{}: metadata '{}' is '{}'; expected a non-negative integer (a damaged checkpoint? "
                                 "delete its folder to resume from the one before)",
                                 file.string(), key, text));
  return value;
}

void save_checkpoint(const std::filesystem::path& checkpoints, int step, const FineTuneMethod& method,
                     const NamedTensors& trainable, const AdamW& optimizer, const std::vector<float>& loss,
                     const std::string& key, int total_limit) {
  // diffusers' checkpoints_total_limit: make room first, so at most `total_limit` remain.
  if (total_limit > 0) {
    auto existing = checkpoints_by_step(checkpoints);
    existing.erase(std::remove_if(existing.begin(), existing.end(), [&](const auto& c) { return c.first == step; }),
                   existing.end());
    for (std::size_t i = 0; i + static_cast<std::size_t>(total_limit) <= existing.size(); ++i)
      std::filesystem::remove_all(existing[i].second);
  }
  const auto dir = checkpoints / fmt::format("step-{:06d}", step);
  std::filesystem::create_directories(dir);
  NamedTensors tensors;
  for (const auto& [name, value] : trainable) tensors.emplace_back("param." + name, value);
  for (const auto& [name, value] : optimizer.state()) tensors.emplace_back("adamw." + name, value);
  tensors.emplace_back("loss", at::tensor(loss.empty() ? std::vector<float>{0.f} : loss).slice(0, 0, loss.size()));
  save_tensors(dir / "state.safetensors", tensors,
               {{"format", kCheckpointFormat},
                {"format_version", std::to_string(kCheckpointVersion)},
                {"method", method.name()},
                {"settings_key", key},
                {"step", std::to_string(step)}});
}

// Loads the checkpoint into the trainable tensors and the optimizer; returns its step.
int load_checkpoint(const std::filesystem::path& dir, const FineTuneMethod& method, NamedTensors& trainable,
                    AdamW& optimizer, std::vector<float>& loss, const std::string& key) {
  const auto file = dir / "state.safetensors";
  std::map<std::string, std::string> metadata;
  const auto tensors = load_tensors(file, &metadata);
  if (metadata["format"] != kCheckpointFormat)
    throw InputError(fmt::format("{}: not a tunegrid fine-tuning checkpoint (format '{}')", file.string(),
                                 metadata["format"]));
  if (metadata_int(metadata, "format_version", file) > kCheckpointVersion)
    throw InputError(fmt::format("{}: checkpoint format version {} is newer than this tunegrid reads ({})",
                                 file.string(), metadata["format_version"], kCheckpointVersion));
  if (metadata["method"] != method.name())
    throw InputError(fmt::format("{}: a checkpoint of method '{}', not '{}'", file.string(), metadata["method"],
                                 method.name()));
  if (metadata["settings_key"] != key)
    throw InputError(fmt::format("{}: this checkpoint was written by a run with other training settings or data "
                                 "(settings key {}, this run's {}); it cannot be resumed bitwise — delete {} to "
                                 "start over",
                                 file.string(), metadata["settings_key"].empty() ? "none" : metadata["settings_key"],
                                 key, dir.parent_path().string()));
  const int step = metadata_int(metadata, "step", file);
  const auto history = tensors.find("loss");
  if (history == tensors.end() || history->second.scalar_type() != at::kFloat || history->second.dim() != 1)
    throw InputError(fmt::format("{}: tensor 'loss' is missing or not a float vector", file.string()));
  at::NoGradGuard no_grad;
  for (auto& [name, value] : trainable) {
    const auto found = tensors.find("param." + name);
    if (found == tensors.end()) throw InputError(fmt::format("{}: tensor 'param.{}' is missing", file.string(), name));
    if (!found->second.sizes().equals(value.sizes()))
      throw InputError(fmt::format("{}: 'param.{}' has shape [{}], expected [{}]", file.string(), name,
                                   fmt::join(found->second.sizes(), ", "), fmt::join(value.sizes(), ", ")));
    value.copy_(found->second);
  }
  std::map<std::string, at::Tensor> state;
  for (const auto& [name, value] : tensors)
    if (name.rfind("adamw.", 0) == 0) state.emplace(name.substr(6), value);
  optimizer.load_state(state, file.string());
  const at::Tensor losses = history->second.contiguous();
  loss.assign(losses.data_ptr<float>(), losses.data_ptr<float>() + std::min<std::int64_t>(step, losses.numel()));
  return step;
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

}  // namespace

std::filesystem::path latest_checkpoint(const std::filesystem::path& checkpoints) {
  const auto all = checkpoints_by_step(checkpoints);
  return all.empty() ? std::filesystem::path() : all.back().second;
}

FineTuneRun run_finetune(StableDiffusion& model, FineTuneMethod& method, const FineTuneSettings& settings,
                         const TrainingSet& instances, const TrainingSet* prior,
                         const std::filesystem::path& checkpoints, const std::string& what) {
  if (settings.steps < 1 || settings.batch_size < 1 || settings.gradient_accumulation < 1)
    throw InputError(what + ": steps, batch_size and gradient_accumulation must be at least 1");
  if (instances.size() < 1) throw InputError(what + ": no training images");
  NamedTensors trainable = method.trainable();
  if (trainable.empty()) throw InputError(what + ": the method trains no tensors");
  const auto& schedules = learning_rate_schedule_names();
  if (std::find(schedules.begin(), schedules.end(), settings.lr_scheduler) == schedules.end())
    throw InputError(fmt::format("{}: unknown lr_scheduler '{}'; expected one of {}", what, settings.lr_scheduler,
                                 fmt::join(schedules, ", ")));
  const std::string key = settings_key(settings, method, trainable, instances, prior);
  AdamW optimizer(trainable, settings.adam);
  LearningRateSchedule schedule;
  schedule.name = settings.lr_scheduler;
  schedule.peak = settings.learning_rate *
                  (settings.scale_lr ? settings.gradient_accumulation * settings.batch_size : 1);
  schedule.warmup_steps = settings.warmup_steps;
  schedule.total_steps = settings.steps;

  // Data parallelism (workers/parallel/data_parallel.h): every rank of the group runs this
  // loop on its share of each batch; rank 0 alone writes checkpoints and validation images.
  Communicator* group = settings.communicator;
  const int rank = group ? group->rank() : 0, ranks = group ? group->size() : 1;

  FineTuneRun run;
  if (const auto last = latest_checkpoint(checkpoints); !last.empty()) {
    run.resumed_from = load_checkpoint(last, method, trainable, optimizer, run.loss, key);
    log::info("finetune", "{}: resuming from {} (step {})", what, last.string(), run.resumed_from);
  }
  if (ranks > 1) {
    // Every replica starts from rank 0's tensors and agrees on the step it resumes from.
    broadcast_tensors(trainable, *group);
    if (group_max(*group, run.resumed_from) != -group_max(*group, -run.resumed_from))
      throw std::runtime_error(fmt::format("{}: the ranks of the group found different checkpoints under {} (is the "
                                           "store on a file system every rank sees?)",
                                           what, checkpoints.string()));
  }

  DDPMScheduler noise_scheduler(model.scheduler);
  const double scaling = model.vae->config.scaling_factor;
  const int batch = settings.batch_size;
  ExampleOrder instance_order(instances.size(), mix_seed(settings.seed, 0x1a5));
  ExampleOrder prior_order(prior ? prior->size() : 1, mix_seed(settings.seed, 0x9e1));
  std::unordered_map<std::string, at::Tensor> context_cache;  // caption -> [L, d], frozen text side
  auto contexts = [&](const std::vector<std::string>& captions) {
    if (method.trains_text_encoder()) return encode_prompts(model, captions);
    std::vector<at::Tensor> rows;
    for (const auto& caption : captions) {
      auto found = context_cache.find(caption);
      if (found == context_cache.end()) {
        at::NoGradGuard no_grad;
        found = context_cache.emplace(caption, encode_prompts(model, {caption})[0]).first;
      }
      rows.push_back(found->second);
    }
    return at::stack(rows);
  };

  model.unet->train();
  const auto start = std::chrono::steady_clock::now();
  double sample_seconds = 0;
  for (int step = run.resumed_from; step < settings.steps; ++step) {
    double step_loss = 0;
    for (int micro = 0; micro < settings.gradient_accumulation; ++micro) {
      const std::int64_t micro_index = static_cast<std::int64_t>(step) * settings.gradient_accumulation + micro;
      // Ops that draw from the default generator (hypernetwork dropout) are seeded by the
      // micro-step and the rank (with several ranks their masks differ from one rank's).
      at::manual_seed(mix_seed(mix_seed(settings.seed, static_cast<std::uint64_t>(micro_index)), 0xd50 + rank));
      // This rank's share [first, last) of the micro-step's `batch` examples (and of its
      // prior examples): the examples and their random streams of a one-rank run.
      const auto [first, last] = batch_share(batch, rank, ranks);
      const int local = last - first;
      std::vector<ExampleStreams> streams;
      std::vector<std::int64_t> index;
      std::vector<bool> flipped;
      std::vector<std::string> captions;
      for (int e = first; e < last; ++e) {
        streams.push_back(example_streams(settings.seed, micro_index, e));
        index.push_back(instance_order.at(micro_index * batch + e));
        flipped.push_back(streams.back().rng.unit() < settings.data.flip_probability);
        captions.push_back(training_caption(settings.data, instances, static_cast<int>(index.back()),
                                            method.concept_text(), streams.back().rng));
      }
      double value = 0;
      if (local > 0) {
        at::Tensor masks;  // defined: Custom Diffusion's masked instance loss
        at::Tensor latents = settings.rescale_augmentation
                                 ? rescaled_latents(model, instances, index, flipped, captions, streams, masks)
                                 : example_latents(instances, index, flipped, scaling, streams, 0);
        if (prior) {
          std::vector<std::int64_t> prior_index;
          std::vector<bool> prior_flipped;
          for (int e = first; e < last; ++e) {
            streams.push_back(example_streams(settings.seed, micro_index, batch + e));
            prior_index.push_back(prior_order.at(micro_index * batch + e));
            prior_flipped.push_back(streams.back().rng.unit() < settings.data.flip_probability);
            captions.push_back(prior->captions[static_cast<std::size_t>(prior_index.back())]);
          }
          latents = at::cat({latents, example_latents(*prior, prior_index, prior_flipped, scaling, streams,
                                                      static_cast<std::size_t>(local))});
        }
        const std::int64_t rows = latents.size(0);
        std::vector<at::Tensor> noise_rows, timestep_rows;
        for (std::int64_t r = 0; r < rows; ++r) {
          auto& source = streams[static_cast<std::size_t>(r)].noise;
          noise_rows.push_back(at::randn(latents[r].sizes(), source, latents.options()));
          timestep_rows.push_back(
              at::randint(0, model.scheduler.num_train_timesteps, {1}, source, at::TensorOptions(at::kLong)));
        }
        const at::Tensor noise = at::stack(noise_rows), timesteps = at::cat(timestep_rows);
        const at::Tensor noisy = noise_scheduler.add_noise(latents, noise, timesteps);
        const at::Tensor target = noise_scheduler.training_target(latents, noise, timesteps);
        const at::Tensor prediction = model.unet->forward(noisy, timesteps, contexts(captions));
        const at::Tensor squared = (prediction - target).pow(2);  // [rows, C, h, w]
        at::Tensor per_example = squared.mean({1, 2, 3});         // [rows]
        if (masks.defined())  // diffusers' train_custom_diffusion.py: Σ(mask·mse) / Σ mask, the mask one channel deep
          per_example = at::cat({(squared.slice(0, 0, local) * masks).sum({1, 2, 3}) / masks.sum({1, 2, 3}),
                                 per_example.slice(0, local)});
        // min-SNR-γ weights the instance loss only; the prior loss stays a plain mean (diffusers'
        // train_dreambooth.py computes prior_loss before, and apart from, the weighting). Sums
        // over this rank's examples divided by the whole batch: the ranks' losses (and
        // gradients) add up to the one-rank batch mean.
        at::Tensor instance_terms = per_example.slice(0, 0, local);
        if (settings.min_snr_gamma > 0)
          instance_terms = instance_terms *
                           noise_scheduler.min_snr_weights(timesteps.slice(0, 0, local), settings.min_snr_gamma);
        at::Tensor loss = instance_terms.sum() / batch;
        if (prior) loss = loss + settings.prior_loss_weight * per_example.slice(0, local).sum() / batch;
        value = loss.item<double>();
        (loss / settings.gradient_accumulation).backward();
      }
      if (ranks > 1) value = group_sum(*settings.communicator, value);
      if (!std::isfinite(value))
        throw std::runtime_error(fmt::format("{}: the loss is {} at step {} (micro-step {}); stopping", what,
                                             std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf", step + 1,
                                             micro + 1));
      step_loss += value / settings.gradient_accumulation;
    }
    if (ranks > 1) all_reduce_gradients(trainable, *group, ReduceOp::sum, settings.bucket_bytes);
    if (settings.max_grad_norm > 0) clip_gradient_norm(trainable, settings.max_grad_norm);
    optimizer.step(schedule.at(step));
    optimizer.zero_grad();
    method.after_step();
    run.loss.push_back(static_cast<float>(step_loss));

    const int done = step + 1;
    report_job_step("training", done, settings.steps);
    if (done % 50 == 0 || done == settings.steps)
      log::info("finetune", "{}: step {}/{} loss {:.4f} ({:.0f} s)", what, done, settings.steps, step_loss,
                seconds_since(start));
    if (rank == 0 && settings.sample_every > 0 && (done % settings.sample_every == 0 || done == settings.steps)) {
      const auto sample_start = std::chrono::steady_clock::now();
      at::NoGradGuard no_grad;
      model.unet->eval();
      method.set_training(false);
      Txt2ImgOptions options;
      options.prompt = replace_all(settings.sample_prompt, "{}", method.concept_text());
      options.num_images = settings.sample_images;
      options.steps = settings.sample_steps;
      options.guidance = settings.sample_guidance;
      options.seed = settings.seed;
      ImageBatch images = txt2img(model, options);
      images.key = fmt::format("sample_step_{}", done);
      run.samples.push_back(std::move(images));
      model.unet->train();
      method.set_training(true);
      sample_seconds += seconds_since(sample_start);
    }
    if (rank == 0 && !checkpoints.empty() && settings.checkpoint_every > 0 &&
        (done % settings.checkpoint_every == 0 || done == settings.steps))
      save_checkpoint(checkpoints, done, method, trainable, optimizer, run.loss, key,
                      settings.checkpoints_total_limit);
    // A stop request (preemption, time limit) or the job's deadline (core/stop_request.h):
    // checkpoint now, off the checkpoint_every cadence, then stop.
    // The ranks of a group stop together (else the others would wait in the next reduction).
    StopKind stop = pending_stop();
    if (ranks > 1) stop = static_cast<StopKind>(group_max(*group, static_cast<int>(stop)));
    if (stop != StopKind::none && done < settings.steps) {
      if (rank == 0 && !checkpoints.empty() && !(settings.checkpoint_every > 0 && done % settings.checkpoint_every == 0))
        save_checkpoint(checkpoints, done, method, trainable, optimizer, run.loss, key,
                        settings.checkpoints_total_limit);
      throw_for(stop, fmt::format("{} at step {}/{}{}", what, done, settings.steps,
                                  checkpoints.empty() ? "" : " (checkpointed)"));
    }
  }
  model.unet->eval();
  method.set_training(false);
  run.sample_seconds = sample_seconds;
  run.train_seconds = seconds_since(start) - sample_seconds;
  return run;
}

}  // namespace tunegrid
