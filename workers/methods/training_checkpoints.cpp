// training_checkpoints.cpp — see training_checkpoints.h.
#include "workers/methods/training_checkpoints.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "core/errors.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

constexpr const char* kCheckpointFormat = "tunegrid.finetune_checkpoint";
constexpr int kCheckpointVersion = 2;  // 2: "settings_key"

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
    if (step >= 0 && std::filesystem::exists(entry.path() / "state.safetensors", error))
      out.emplace_back(step, entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
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

// Refuses a checkpoint this run cannot continue: another format or a newer version, another
// method, or other training settings (its settings key).
void check_metadata(std::map<std::string, std::string>& metadata, const std::filesystem::path& dir,
                    const std::filesystem::path& file, const CheckpointedState& state) {
  if (metadata["format"] != kCheckpointFormat)
    throw InputError(fmt::format("{}: not a tunegrid fine-tuning checkpoint (format '{}')", file.string(),
                                 metadata["format"]));
  if (metadata_int(metadata, "format_version", file) > kCheckpointVersion)
    throw InputError(fmt::format("{}: checkpoint format version {} is newer than this tunegrid reads ({})",
                                 file.string(), metadata["format_version"], kCheckpointVersion));
  if (metadata["method"] != state.method.name())
    throw InputError(fmt::format("{}: a checkpoint of method '{}', not '{}'", file.string(), metadata["method"],
                                 state.method.name()));
  if (metadata["settings_key"] != state.settings_key)
    throw InputError(fmt::format("{}: this checkpoint was written by a run with other training settings or data "
                                 "(settings key {}, this run's {}); it cannot be resumed bitwise — delete {} to "
                                 "start over",
                                 file.string(), metadata["settings_key"].empty() ? "none" : metadata["settings_key"],
                                 state.settings_key, dir.parent_path().string()));
}

// Copies "param.<name>" into each trainable tensor (in place: the optimizer holds the same tensors).
void restore_trainable(const std::map<std::string, at::Tensor>& tensors, const std::filesystem::path& file,
                       NamedTensors& trainable) {
  at::NoGradGuard no_grad;
  for (auto& [name, value] : trainable) {
    const auto found = tensors.find("param." + name);
    if (found == tensors.end()) throw InputError(fmt::format("{}: tensor 'param.{}' is missing", file.string(), name));
    if (!found->second.sizes().equals(value.sizes()))
      throw InputError(fmt::format("{}: 'param.{}' has shape [{}], expected [{}]", file.string(), name,
                                   fmt::join(found->second.sizes(), ", "), fmt::join(value.sizes(), ", ")));
    value.copy_(found->second);
  }
}

}  // namespace

std::filesystem::path latest_checkpoint(const std::filesystem::path& checkpoints) {
  const auto all = checkpoints_by_step(checkpoints);
  return all.empty() ? std::filesystem::path() : all.back().second;
}

void save_checkpoint(const std::filesystem::path& checkpoints, int step, const CheckpointedState& state,
                     int total_limit) {
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
  const std::vector<float>& loss = state.loss;
  NamedTensors tensors;
  for (const auto& [name, value] : state.trainable) tensors.emplace_back("param." + name, value);
  const std::string prefix = state.optimizer.name() + ".";
  for (const auto& [name, value] : state.optimizer.state()) tensors.emplace_back(prefix + name, value);
  for (auto& item : state.scaler.state()) tensors.push_back(std::move(item));
  tensors.emplace_back("loss", at::tensor(loss.empty() ? std::vector<float>{0.f} : loss).slice(0, 0, loss.size()));
  save_tensors(dir / "state.safetensors", tensors,
               {{"format", kCheckpointFormat},
                {"format_version", std::to_string(kCheckpointVersion)},
                {"method", state.method.name()},
                {"settings_key", state.settings_key},
                {"step", std::to_string(step)}});
}

int load_checkpoint(const std::filesystem::path& dir, const CheckpointedState& state) {
  const auto file = dir / "state.safetensors";
  std::map<std::string, std::string> metadata;
  const auto tensors = load_tensors(file, &metadata);
  check_metadata(metadata, dir, file, state);
  const int step = metadata_int(metadata, "step", file);
  const auto history = tensors.find("loss");
  if (history == tensors.end() || history->second.scalar_type() != at::kFloat || history->second.dim() != 1)
    throw InputError(fmt::format("{}: tensor 'loss' is missing or not a float vector", file.string()));
  at::NoGradGuard no_grad;
  restore_trainable(tensors, file, state.trainable);
  std::map<std::string, at::Tensor> optimizer_state;
  const std::string prefix = state.optimizer.name() + ".";
  for (const auto& [name, value] : tensors)
    if (name.rfind(prefix, 0) == 0) optimizer_state.emplace(name.substr(prefix.size()), value);
  state.optimizer.load_state(optimizer_state, file.string());
  state.scaler.load_state(tensors, file.string());
  const at::Tensor losses = history->second.contiguous();
  state.loss.assign(losses.data_ptr<float>(),
                    losses.data_ptr<float>() + std::min<std::int64_t>(step, losses.numel()));
  return step;
}

}  // namespace tunegrid
