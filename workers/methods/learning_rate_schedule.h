// learning_rate_schedule.h — the learning-rate schedules of diffusers' `get_scheduler`
// (diffusers/optimization.py, used by every training example): "constant" (no warm-up),
// "constant_with_warmup", "linear" (warm-up, then linear decay to 0 at the last step) and
// "cosine" (warm-up, then a half cosine to 0). kohya-ss's `--lr_scheduler` names the same
// shapes. `scale_lr` is diffusers' rule: lr × gradient_accumulation × batch × processes.
#pragma once
#include <string>
#include <vector>

namespace tunegrid {

struct LearningRateSchedule {
  std::string name = "constant";  // constant | constant_with_warmup | linear | cosine
  double peak = 1e-4;             // the optimizer's lr (after scale_lr)
  int warmup_steps = 0;           // ignored by "constant", as in diffusers
  int total_steps = 1;            // optimizer steps of the run

  // The learning rate of optimizer step `step` (0-based), as diffusers' LambdaLR gives it.
  double at(int step) const;
};

const std::vector<std::string>& learning_rate_schedule_names();

}  // namespace tunegrid
