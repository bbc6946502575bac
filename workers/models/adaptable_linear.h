// adaptable_linear.h — a linear layer (torch.nn.Linear's `weight` / `bias` keys) whose output
// can take an added update: y = x·Wᵀ + b + delta(x). LoRA sets `delta` to its scale·B·A·x
// (peft's lora.Linear forward); with no delta it is torch.nn.Linear exactly. The FLUX
// transformer (flux_transformer.h) builds every projection a LoRA may target from it, so a
// method attaches to any named projection without the model knowing about methods.
#pragma once
#include <functional>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace tunegrid {

struct AdaptableLinearImpl : torch::nn::Module {
  // Initialised as torch.nn.Linear is (uniform ±1/√in_features); checkpoints overwrite it.
  AdaptableLinearImpl(std::int64_t in_features, std::int64_t out_features, bool with_bias = true) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    weight = register_parameter("weight", at::empty({out_features, in_features}).uniform_(-bound, bound));
    if (with_bias) bias = register_parameter("bias", at::empty({out_features}).uniform_(-bound, bound));
  }

  at::Tensor forward(const at::Tensor& x) {
    at::Tensor y = at::linear(x, weight, bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt);
    return delta ? y + delta(x) : y;
  }

  at::Tensor weight, bias;  // bias undefined without one
  std::function<at::Tensor(const at::Tensor&)> delta;  // optional added update
};
TORCH_MODULE(AdaptableLinear);

}  // namespace tunegrid
