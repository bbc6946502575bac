// kind_spec.h — what a job kind accepts: its parameters, their types, defaults, bounds and
// meaning. Job kinds live in workers/; core only needs their specs to validate experiment
// files (unknown keys, wrong types, out-of-range values) before anything runs.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"

namespace tunegrid {

enum class ParamType { boolean, integer, number, string, integer_list, number_list, string_list };

const char* param_type_name(ParamType type);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::integer;
  Value default_value;                  // used when neither the stage nor an axis sets it
  std::string doc;                      // one line: meaning and unit
  std::optional<double> minimum;        // for numbers and number lists, inclusive
  std::vector<std::string> choices;     // for strings and string lists; empty = any
  std::optional<double> maximum = std::nullopt;  // inclusive; integers without one stop at kMaxIntegerParam
  // false: left out of a job's id while it holds its default — a parameter added to a kind
  // after result stores existed, so their jobs keep their ids (core/job_params.h AddedParam).
  bool in_id_at_default = true;
};

// Integer parameters become C++ ints in the job kinds: larger values are refused, not wrapped.
constexpr std::int64_t kMaxIntegerParam = 2147483647;

struct KindSpec {
  std::string name;     // e.g. "bench.matmul"
  std::string doc;      // one sentence: what a job of this kind does
  std::vector<ParamSpec> params;
  std::string outputs;  // what its shard holds: metrics, timings, loss, images (docs/job-kinds.md)

  const ParamSpec* find(const std::string& param) const;
  std::vector<std::string> param_names() const;
};

// Every known job kind by name.
using KindCatalog = std::map<std::string, KindSpec>;

// Checks `value` against `spec` (ints are accepted where floats are expected and are then
// converted). Returns an empty string when valid, else what was expected and what was found.
std::string check_param(const ParamSpec& spec, Value& value);

}  // namespace tunegrid
