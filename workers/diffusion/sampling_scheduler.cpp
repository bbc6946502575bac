// sampling_scheduler.cpp — make_sampling_scheduler: picks DDIMScheduler, EulerDiscreteScheduler or
// DDPMScheduler by name (the schedulers a diffusers Stable Diffusion pipeline is commonly run with).
#include "workers/diffusion/sampling_scheduler.h"

#include "core/errors.h"
#include "workers/diffusion/ddim_scheduler.h"
#include "workers/diffusion/ddpm_scheduler.h"
#include "workers/diffusion/euler_discrete_scheduler.h"

namespace tunegrid {

std::unique_ptr<SamplingScheduler> make_sampling_scheduler(const std::string& name, const SchedulerConfig& config) {
  if (name == "ddim") return std::make_unique<DDIMScheduler>(config);
  if (name == "euler") return std::make_unique<EulerDiscreteScheduler>(config);
  if (name == "ddpm") return std::make_unique<DDPMScheduler>(config);
  throw InputError("unknown sampling scheduler \"" + name + "\" (expected \"ddim\", \"euler\" or \"ddpm\")");
}

}  // namespace tunegrid
