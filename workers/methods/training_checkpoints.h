// training_checkpoints.h — the fine-tuning loop's checkpoints (training_loop.h), as diffusers'
// example scripts keep them (`checkpointing_steps`, `checkpoints_total_limit`, resuming from
// the latest one): CHECKPOINTS/step-NNNNNN/state.safetensors holds the trainable tensors
// ("param.<name>"), the optimizer's state ("adamw.<name>", adamw.h; "prodigy.<name>", prodigy.h) and the loss of every step so
// far ("loss"), fp16's loss-scaler state ("loss_scaler.*"), with metadata naming the format, the method and the run's settings key — a
// checkpoint resumes bitwise only into a run with the same key. Unlike accelerate's
// save_state it is one safetensors file that any libtorch version reads the same.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "workers/methods/optimizer.h"
#include "workers/methods/finetune_method.h"
#include "workers/methods/mixed_precision.h"

namespace tunegrid {

// What a checkpoint holds, as references into the running loop: saving reads them, loading
// overwrites the trainable tensors (in place), the optimizer's state and the loss history.
struct CheckpointedState {
  const FineTuneMethod& method;    // its name() must match on loading
  NamedTensors& trainable;         // stored as "param.<name>"
  Optimizer& optimizer;            // stored as "<optimizer name>.<name>" ("adamw.", "prodigy.")
  std::vector<float>& loss;        // per optimizer step so far
  const std::string& settings_key;  // what decides the trajectory (training_loop.cpp)
  LossScaler& scaler;              // fp16 runs: stored as "loss_scaler.<name>" (mixed_precision.h)
};

// The newest checkpoint folder under `checkpoints` ("step-<N>" with the largest N and a
// state.safetensors; empty path when there is none).
std::filesystem::path latest_checkpoint(const std::filesystem::path& checkpoints);

// Writes CHECKPOINTS/step-<step>/state.safetensors; with `total_limit` > 0 first removes the
// oldest checkpoints so that at most `total_limit` remain (diffusers' checkpoints_total_limit).
void save_checkpoint(const std::filesystem::path& checkpoints, int step, const CheckpointedState& state,
                     int total_limit);

// Loads the checkpoint folder `dir` into `state`; returns its step. A checkpoint of another
// format, version, method or settings key, or a damaged one, is an InputError naming the file.
int load_checkpoint(const std::filesystem::path& dir, const CheckpointedState& state);

}  // namespace tunegrid
