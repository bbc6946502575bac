// plan.h — an experiment expanded into its jobs (docs/experiments-and-store.md).
//
// Each stage `[jobs.S]` expands over its axes: independent axes form a cartesian product,
// zipped axes advance together. A job's parameters are the kind's defaults, overridden by
// the stage's params, overridden by the axis values whose names are parameters; axes that
// are not parameters (e.g. `repeat`) are coordinates only. A job of stage B that needs
// stage A depends on every A job that agrees with it on the axes A and B share.
// The job id is a hash of the job's resolved spec (stage, kind, parameters, coordinates and
// the ids it needs), so it is the same in every run and whatever the axis order.
// Jobs are listed in a dependency order: a job comes after everything it needs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"

namespace tunegrid {

struct Job {
  std::string id;  // 16 hex digits
  std::string stage;
  std::string kind;
  std::vector<std::pair<std::string, Value>> coordinates;  // the stage's axes, in key order
  std::map<std::string, Value> params;                      // fully resolved
  std::vector<std::size_t> needs;                           // indices into Plan::jobs

  const Value& param(const std::string& name) const;  // throws std::out_of_range
  std::string coordinates_text() const;                // "size=64 dtype=float32"
};

struct Plan {
  std::string experiment;
  std::vector<Job> jobs;                     // dependency order
  std::vector<std::string> stage_order;      // stages in dependency order
  std::unordered_map<std::uint64_t, std::size_t> index;  // job id (its 64-bit value) -> position in jobs

  std::vector<std::string> empty_stages;    // stages whose `only` kept no job (an axis narrowed by --set)

  const Job* find(const std::string& id) const;
  // Position of the job with that id in `jobs`, or none (also for a malformed id).
  std::optional<std::size_t> position_of(const std::string& id) const;
  // The job's resolved spec as TOML text (stored in its shard; what its id hashes). Made
  // on demand: a plan of 10^5 jobs would otherwise hold ~35 MB of it.
  std::string spec_toml(const Job& job) const;
  // A stable fingerprint of the whole plan (every rank checks it matches rank 0's).
  std::string fingerprint() const;
};

// At most this many jobs are planned in one run; a larger grid is refused before it is
// expanded (the message gives the count per stage).
constexpr std::size_t kMaxPlannedJobs = 1000000;

// Expands the experiment. Throws InputError for an inconsistent, oversized or empty grid, and
// Preempted when a stop signal arrives while planning (a large grid takes seconds).
Plan build_plan(const Experiment& experiment, const KindCatalog& kinds);


// The job table of `tunegrid plan`: id, stage, kind, coordinates, needs; then totals.
std::string format_plan_table(const Plan& plan);

}  // namespace tunegrid
