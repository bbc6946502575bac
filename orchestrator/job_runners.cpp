// job_runners.cpp — see job_runners.h.
#include "orchestrator/job_runners.h"

#include <stdexcept>

#include "core/job_progress.h"
#include "core/log.h"
#include "core/reproducible_kernels.h"
#include "orchestrator/torch_plugin.h"

namespace tunegrid {

void JobRunners::load_torch() {
  const OneOffWork one_off;
  if (reproducible_kernels_) log::info("worker", "{}", pin_cpu_kernels());
  const TorchPluginApi& torch = torch_plugin();
  const std::string threads = torch.start();
  device_ = torch.device_for_local_rank(local_rank_);
  device_facts_ = torch.device_facts(device_);
  torch_loaded_ = true;
  log::debug("worker", "loaded libtorch in {:.2f} s; device {}; {}", torch_plugin_load_seconds(), device_, threads);
}

void JobRunners::run(JobContext& context) {
  const std::string& kind = context.job.kind;
  for (const JobKind& torch_free : torch_free_job_kinds()) {
    if (torch_free.spec.name != kind) continue;
    context.device = "cpu";
    last_run_facts_.clear();
    torch_free.run(context);
    return;
  }
  if (!torch_loaded_) load_torch();
  const auto* runner = torch_plugin().find_runner(kind);
  if (!runner) throw std::runtime_error("unknown job kind " + kind);
  context.device = device_;
  last_run_facts_ = device_facts_;
  (*runner)(context);
}

}  // namespace tunegrid
