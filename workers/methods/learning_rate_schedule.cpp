// learning_rate_schedule.cpp — see learning_rate_schedule.h.
#include "workers/methods/learning_rate_schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tunegrid {

const std::vector<std::string>& learning_rate_schedule_names() {
  static const std::vector<std::string> names = {"constant", "constant_with_warmup", "linear", "cosine"};
  return names;
}

double LearningRateSchedule::at(int step) const {
  if (name == "constant") return peak;
  if (step < warmup_steps) return peak * static_cast<double>(step) / std::max(1, warmup_steps);
  if (name == "constant_with_warmup") return peak;
  const double progress =
      static_cast<double>(step - warmup_steps) / std::max(1, total_steps - warmup_steps);
  if (name == "linear") return peak * std::max(0.0, 1.0 - progress);
  if (name != "cosine")  // callers validate names (run_finetune: InputError); this is a programming error
    throw std::invalid_argument("LearningRateSchedule: unknown schedule '" + name + "'");
  // cosine, num_cycles 0.5
  return peak * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
}

}  // namespace tunegrid
