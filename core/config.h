// config.h — loading an experiment file (docs/experiments-and-store.md).
//
// An experiment TOML has these tables:
//   [experiment]  name, description
//   [run]         ranks_per_job (>= 1), retries (>= 0), out (default output DIR), job_timeout,
//                 retry_backoff, stop_timeout (seconds >= 0)
//   [grid]        axes `name = [values...]`; `zip = [["a", "b"], ...]` pairs axes that vary
//                 together (equal lengths) instead of forming a cartesian product
//   [jobs.STAGE]  kind = "bench.matmul"; over = [axes] (default: every axis);
//                 needs = [stages]; [jobs.STAGE.params] the kind's parameters
//   [profile.P]   a table shaped like the root whose keys overlay it with `--profile P`
// `--set a.b=VALUE` then overrides one key; VALUE is a TOML literal, typed against the key
// it replaces (a bare word is taken as a string where a string is expected).
// Every error is an InputError naming file, line and column (or the --set argument) and
// what was expected; unknown keys come with a did-you-mean suggestion.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/kind_spec.h"
#include "core/value.h"

namespace tunegrid {

// Where a key or value came from: "smoke.toml:12:5", or "--set 'run.retries=x'".
struct SourcePlace {
  std::string file;
  int line = 0;
  int column = 0;
  std::string describe() const;
};

struct GridAxis {
  std::string name;
  std::vector<Value> values;
  std::vector<SourcePlace> value_places;  // one per value
  SourcePlace place;
};

struct StageConfig {
  std::string name;
  std::string kind;
  std::vector<std::string> over;  // axes this stage expands over (resolved default applied)
  std::vector<std::string> needs;
  std::map<std::string, Value> params;  // as written (checked); defaults not applied
  // `only = { axis = value or [values] }`: the stage keeps the jobs whose coordinates on
  // those axes (each one it expands over) are among the values; the others are not planned.
  std::map<std::string, std::vector<Value>> only;
  SourcePlace place;
};

struct RunConfig {
  int ranks_per_job = 1;  // ranks that train one job together (static groups)
  int retries = 1;        // extra attempts for a failing job, on another group if one exists
  std::string out;        // default output DIR; `--out` wins
  double job_timeout = 0;     // seconds a job may run (0: no limit); see core/stop_request.h
  double retry_backoff = 1;   // seconds before a failed job's retry, doubling per attempt
  double stop_timeout = 90;   // after a stop signal: seconds to wait for running jobs to stop
  // Pin libtorch's CPU kernels (core/reproducible_kernels.h) so that a study's shards
  // do not depend on the CPU's vector units or on kernel overrides in the environment.
  bool reproducible_kernels = false;
};

struct ExperimentOptions {
  std::string profile;            // empty: none
  std::vector<std::string> sets;  // "a.b=VALUE" overrides, applied in order
};

struct Experiment {
  std::string file;  // as given
  std::string name;
  std::string description;
  std::string profile;
  RunConfig run;
  std::vector<GridAxis> axes;                    // in key order (toml++ tables are sorted)
  std::vector<std::vector<std::string>> zips;    // paired axis groups
  std::vector<StageConfig> stages;               // in key order
  std::vector<std::string> profiles;             // every profile the file defines
  std::string resolved_toml;                     // profile and --set applied, profiles removed

  const GridAxis* axis(const std::string& name) const;
  const StageConfig* stage(const std::string& name) const;
};

// The axis a non-string parameter's value names as a whole ("{pretrain_seed}" ->
// "pretrain_seed"), else "": such a parameter (seed = "{pretrain_seed}") takes the job's
// coordinate with its own type; a string parameter takes it as text, also inside a longer
// string (plan.cpp).
std::string typed_placeholder(const ParamSpec& spec, const Value& value);

// Experiment files are read whole; larger ones are refused before parsing.
constexpr std::size_t kMaxExperimentFileBytes = 4u << 20;

Experiment load_experiment(const std::filesystem::path& file, const ExperimentOptions& options,
                           const KindCatalog& kinds);

// Same, from text (tests; `source_name` stands in for the file name in messages).
Experiment parse_experiment(const std::string& text, const std::string& source_name,
                            const ExperimentOptions& options, const KindCatalog& kinds);

}  // namespace tunegrid
