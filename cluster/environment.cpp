// environment.cpp — see environment.h.
#include "cluster/environment.h"

#include <fmt/format.h>

#include <cstdlib>

namespace tunegrid {

namespace {

const char* variable(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

int integer_variable(const char* name, int fallback) {
  const char* value = variable(name);
  if (!value) return fallback;
  char* end = nullptr;
  const long parsed = std::strtol(value, &end, 10);
  return end && *end == '\0' ? static_cast<int>(parsed) : fallback;
}

}  // namespace

LaunchEnvironment detect_environment() {
  LaunchEnvironment environment;
  if (variable("OMPI_COMM_WORLD_RANK")) {
    environment.launcher = "openmpi";
    environment.rank = integer_variable("OMPI_COMM_WORLD_RANK", 0);
    environment.size = integer_variable("OMPI_COMM_WORLD_SIZE", 1);
    environment.local_rank = integer_variable("OMPI_COMM_WORLD_LOCAL_RANK", 0);
  }
  if (variable("SLURM_JOB_ID")) {
    environment.slurm_job_id = variable("SLURM_JOB_ID");
    environment.restart_count = integer_variable("SLURM_RESTART_COUNT", 0);
    if (variable("SLURM_PROCID") && environment.launcher != "openmpi") {
      environment.launcher = "slurm";
      environment.rank = integer_variable("SLURM_PROCID", 0);
      environment.size = integer_variable("SLURM_NTASKS", 1);
      environment.local_rank = integer_variable("SLURM_LOCALID", 0);
    }
  }
  return environment;
}

std::map<std::string, std::string> LaunchEnvironment::facts() const {
  std::map<std::string, std::string> out = {{"launcher", launcher},
                                            {"world_rank", std::to_string(rank)},
                                            {"world_size", std::to_string(size)},
                                            {"local_rank", std::to_string(local_rank)}};
  if (!slurm_job_id.empty()) {
    out["slurm_job_id"] = slurm_job_id;
    out["slurm_restart_count"] = std::to_string(restart_count);
  }
  return out;
}

std::string LaunchEnvironment::describe() const {
  std::string text = fmt::format("launcher {}, rank {}/{}, local rank {}", launcher, rank, size, local_rank);
  if (!slurm_job_id.empty()) text += fmt::format(", Slurm job {} (restart {})", slurm_job_id, restart_count);
  return text;
}

}  // namespace tunegrid
