// tiny_finetune.h — what the training-loop suites share: the tiny-sd fixture, a 3-step run's
// settings on four builtin hanok scenes, and every fine-tuning method as the finetune.* kinds
// make them (small LoRA and hypernetwork; Custom Diffusion trains with its rescaled images).
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "workers/methods/custom_diffusion.h"
#include "workers/methods/dreambooth.h"
#include "workers/methods/hypernetwork.h"
#include "workers/methods/lora.h"
#include "workers/methods/textual_inversion.h"
#include "workers/methods/training_loop.h"

namespace tunegrid::testing {

inline const std::filesystem::path kTinySD = std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests/fixtures/tiny-sd";

constexpr int kTinySteps = 3;
constexpr double kTinyLearningRate = 1e-3;

inline FineTuneSettings tiny_finetune_settings() {
  FineTuneSettings s;
  s.data.data = "builtin:scenes?style=hanok&count=4&seed=3";
  s.data.prompt_templates = {"a photo of a {}"};
  s.steps = kTinySteps;
  s.batch_size = 2;
  s.learning_rate = kTinyLearningRate;
  s.seed = 7;
  return s;
}

using MethodFactory = std::function<std::unique_ptr<FineTuneMethod>()>;

// By name. `hypernetwork_dropout`: the hypernetwork draws dropout masks (from the device's
// default generator).
inline std::vector<std::pair<std::string, MethodFactory>> every_method(bool hypernetwork_dropout) {
  return {
      {"textual_inversion", [] { return std::make_unique<TextualInversion>(TextualInversionConfig{}); }},
      {"dreambooth", [] { return std::make_unique<DreamBooth>(DreamBoothConfig{}); }},
      {"lora", [] { LoRAConfig c; c.rank = 2; c.train_text_encoder = true; return std::make_unique<LoRA>(c, 5); }},
      {"hypernetwork",
       [hypernetwork_dropout] {
         HypernetworkConfig c;
         c.use_dropout = hypernetwork_dropout;
         return std::make_unique<Hypernetwork>(c, 5);
       }},
      {"custom_diffusion", [] { return std::make_unique<CustomDiffusion>(CustomDiffusionConfig{}); }},
  };
}

}  // namespace tunegrid::testing
