// run_command.h — `tunegrid run EXP.toml [--profile P] [--set k=v]... [--out DIR]`, alone
// or under mpirun / srun. Every rank resolves the experiment and plan (they must agree);
// rank 0 prepares DIR (lock, plan.toml, resume scan), schedules on a thread, and works as a
// group member like every other rank; at the end rank 0 prints the summary.
// Returns the exit code: 0 all done, 1 some failed or skipped, 2 bad input, 3 stopped by a
// signal before every job settled (run it again to carry on).
#pragma once
#include <string>

#include "core/config.h"

namespace tunegrid {

struct RunRequest {
  std::string experiment;
  ExperimentOptions options;
  std::string out;  // empty: [run] out, else runs/<experiment name>
  bool verbose = false;
};

int run_command(const RunRequest& request);

// The output directory a run of `experiment` uses when `out` is empty.
std::string default_output_dir(const Experiment& experiment);

}  // namespace tunegrid
