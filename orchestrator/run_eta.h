// run_eta.h — how long a run has left, for the progress line: per kind of job, the mean time
// of the jobs of that kind finished in this run (less their one-off work: a builtin model the
// first job built is not a cost the next one pays), times the jobs of that kind still to run,
// plus what the running jobs have left — from their long loop's pace when they report it
// (core/job_progress.h), else their kind's mean less the time they have run — shared out over
// the groups. While some kind has no finished job yet the estimate covers the others only, and
// says so (a lower bound), rather than extrapolating one kind's pace to another.
#pragma once
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tunegrid {

struct KindTiming {
  double seconds = 0;  // one-off work excluded
  std::size_t jobs = 0;
};

struct RunningJobTime {
  std::string kind;
  double elapsed = 0;                       // since the job started
  std::optional<double> reported_remaining;  // from its long loop's pace
};

struct EtaInput {
  std::map<std::string, std::size_t> pending;  // kind -> jobs waiting or ready
  std::vector<RunningJobTime> running;
  std::map<std::string, KindTiming> finished;  // kind -> jobs finished in this run
  int groups = 1;
};

struct Eta {
  std::optional<double> seconds;  // none: nothing to go on yet
  bool lower_bound = false;       // some pending or running job is of a kind not timed yet
};

Eta estimate_eta(const EtaInput& input);

}  // namespace tunegrid
