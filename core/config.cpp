// config.cpp — see config.h. Parsing (toml++), profile and --set overlays
// (config_overlay.cpp), then a schema check of every table that turns the document into an
// Experiment.
#include "core/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "core/config_overlay.h"
#include "core/errors.h"
#include "core/input_file.h"
#include "core/text.h"
#include "core/toml_nesting.h"

namespace tunegrid {

std::string SourcePlace::describe() const {
  if (file.rfind("--set", 0) == 0 || line == 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

const GridAxis* Experiment::axis(const std::string& name) const {
  for (const auto& a : axes)
    if (a.name == name) return &a;
  return nullptr;
}

const StageConfig* Experiment::stage(const std::string& name) const {
  for (const auto& s : stages)
    if (s.name == name) return &s;
  return nullptr;
}

namespace {

// The values of each [grid] axis as the file itself writes them, before a profile or --set
// changes them: a stage's `only` value found in neither these nor the final axis is a typo.
using AxisValues = std::map<std::string, std::vector<Value>>;

// Turns a document into an Experiment, naming the place of every problem.
class Validator {
 public:
  Validator(const std::string& file, const KindCatalog& kinds, const AxisValues& file_axes)
      : file_(file), kinds_(kinds), file_axes_(file_axes) {}

  Experiment run(const toml::table& root) {
    Experiment experiment;
    experiment.file = file_;
    check_keys(root, {"experiment", "run", "grid", "base", "jobs", "report", "reference", "profile"}, "");
    // [report] and [reference] are read by `tunegrid report` (results/); here only their shape.
    optional_table(root, "report", "report");
    optional_table(root, "reference", "reference");
    read_experiment(root, experiment);
    read_run(root, experiment);
    read_grid(root, experiment);
    read_stages(root, experiment);
    return experiment;
  }

 private:
  SourcePlace place(const toml::node& node) const {
    const auto& source = node.source();
    SourcePlace p;
    p.file = source.path ? *source.path : file_;
    p.line = static_cast<int>(source.begin.line);
    p.column = static_cast<int>(source.begin.column);
    return p;
  }

  [[noreturn]] void fail(const toml::node& node, const std::string& message) const {
    throw InputError(fmt::format("{}: {}", place(node).describe(), message));
  }

  // For unknown keys: the place of the key itself, not of its value.
  [[noreturn]] void fail_at_key(const toml::key& key, const toml::node& node, const std::string& message) const {
    const auto& source = key.source();
    if (!source.path || source.begin.line == 0) fail(node, message);
    SourcePlace p;
    p.file = *source.path;
    p.line = static_cast<int>(source.begin.line);
    p.column = static_cast<int>(source.begin.column);
    throw InputError(fmt::format("{}: {}", p.describe(), message));
  }

  static std::string dotted(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
  }

  void check_keys(const toml::table& table, const std::vector<std::string>& allowed, const std::string& prefix) const {
    for (const auto& [key, node] : table) {
      const std::string name(key.str());
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      fail_at_key(key, node, fmt::format("unknown key '{}'{}; expected one of: {}", dotted(prefix, name),
                             did_you_mean(name, allowed), join(allowed, ", ")));
    }
  }

  const toml::table* optional_table(const toml::table& parent, const std::string& key, const std::string& path) const {
    const toml::node* node = parent.get(key);
    if (!node) return nullptr;
    if (!node->is_table()) fail(*node, fmt::format("'{}' must be a table", path));
    return node->as_table();
  }

  std::string read_string(const toml::table& table, const std::string& key, const std::string& path,
                          const std::string& fallback) const {
    const toml::node* node = table.get(key);
    if (!node) return fallback;
    if (!node->is_string()) fail(*node, fmt::format("'{}' expects a string", path));
    return node->as_string()->get();
  }

  int read_int(const toml::table& table, const std::string& key, const std::string& path, int fallback,
               int minimum) const {
    const toml::node* node = table.get(key);
    if (!node) return fallback;
    if (!node->is_integer()) fail(*node, fmt::format("'{}' expects an integer >= {}", path, minimum));
    const auto value = node->as_integer()->get();
    constexpr std::int64_t maximum = 1000000;
    if (value < minimum || value > maximum)
      fail(*node, fmt::format("'{}' expects an integer from {} to {}, found {}", path, minimum, maximum, value));
    return static_cast<int>(value);
  }

  std::vector<std::string> read_names(const toml::node& node, const std::string& path) const {
    const toml::array* array = node.as_array();
    if (!array) fail(node, fmt::format("'{}' expects an array of names", path));
    std::vector<std::string> names;
    for (const auto& element : *array) {
      if (!element.is_string()) fail(element, fmt::format("'{}' expects an array of names (strings)", path));
      const std::string name = element.as_string()->get();
      if (std::find(names.begin(), names.end(), name) != names.end())
        fail(element, fmt::format("'{}' lists '{}' twice", path, name));
      names.push_back(name);
    }
    return names;
  }

  void read_experiment(const toml::table& root, Experiment& experiment) const {
    experiment.name = std::filesystem::path(file_).stem().string();
    const toml::table* table = optional_table(root, "experiment", "experiment");
    if (table) {
      check_keys(*table, {"name", "description"}, "experiment");
      experiment.name = read_string(*table, "name", "experiment.name", experiment.name);
      experiment.description = read_string(*table, "description", "experiment.description", "");
    }
    // The name is the default output directory runs/<name> and the Slurm job name.
    const std::string problem = path_component_problem(experiment.name);
    if (problem.empty()) return;
    const toml::node* name = table ? table->get("name") : nullptr;
    if (name) fail(*name, fmt::format("'experiment.name' must be a single directory name (runs/<name>), found '{}': {}",
                                      abbreviate(experiment.name), problem));
    throw InputError(fmt::format("{}: the experiment's name defaults to the file name '{}', which cannot be a "
                                 "directory name: {}; set [experiment] name",
                                 file_, abbreviate(experiment.name), problem));
  }

  void read_run(const toml::table& root, Experiment& experiment) const {
    const toml::table* table = optional_table(root, "run", "run");
    if (!table) return;
    check_keys(*table,
               {"ranks_per_job", "retries", "out", "job_timeout", "retry_backoff", "stop_timeout", "reproducible_kernels"},
               "run");
    if (const toml::node* node = table->get("reproducible_kernels")) {
      if (!node->is_boolean()) fail(*node, "'run.reproducible_kernels' expects true or false");
      experiment.run.reproducible_kernels = node->as_boolean()->get();
    }
    experiment.run.ranks_per_job = read_int(*table, "ranks_per_job", "run.ranks_per_job", 1, 1);
    experiment.run.retries = read_int(*table, "retries", "run.retries", 1, 0);
    experiment.run.out = read_string(*table, "out", "run.out", "");
    if (const toml::node* out = table->get("out"); out && experiment.run.out.empty())
      fail(*out, "'run.out' expects a directory path, found an empty string (leave the key out for runs/<name>)");
    constexpr double max_seconds = 1e9;  // ~31 years: any larger value is a mistake
    auto seconds = [&](const char* key, double fallback) {
      const toml::node* node = table->get(key);
      if (!node) return fallback;
      const std::string path = std::string("run.") + key;
      if (!node->is_number()) fail(*node, fmt::format("'{}' expects a number of seconds from 0 to {:g}", path, max_seconds));
      const double value = node->is_integer() ? static_cast<double>(node->as_integer()->get())
                                              : node->as_floating_point()->get();
      if (!(value >= 0 && value <= max_seconds))
        fail(*node, fmt::format("'{}' expects a number of seconds from 0 to {:g} (about 31 years), found {}", path,
                                max_seconds, value));
      return value;
    };
    experiment.run.job_timeout = seconds("job_timeout", 0);
    experiment.run.retry_backoff = seconds("retry_backoff", 1);
    experiment.run.stop_timeout = seconds("stop_timeout", 90);
  }

  void read_grid(const toml::table& root, Experiment& experiment) const {
    const toml::table* grid = optional_table(root, "grid", "grid");
    if (!grid) return;
    const toml::node* zip_node = nullptr;
    // An axis may repeat a value only when it is zipped (the tuples must then be unique).
    std::vector<std::pair<std::string, const toml::node*>> repeated;  // axis, its first repeated element
    for (const auto& [key, node] : *grid) {
      const std::string name(key.str());
      const std::string path = "grid." + name;
      if (name == "zip") {
        zip_node = &node;
        continue;
      }
      // Axis names become attribute names in every shard's /params: HDF5 refuses "" and
      // "." and reads '/' as a path separator.
      if (name.empty() || name.find_first_of("/.") != std::string::npos)
        fail_at_key(key, node, fmt::format("axis name '{}' in [grid] is not allowed; expected a non-empty name "
                                           "without '/' or '.'", name));
      const toml::array* array = node.as_array();
      if (!array) fail(node, fmt::format("axis '{}' expects a non-empty array of values", path));
      if (array->empty()) fail(node, fmt::format("axis '{}' is empty; expected at least one value", path));
      GridAxis axis;
      axis.name = name;
      axis.place = place(node);
      for (const auto& element : *array) {
        Value value;
        if (!value_from_toml(element, value) || value.is_list())
          fail(element, fmt::format("axis '{}' expects scalar values (string, integer, float, boolean)", path));
        if (std::find(axis.values.begin(), axis.values.end(), value) != axis.values.end() &&
            (repeated.empty() || repeated.back().first != name))
          repeated.emplace_back(name, &element);
        axis.values.push_back(std::move(value));
        axis.value_places.push_back(place(element));
      }
      experiment.axes.push_back(std::move(axis));
    }
    if (zip_node) read_zips(*zip_node, experiment);
    for (const auto& [name, element] : repeated) {
      bool zipped = false;
      for (const auto& group : experiment.zips) zipped = zipped || std::count(group.begin(), group.end(), name);
      if (!zipped) {
        Value value;
        value_from_toml(*element, value);
        fail(*element, fmt::format("axis 'grid.{}' lists {} twice", name, canonical_text(value)));
      }
    }
  }

  void read_zips(const toml::node& node, Experiment& experiment) const {
    const toml::array* groups = node.as_array();
    if (!groups) fail(node, "'grid.zip' expects an array of axis-name arrays, e.g. zip = [[\"real\", \"synthetic\"]]");
    std::set<std::string> zipped;
    for (const auto& group_node : *groups) {
      std::vector<std::string> group = read_names(group_node, "grid.zip");
      if (group.size() < 2) fail(group_node, "a 'grid.zip' group pairs at least two axes");
      std::size_t length = 0;
      for (const auto& name : group) {
        const GridAxis* axis = experiment.axis(name);
        if (!axis) fail(group_node, fmt::format("'grid.zip' names axis '{}', which is not in [grid]{}", name,
                                                did_you_mean(name, axis_names(experiment))));
        if (!zipped.insert(name).second)
          fail(group_node, fmt::format("axis '{}' is in more than one 'grid.zip' group", name));
        if (length && axis->values.size() != length)
          fail(group_node, fmt::format("zipped axes must have equal lengths: '{}' has {} values, '{}' has {}",
                                       group.front(), length, name, axis->values.size()));
        length = axis->values.size();
      }
      fail_on_repeated_combination(group_node, group, length, experiment);
      experiment.zips.push_back(std::move(group));
    }
  }

  // Zipped axes advance together: position i is one combination, and no two may be equal.
  void fail_on_repeated_combination(const toml::node& node, const std::vector<std::string>& group, std::size_t length,
                                    const Experiment& experiment) const {
    auto combination = [&](std::size_t i) {
      std::vector<std::string> values;
      for (const auto& name : group) values.push_back(canonical_text(experiment.axis(name)->values[i]));
      return values;
    };
    for (std::size_t j = 1; j < length; ++j)
      for (std::size_t i = 0; i < j; ++i)
        if (combination(i) == combination(j))
          fail(node, fmt::format("zipped axes [{}] repeat the combination ({}) at positions {} and {}; expected each "
                                 "combination once",
                                 join(group, ", "), join(combination(j), ", "), i + 1, j + 1));
  }

  static std::vector<std::string> axis_names(const Experiment& experiment) {
    std::vector<std::string> names;
    for (const auto& a : experiment.axes) names.push_back(a.name);
    return names;
  }

  std::vector<std::string> kind_names() const {
    std::vector<std::string> names;
    for (const auto& [name, spec] : kinds_) names.push_back(name);
    return names;
  }

  void read_stages(const toml::table& root, Experiment& experiment) const {
    const toml::table* jobs = optional_table(root, "jobs", "jobs");
    if (!jobs || jobs->empty())
      throw InputError(fmt::format("{}: no [jobs.NAME] table; an experiment needs at least one stage, e.g.\n"
                                   "  [jobs.matmul]\n  kind = \"bench.matmul\"",
                                   file_));
    for (const auto& [key, node] : *jobs) {
      const std::string name(key.str());
      const std::string path = "jobs." + name;
      if (!node.is_table()) fail(node, fmt::format("'{}' must be a table with at least 'kind'", path));
      experiment.stages.push_back(read_stage(*node.as_table(), name, path, experiment));
    }
    if (const toml::table* base = optional_table(root, "base", "base")) apply_base(*base, experiment);
    std::vector<std::string> stage_names;
    for (const auto& s : experiment.stages) stage_names.push_back(s.name);
    for (const auto& [key, node] : *jobs) {
      const toml::node* needs = node.as_table()->get("needs");
      if (!needs) continue;
      const std::string name(key.str());
      for (const auto& element : *needs->as_array()) {
        const std::string need = element.as_string()->get();
        if (need == name) fail(element, fmt::format("'jobs.{}.needs' names the stage itself", name));
        if (!experiment.stage(need))
          fail(element, fmt::format("'jobs.{}.needs' names '{}', which is not a stage{}; stages: {}", name, need,
                                    did_you_mean(need, stage_names), join(stage_names, ", ")));
      }
    }
  }

  StageConfig read_stage(const toml::table& table, const std::string& name, const std::string& path,
                         const Experiment& experiment) const {
    check_keys(table, {"kind", "over", "needs", "only", "params"}, path);
    StageConfig stage;
    stage.name = name;
    stage.place = place(table);
    const toml::node* kind_node = table.get("kind");
    if (!kind_node) fail(table, fmt::format("'{}' has no 'kind'; known kinds: {}", path, join(kind_names(), ", ")));
    if (!kind_node->is_string()) fail(*kind_node, fmt::format("'{}.kind' expects a string", path));
    stage.kind = kind_node->as_string()->get();
    const auto kind_it = kinds_.find(stage.kind);
    if (kind_it == kinds_.end())
      fail(*kind_node, fmt::format("unknown job kind '{}'{}; known kinds: {}", stage.kind,
                                   did_you_mean(stage.kind, kind_names()), join(kind_names(), ", ")));
    const KindSpec& kind = kind_it->second;

    if (const toml::node* over = table.get("over")) {
      stage.over = read_names(*over, path + ".over");
      for (std::size_t i = 0; i < stage.over.size(); ++i)
        if (!experiment.axis(stage.over[i]))
          fail(*over->as_array()->get(i), fmt::format("'{}.over' names axis '{}', which is not in [grid]{}", path,
                                                      stage.over[i], did_you_mean(stage.over[i], axis_names(experiment))));
    } else {
      stage.over = axis_names(experiment);
    }
    for (const auto& group : experiment.zips) {
      std::size_t used = 0;
      for (const auto& axis : group) used += std::count(stage.over.begin(), stage.over.end(), axis);
      if (used != 0 && used != group.size())
        fail(table, fmt::format("'{}' expands over part of the zipped axes [{}]; use all of them or none",
                                path, join(group, ", ")));
    }
    if (const toml::node* needs = table.get("needs")) stage.needs = read_names(*needs, path + ".needs");
    if (const toml::node* only = table.get("only")) {
      if (!only->is_table())
        fail(*only, fmt::format("'{}.only' expects a table of axis = value(s), e.g. only = {{ method = \"lora\" }}",
                                path));
      for (const auto& [key, node] : *only->as_table()) {
        const std::string axis(key.str());
        if (std::find(stage.over.begin(), stage.over.end(), axis) == stage.over.end())
          fail_at_key(key, node, fmt::format("'{}.only' names axis '{}', which the stage does not expand over{}",
                                             path, axis, did_you_mean(axis, stage.over)));
        std::vector<Value> values;
        const toml::array* array = node.as_array();
        if (array) {
          for (const auto& element : *array) {
            Value value;
            if (!value_from_toml(element, value) || value.is_list())
              fail(element, fmt::format("'{}.only.{}' expects scalar values", path, axis));
            values.push_back(std::move(value));
          }
        } else {
          Value value;
          if (!value_from_toml(node, value) || value.is_list())
            fail(node, fmt::format("'{}.only.{}' expects a value or an array of values", path, axis));
          values.push_back(std::move(value));
        }
        check_only_values(*experiment.axis(axis), values, fmt::format("{}.only.{}", path, axis), node);
        stage.only[axis] = std::move(values);
      }
    }

    if (const toml::node* params = table.get("params")) {
      if (!params->is_table()) fail(*params, fmt::format("'{}.params' must be a table", path));
      for (const auto& [key, node] : *params->as_table()) {
        const std::string param(key.str());
        const std::string param_path = path + ".params." + param;
        const ParamSpec* spec = kind.find(param);
        if (!spec)
          fail_at_key(key, node, fmt::format("unknown parameter '{}' for kind '{}'{}; its parameters: {}", param_path, kind.name,
                                 did_you_mean(param, kind.param_names()), join(kind.param_names(), ", ")));
        if (std::find(stage.over.begin(), stage.over.end(), param) != stage.over.end())
          fail(node, fmt::format("'{}' is also a grid axis this stage expands over; set one or the other",
                                 param_path));
        Value value;
        if (!value_from_toml(node, value)) fail(node, fmt::format("'{}' expects {}", param_path, param_type_name(spec->type)));
        if (const GridAxis* axis = typed_placeholder_axis(*spec, value, stage, experiment)) {
          check_axis_feeds(*axis, *spec, param_path, name, kind.name);
        } else {
          const std::string problem = check_param(*spec, value);
          if (!problem.empty()) fail(node, fmt::format("'{}': {}", param_path, problem));
        }
        stage.params[param] = std::move(value);
      }
    }
    // Axis values that feed a parameter must fit it.
    for (const auto& axis_name : stage.over)
      if (const ParamSpec* spec = kind.find(axis_name))
        check_axis_feeds(*experiment.axis(axis_name), *spec, axis_name, name, kind.name);
    return stage;
  }

  // A parameter that is not a string, given as a whole "{axis}" (seed = "{pretrain_seed}"),
  // takes the job's coordinate on that axis with its type (plan.cpp); the axis must be one the
  // stage expands over. Returns that axis, or null when `value` is no such placeholder.
  static const GridAxis* typed_placeholder_axis(const ParamSpec& spec, const Value& value, const StageConfig& stage,
                                                const Experiment& experiment) {
    const std::string axis_name = typed_placeholder(spec, value);
    if (axis_name.empty() || std::find(stage.over.begin(), stage.over.end(), axis_name) == stage.over.end())
      return nullptr;
    return experiment.axis(axis_name);
  }

  // Every value of `axis` must fit the parameter it feeds (`where`: the parameter's path).
  static void check_axis_feeds(const GridAxis& axis, const ParamSpec& spec, const std::string& where,
                               const std::string& stage, const std::string& kind) {
    for (std::size_t i = 0; i < axis.values.size(); ++i) {
      Value value = axis.values[i];
      const std::string problem = check_param(spec, value);
      if (!problem.empty())
        throw InputError(fmt::format("{}: axis 'grid.{}' feeds parameter '{}' of kind '{}' (stage '{}'): {}",
                                     axis.value_places[i].describe(), axis.name, where, kind, stage, problem));
    }
  }

  // Each `only` value must be a value of its axis, in the experiment as resolved or in the
  // file itself: `--set 'grid.method=["lora"]'` may leave a stage with no job (on purpose),
  // but a value the axis never had (`only = { repeat = 99 }`) would empty it silently.
  void check_only_values(const GridAxis& axis, const std::vector<Value>& values, const std::string& path,
                         const toml::node& node) const {
    const auto file_axis = file_axes_.find(axis.name);
    for (const auto& value : values) {
      if (std::find(axis.values.begin(), axis.values.end(), value) != axis.values.end()) continue;
      if (file_axis != file_axes_.end() &&
          std::find(file_axis->second.begin(), file_axis->second.end(), value) != file_axis->second.end())
        continue;
      std::vector<std::string> shown;
      for (const auto& v : axis.values) shown.push_back(display_text(v));
      fail(node, fmt::format("'{}' lists {}, which is not a value of axis 'grid.{}' (its values: {}); the stage "
                             "would keep no job for it",
                             path, canonical_text(value), axis.name, abbreviate(join(shown, ", "), 200)));
    }
  }

  // [base]: parameters shared by the stages, e.g. base.model for every stage whose kind has
  // a `model` parameter. A stage takes a base value where it neither sets the parameter in
  // its params nor expands over an axis of that name; a base key no stage can take is an
  // error (a typo would otherwise be silently ignored).
  void apply_base(const toml::table& base, Experiment& experiment) const {
    for (const auto& [key, node] : base) {
      const std::string param(key.str());
      const std::string path = "base." + param;
      Value value;
      if (!value_from_toml(node, value)) fail(node, fmt::format("'{}' expects a parameter value", path));
      bool taken = false;
      for (auto& stage : experiment.stages) {
        const ParamSpec* spec = kinds_.at(stage.kind).find(param);
        if (!spec) continue;
        taken = true;
        if (stage.params.count(param) || std::count(stage.over.begin(), stage.over.end(), param)) continue;
        Value typed = value;
        if (const GridAxis* axis = typed_placeholder_axis(*spec, typed, stage, experiment)) {
          check_axis_feeds(*axis, *spec, path, stage.name, stage.kind);
        } else {
          const std::string problem = check_param(*spec, typed);
          if (!problem.empty()) fail(node, fmt::format("'{}' (for stage '{}', kind '{}'): {}", path, stage.name,
                                                       stage.kind, problem));
        }
        stage.params[param] = std::move(typed);
      }
      if (!taken)
        fail_at_key(key, node, fmt::format("'{}' is a parameter of none of the stages' kinds", path));
    }
  }

  std::string file_;
  const KindCatalog& kinds_;
  const AxisValues& file_axes_;
};

// The [grid] axes as the document writes them (arrays of scalars only; the Validator
// reports anything else).
AxisValues axis_values_of(const toml::table& root) {
  AxisValues axes;
  const toml::table* grid = root["grid"].as_table();
  if (!grid) return axes;
  for (const auto& [key, node] : *grid) {
    const toml::array* array = node.as_array();
    if (!array) continue;
    auto& values = axes[std::string(key.str())];
    for (const auto& element : *array) {
      Value value;
      if (value_from_toml(element, value)) values.push_back(std::move(value));
    }
  }
  return axes;
}

toml::table parse_document(const std::string& text, const std::string& source_name) {
  check_toml_nesting(text, source_name);  // before toml++ builds (and later destroys) the tree
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    throw InputError(fmt::format("{}:{}:{}: invalid TOML: {}", source_name, begin.line, begin.column,
                                 error.description()));
  }
}

// Removes and returns the [profile] table (empty if absent), checking its shape.
toml::table take_profiles(toml::table& root, const std::string& source_name) {
  toml::node* node = root.get("profile");
  if (!node) return {};
  if (!node->is_table()) {
    const auto& begin = node->source().begin;
    throw InputError(fmt::format("{}:{}:{}: 'profile' must hold tables, e.g. [profile.quick]", source_name,
                                 begin.line, begin.column));
  }
  toml::table profiles = std::move(*node->as_table());
  root.erase("profile");
  for (const auto& [key, value] : profiles)
    if (!value.is_table()) {
      const auto& begin = value.source().begin;
      throw InputError(fmt::format("{}:{}:{}: 'profile.{}' must be a table", source_name, begin.line, begin.column,
                                   key.str()));
    }
  return profiles;
}

Experiment resolve(const std::string& text, const std::string& source_name, const ExperimentOptions& options,
                   const KindCatalog& kinds, bool check_other_profiles) {
  toml::table root = parse_document(text, source_name);
  toml::table profiles = take_profiles(root, source_name);
  const AxisValues file_axes = axis_values_of(root);
  std::vector<std::string> profile_names;
  for (const auto& [key, value] : profiles) profile_names.emplace_back(key.str());

  if (!options.profile.empty()) {
    toml::node* chosen = profiles.get(options.profile);
    if (!chosen)
      throw InputError(fmt::format("--profile {}: {} has no [profile.{}]{}{}", options.profile, source_name,
                                   options.profile, did_you_mean(options.profile, profile_names),
                                   profile_names.empty() ? std::string("; it defines no profiles")
                                                         : "; profiles: " + join(profile_names, ", ")));
    overlay_table(root, std::move(*chosen->as_table()), fmt::format("profile '{}'", options.profile));
  }
  for (const auto& argument : options.sets) apply_set_override(root, argument);

  Experiment experiment = Validator(source_name, kinds, file_axes).run(root);
  experiment.profile = options.profile;
  experiment.profiles = profile_names;

  std::ostringstream resolved;
  resolved << "# Resolved experiment: " << source_name;
  if (!options.profile.empty()) resolved << " --profile " << options.profile;
  for (const auto& argument : options.sets) resolved << " --set '" << argument << "'";
  resolved << "\n" << root << "\n";
  experiment.resolved_toml = resolved.str();

  // A profile nobody asked for must still be valid: check each one on its own.
  if (check_other_profiles)
    for (const auto& name : profile_names)
      if (name != options.profile) {
        ExperimentOptions other;
        other.profile = name;
        resolve(text, source_name, other, kinds, false);
      }
  return experiment;
}

}  // namespace

Experiment parse_experiment(const std::string& text, const std::string& source_name,
                            const ExperimentOptions& options, const KindCatalog& kinds) {
  return resolve(text, source_name, options, kinds, true);
}

std::string typed_placeholder(const ParamSpec& spec, const Value& value) {
  if (spec.type == ParamType::string || spec.type == ParamType::string_list || !value.is_string()) return "";
  const std::string& text = value.as_string();
  if (text.size() < 3 || text.front() != '{' || text.back() != '}') return "";
  const std::string name = text.substr(1, text.size() - 2);
  if (name.find_first_of("{}") != std::string::npos) return "";
  return name;
}

Experiment load_experiment(const std::filesystem::path& file, const ExperimentOptions& options,
                           const KindCatalog& kinds) {
  const std::string text = read_input_file(file, "experiment file", kMaxExperimentFileBytes);
  return parse_experiment(text, file.string(), options, kinds);
}

}  // namespace tunegrid
