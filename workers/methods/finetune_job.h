// finetune_job.h — what every `finetune.<method>` job kind does, and the one thing each
// method adds (MethodJob): load the base model of whichever family its folder holds
// (base_model.h), merge the job's `loras` and put it on the job's device, read the shared parameters (finetune_params.h)
// into the loop's settings, make the training set (and prior preservation's class images),
// attach the method, run the shared loop (training_loop.h) on the family's side of it, then
// write the method's files and finetune.json into the job's artifact folder. Data parallel over the job's group: every rank trains on its share of each batch,
// the group's rank 0 alone writes. Outputs: the loss per step, timings load / train / sample,
// metrics trainable_parameters, final_loss, resumed_from_step, step_seconds (train time per
// step run) and peak_rss_mb (the process's peak resident memory during the job), and the
// validation images.
//
// A method's kind is its parameter struct (derived from FineTuneParams, e.g. lora_job.h) and
// a factory that reads the job into a MethodJob; dreambooth_job.cpp is a short example;
// lora_job.cpp checks parameters against each other; custom_diffusion_job.cpp makes its own training sets.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/methods/base_model.h"
#include "workers/methods/finetune_method.h"
#include "workers/methods/finetune_params.h"
#include "workers/methods/training_loop.h"
#include "workers/methods/training_set.h"

namespace tunegrid {

struct TrainingSets {
  TrainingSet instances;
  std::optional<TrainingSet> prior;  // class images, with prior preservation
};

// What a method's training sets are made from.
struct TrainingSetSources {
  BaseModel& base;
  const FineTuneSettings& settings;  // settings.data: the job's data, captions, resolution
  // Where class images are cached (the group's rank 0: the artifact folder; the others: empty).
  std::filesystem::path artifacts;
  const std::string& what;  // names the job in errors
};

// A method's part of a job.
struct MethodJob {
  std::unique_ptr<FineTuneMethod> method;
  std::optional<PriorPreservation> prior;  // DreamBooth, Custom Diffusion
  bool rescale_augmentation = false;       // Custom Diffusion: rescaled images, masked loss
  // The training sets; unset: instance_training_sets.
  std::function<TrainingSets(const TrainingSetSources&)> training_sets;
  // What the method changes in the loop's settings (FLUX LoRA: the optimizer, the validation
  // guidance); unset: nothing.
  std::function<void(FineTuneSettings&)> adjust_settings;
};

// The job's data as instance images and, with `prior`, `prior->num_class_images` class images
// of its prompt (cached as `class_file` in the artifact folder).
TrainingSets instance_training_sets(const TrainingSetSources& sources, const std::optional<PriorPreservation>& prior,
                                    const std::string& class_file = "class_images.safetensors");

// Prior preservation's training set: `prior`'s class images of `class_prompt` at the
// instances' resolution, cached as `class_file`.
TrainingSet class_training_set(const TrainingSetSources& sources, const PriorPreservation& prior,
                               const std::string& class_prompt, int resolution, const std::string& class_file);

// Reads a job of the method's kind; `settings` are the shared parameters already read.
using MethodJobFactory = std::function<MethodJob(const Job& job, const FineTuneSettings& settings)>;

// The job kind `spec` names: `params` (the method's struct, which spec was made from) read
// into the loop's settings, `make` for the method's part.
JobKind finetune_kind(KindSpec spec, std::shared_ptr<const FineTuneParams> params, MethodJobFactory make);

}  // namespace tunegrid
