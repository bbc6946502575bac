// job_kind.h — the interface between the scheduler and what a job does. A job kind is its
// parameter spec (validated before anything runs) and a function that runs one job of that
// kind on every rank of a group and fills the job's outputs (metrics, timings, loss,
// images). Throwing fails the job; the scheduler records the message and may retry it.
#pragma once
#include <mpi.h>

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/kind_spec.h"
#include "core/plan.h"
#include "core/shard.h"
#include "workers/job_kind_list.h"

namespace tunegrid {

// A job this one needs: its stage, artifact folder and grid coordinates (a per-class LoRA's
// `class`, so that a fan-in job knows which upstream result is which).
struct UpstreamJob {
  std::string stage;
  std::filesystem::path artifacts;
  std::vector<std::pair<std::string, Value>> coordinates;
};

struct JobContext {
  explicit JobContext(const Job& job_to_run) : job(job_to_run) {}

  const Job& job;
  int attempt = 1;                       // 1 for the first try
  MPI_Comm group = MPI_COMM_SELF;        // the ranks that run this job together
  int group_rank = 0, group_size = 1;
  std::string device = "cpu";            // "cpu" or "cuda:N"
  std::filesystem::path artifacts;       // DIR/artifacts/<job_id>/ (created on demand)
  std::vector<UpstreamJob> upstream;     // every job this one needs, in plan order
  JobOutputs outputs;                    // written to the shard by the group's rank 0
};

struct JobKind {
  KindSpec spec;
  std::function<void(JobContext&)> run;
};

// Every job kind tunegrid knows, in name order, with its runner (job_specs.h has the specs
// alone, without libtorch). In libtunegrid_torch.so.
const std::vector<JobKind>& job_kinds();
const JobKind* find_job_kind(const std::string& name);

// The kinds whose runners need no libtorch (a scheduler benchmark never loads it); in the
// torch-free library, so that the `tunegrid` program runs them itself.
const std::vector<JobKind>& torch_free_job_kinds();

// Each kind, one file each (job_kind_list.h).
#define TUNEGRID_DECLARE_KIND(name, runs_on) JobKind name##_kind();
TUNEGRID_JOB_KINDS(TUNEGRID_DECLARE_KIND)
#undef TUNEGRID_DECLARE_KIND

}  // namespace tunegrid
