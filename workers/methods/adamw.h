// adamw.h — AdamW (Loshchilov & Hutter 2019) over named tensors, step for step what
// torch.optim.AdamW (single-tensor path, amsgrad off) computes, with its state exposed by
// name so a fine-tuning checkpoint can store and restore it exactly (libtorch's optimizer
// state is keyed by tensor address and its serialization differs between libtorch versions).
// Tensors without a gradient at a step are skipped, as torch does.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "workers/methods/optimizer.h"

namespace tunegrid {

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weight_decay = 1e-2;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<std::pair<std::string, at::Tensor>> parameters, AdamWOptions options);

  std::string name() const override { return "adamw"; }
  void step(double learning_rate) override;
  void zero_grad() override;

  const std::vector<std::pair<std::string, at::Tensor>>& parameters() const { return parameters_; }
  // exp_avg.<name>, exp_avg_sq.<name> and step.<name> (int64 scalar) of every parameter
  // stepped at least once.
  std::vector<std::pair<std::string, at::Tensor>> state() const override;
  // Restores what state() gave; throws InputError naming `what` and the tensor on a missing
  // name or a shape that does not match.
  void load_state(const std::map<std::string, at::Tensor>& state, const std::string& what) override;

 private:
  struct Moments {
    at::Tensor exp_avg, exp_avg_sq;
    std::int64_t steps = 0;
  };
  std::vector<std::pair<std::string, at::Tensor>> parameters_;
  std::vector<Moments> moments_;
  AdamWOptions options_;
};

}  // namespace tunegrid
