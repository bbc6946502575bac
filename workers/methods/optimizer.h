// optimizer.h — what the fine-tuning loop (training_loop.h) steps: AdamW (adamw.h) or Prodigy
// (prodigy.h), over named tensors, with a state exposed by name so that a checkpoint stores and
// restores it exactly (training_checkpoints.h keys it "<name()>.<state name>").
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace tunegrid {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;  // "adamw", "prodigy"
  // One step at the schedule's `learning_rate` (Prodigy: its multiplier of the estimated d).
  virtual void step(double learning_rate) = 0;
  virtual void zero_grad() = 0;
  virtual std::vector<std::pair<std::string, at::Tensor>> state() const = 0;
  // Restores what state() gave; InputError naming `what` and the tensor on a missing name or a wrong shape.
  virtual void load_state(const std::map<std::string, at::Tensor>& state, const std::string& what) = 0;
};

}  // namespace tunegrid
