// plan.cpp — see plan.h.
#include "core/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "core/errors.h"
#include "core/hash.h"
#include "core/stop_request.h"
#include "core/text.h"

namespace tunegrid {

const Value& Job::param(const std::string& name) const { return params.at(name); }

std::string Job::coordinates_text() const {
  std::vector<std::string> parts;
  for (const auto& [axis, value] : coordinates) parts.push_back(axis + "=" + display_text(value));
  return join(parts, " ");
}

namespace {
// Job ids are 16 hex digits (hex_id of a 64-bit hash).
std::optional<std::uint64_t> id_value(const std::string& id) {
  if (id.size() != 16 || id.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  return std::stoull(id, nullptr, 16);
}
}  // namespace

std::optional<std::size_t> Plan::position_of(const std::string& id) const {
  const auto value = id_value(id);
  if (!value) return std::nullopt;
  const auto it = index.find(*value);
  if (it == index.end()) return std::nullopt;
  return it->second;
}

const Job* Plan::find(const std::string& id) const {
  const auto position = position_of(id);
  return position ? &jobs[*position] : nullptr;
}

std::string Plan::fingerprint() const {
  std::string all;
  for (const auto& job : jobs) all += job.id;
  return hex_id(fnv1a64(all));
}

namespace {
std::string spec_text(const Job& job, const std::vector<std::string>& need_ids);
}  // namespace

std::string Plan::spec_toml(const Job& job) const {
  std::vector<std::string> need_ids;
  for (const std::size_t need : job.needs) need_ids.push_back(jobs.at(need).id);
  std::sort(need_ids.begin(), need_ids.end());
  return spec_text(job, need_ids);
}

namespace {

// Stages in dependency order (key order among equals); a cycle is an input error.
std::vector<const StageConfig*> order_stages(const Experiment& experiment) {
  std::vector<const StageConfig*> ordered;
  std::map<std::string, int> state;  // 0 new, 1 visiting, 2 done
  std::vector<std::string> path;
  std::function<void(const StageConfig&)> visit = [&](const StageConfig& stage) {
    int& s = state[stage.name];
    if (s == 2) return;
    if (s == 1) {
      auto start = std::find(path.begin(), path.end(), stage.name);
      std::vector<std::string> cycle(start, path.end());
      cycle.push_back(stage.name);
      throw InputError(fmt::format("{}: the stages' needs form a cycle: {}", experiment.file, join(cycle, " -> ")));
    }
    s = 1;
    path.push_back(stage.name);
    for (const auto& need : stage.needs) visit(*experiment.stage(need));
    path.pop_back();
    state[stage.name] = 2;
    ordered.push_back(&stage);
  };
  for (const auto& stage : experiment.stages) visit(stage);
  return ordered;
}

// One factor of a stage's product: a lone axis or a zip group, and the positions along it
// that the stage's `only` keeps (every axis of a zip must pass).
struct Factor {
  std::vector<const GridAxis*> axes;
  std::vector<std::size_t> kept;
};

bool kept_by_only(const StageConfig& stage, const Factor& factor, std::size_t position) {
  for (const GridAxis* axis : factor.axes) {
    const auto only = stage.only.find(axis->name);
    if (only != stage.only.end() &&
        std::find(only->second.begin(), only->second.end(), axis->values[position]) == only->second.end())
      return false;
  }
  return true;
}

std::vector<Factor> factors_of(const StageConfig& stage, const Experiment& experiment) {
  std::vector<Factor> factors;
  std::set<std::string> done;
  for (const auto& axis : experiment.axes) {  // a fixed axis order keeps job order readable
    if (std::find(stage.over.begin(), stage.over.end(), axis.name) == stage.over.end()) continue;
    if (done.count(axis.name)) continue;
    Factor factor;
    const std::vector<std::string>* group = nullptr;
    for (const auto& zip : experiment.zips)
      if (std::find(zip.begin(), zip.end(), axis.name) != zip.end()) group = &zip;
    if (group) {
      for (const auto& name : *group) {
        factor.axes.push_back(experiment.axis(name));
        done.insert(name);
      }
    } else {
      factor.axes.push_back(&axis);
      done.insert(axis.name);
    }
    for (std::size_t position = 0; position < factor.axes.front()->values.size(); ++position)
      if (kept_by_only(stage, factor, position)) factor.kept.push_back(position);
    factors.push_back(std::move(factor));
  }
  return factors;
}

std::string spec_text(const Job& job, const std::vector<std::string>& need_ids) {
  toml::table spec;
  spec.insert("stage", job.stage);
  spec.insert("kind", job.kind);
  toml::array needs;
  for (const auto& id : need_ids) needs.push_back(id);
  spec.insert("needs", std::move(needs));
  toml::table coordinates;
  for (const auto& [axis, value] : job.coordinates) insert_value(coordinates, axis, value);
  spec.insert("coordinates", std::move(coordinates));
  toml::table params;
  for (const auto& [name, value] : job.params) insert_value(params, name, value);
  spec.insert("params", std::move(params));
  std::ostringstream out;
  out << spec << "\n";
  return out.str();
}

// Whether `name` holds a value that is part of the job's id: every parameter does, except one
// added to the kind later while it holds its default (ParamSpec::in_id_at_default).
bool in_id(const KindSpec& kind, const std::string& name, const Value& value) {
  const ParamSpec* spec = kind.find(name);
  return !spec || spec->in_id_at_default || !(value == spec->default_value);
}

std::string hash_input(const Job& job, const KindSpec& kind, const std::vector<std::string>& need_ids) {
  // Canonical, order-independent text: sorted coordinates and params, sorted needs.
  std::string text = "stage=" + job.stage + "\nkind=" + job.kind + "\n";
  std::vector<std::pair<std::string, Value>> coordinates = job.coordinates;
  std::sort(coordinates.begin(), coordinates.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (const auto& [axis, value] : coordinates) text += "@" + axis + "=" + canonical_text(value) + "\n";
  for (const auto& [name, value] : job.params)
    if (in_id(kind, name, value)) text += name + "=" + canonical_text(value) + "\n";
  text += "needs=" + join(need_ids, ",") + "\n";
  return text;
}

// Refuses a grid past kMaxPlannedJobs before expanding it, and one that plans nothing.
void check_plan_size(const Experiment& experiment) {
  double total = 0;
  std::vector<std::string> parts;
  for (const auto& stage : experiment.stages) {
    double count = 1;  // exact below 2^53, and a double cannot overflow on any grid that parses
    for (const Factor& factor : factors_of(stage, experiment))
      count *= static_cast<double>(factor.kept.size());
    total += count;
    parts.push_back(fmt::format("{} {:.{}g}", stage.name, count, count < 1e15 ? 15 : 3));
  }
  if (total == 0)
    throw InputError(fmt::format("{}: the experiment plans no job: every stage's `only` excludes all values of its "
                                 "axes",
                                 experiment.file));
  if (total <= static_cast<double>(kMaxPlannedJobs)) return;
  throw InputError(fmt::format("{}: the grid expands into {:.{}g} jobs ({}); tunegrid plans at most {} jobs per "
                               "run: narrow an axis or split the study into several runs",
                               experiment.file, total, total < 1e15 ? 15 : 3, join(parts, ", "), kMaxPlannedJobs));
}

// "{axis}" in a string parameter (or in a string of a list) becomes the job's coordinate on
// that axis, e.g. finetuned = "{method}"; other braces ("{}" of prompt templates) stay.
void substitute_coordinates(Value& value, const std::vector<std::pair<std::string, Value>>& coordinates) {
  if (value.is_list()) {
    Value::List items = value.as_list();
    for (auto& item : items) substitute_coordinates(item, coordinates);
    value = Value(std::move(items));
    return;
  }
  if (!value.is_string() || value.as_string().find('{') == std::string::npos) return;
  std::string text = value.as_string();
  for (const auto& [name, coordinate] : coordinates) {
    const std::string placeholder = "{" + name + "}";
    for (std::size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at)) {
      const std::string replacement = display_text(coordinate);
      text.replace(at, placeholder.size(), replacement);
      at += replacement.size();
    }
  }
  value = Value(std::move(text));
}

// A non-string parameter written as a whole "{axis}" (config.h, typed_placeholder) becomes
// the job's coordinate there, typed and checked like an axis value that names the parameter.
bool take_typed_coordinate(const ParamSpec& spec, Value& value,
                           const std::vector<std::pair<std::string, Value>>& coordinates) {
  const std::string axis = typed_placeholder(spec, value);
  if (axis.empty()) return false;
  for (const auto& [name, coordinate] : coordinates)
    if (name == axis) {
      value = coordinate;
      check_param(spec, value);  // validated when the file was read; converts integers to floats
      return true;
    }
  return false;
}

std::string key_on(const std::vector<std::pair<std::string, Value>>& coordinates,
                   const std::vector<std::string>& axes) {
  std::string key;
  for (const auto& axis : axes)
    for (const auto& [name, value] : coordinates)
      if (name == axis) key += canonical_text(value) + "\x1f";
  return key;
}

// For each stage a job needs: the axes they share and its jobs keyed by their values there.
struct Upstream {
  std::vector<std::string> shared_axes;
  std::map<std::string, std::vector<std::size_t>> by_key;
};

std::vector<Upstream> upstreams_of(const StageConfig& stage, const Experiment& experiment, const Plan& plan,
                                   const std::map<std::string, std::vector<std::size_t>>& jobs_of_stage) {
  std::vector<Upstream> upstreams;
  for (const auto& need : stage.needs) {
    Upstream upstream;
    const StageConfig& other = *experiment.stage(need);
    for (const auto& axis : stage.over)
      if (std::find(other.over.begin(), other.over.end(), axis) != other.over.end()) upstream.shared_axes.push_back(axis);
    if (const auto jobs = jobs_of_stage.find(need); jobs != jobs_of_stage.end())
      for (std::size_t index : jobs->second)
        upstream.by_key[key_on(plan.jobs[index].coordinates, upstream.shared_axes)].push_back(index);
    upstreams.push_back(std::move(upstream));
  }
  return upstreams;
}

// The job of `stage` at `positions` (one per factor): parameters resolved, its needs found.
Job make_job(const StageConfig& stage, const KindSpec& kind, const std::vector<Factor>& factors,
             const std::vector<std::size_t>& positions, const std::vector<Upstream>& upstreams, const Plan& plan,
             std::vector<std::string>& need_ids) {
  Job job;
  job.stage = stage.name;
  job.kind = stage.kind;
  for (const auto& p : kind.params) job.params[p.name] = p.default_value;
  for (const auto& [name, value] : stage.params) job.params[name] = value;
  for (std::size_t f = 0; f < factors.size(); ++f)
    for (const GridAxis* axis : factors[f].axes) {
      Value value = axis->values[factors[f].kept[positions[f]]];
      if (const ParamSpec* spec = kind.find(axis->name)) {
        check_param(*spec, value);  // already validated; converts integers to floats
        job.params[axis->name] = value;
      }
      job.coordinates.emplace_back(axis->name, std::move(value));
    }
  for (auto& [name, value] : job.params) {
    const ParamSpec* spec = kind.find(name);
    if (spec && take_typed_coordinate(*spec, value, job.coordinates)) continue;
    substitute_coordinates(value, job.coordinates);
  }
  need_ids.clear();
  for (const auto& upstream : upstreams) {
    const auto it = upstream.by_key.find(key_on(job.coordinates, upstream.shared_axes));
    if (it == upstream.by_key.end()) continue;
    for (std::size_t index : it->second) {
      job.needs.push_back(index);
      need_ids.push_back(plan.jobs[index].id);
    }
  }
  std::sort(need_ids.begin(), need_ids.end());
  return job;
}

// Next position of an odometer over the factors' kept positions (last factor fastest).
bool advance(std::vector<std::size_t>& positions, const std::vector<Factor>& factors) {
  for (std::size_t f = factors.size(); f-- > 0;) {
    if (++positions[f] < factors[f].kept.size()) return true;
    positions[f] = 0;
  }
  return false;
}

void add_job(Plan& plan, Job job, const KindSpec& kind, const std::vector<std::string>& need_ids,
             const Experiment& experiment) {
  const std::uint64_t hash = fnv1a64(hash_input(job, kind, need_ids));
  job.id = hex_id(hash);
  if (const auto twin = plan.index.find(hash); twin != plan.index.end())
    throw InputError(fmt::format("{}: jobs '{}' and '{}' resolve to the same spec (id {}); give them different "
                                 "parameters or axes",
                                 experiment.file, plan.jobs[twin->second].coordinates_text(), job.coordinates_text(),
                                 job.id));
  if (plan.jobs.size() % 4096 == 0) throw_if_stop_pending("planning " + experiment.file);
  plan.index[hash] = plan.jobs.size();
  plan.jobs.push_back(std::move(job));
}

}  // namespace

Plan build_plan(const Experiment& experiment, const KindCatalog& kinds) {
  check_plan_size(experiment);
  Plan plan;
  plan.experiment = experiment.name;
  std::map<std::string, std::vector<std::size_t>> jobs_of_stage;
  std::vector<std::string> need_ids;
  for (const StageConfig* stage : order_stages(experiment)) {
    plan.stage_order.push_back(stage->name);
    const std::vector<Factor> factors = factors_of(*stage, experiment);
    const std::vector<Upstream> upstreams = upstreams_of(*stage, experiment, plan, jobs_of_stage);
    auto& own = jobs_of_stage[stage->name];
    const bool any = std::all_of(factors.begin(), factors.end(), [](const Factor& f) { return !f.kept.empty(); });
    std::vector<std::size_t> positions(factors.size(), 0);
    for (bool more = any; more; more = advance(positions, factors)) {
      const KindSpec& kind = kinds.at(stage->kind);
      Job job = make_job(*stage, kind, factors, positions, upstreams, plan, need_ids);
      own.push_back(plan.jobs.size());
      add_job(plan, std::move(job), kind, need_ids, experiment);
    }
    if (own.empty()) plan.empty_stages.push_back(stage->name);
  }
  return plan;
}

std::string format_plan_table(const Plan& plan) {
  std::size_t stage_width = 5, kind_width = 4, coord_width = 11;
  for (const auto& job : plan.jobs) {
    stage_width = std::max(stage_width, job.stage.size());
    kind_width = std::max(kind_width, job.kind.size());
    coord_width = std::max(coord_width, job.coordinates_text().size());
  }
  std::string out = fmt::format("{:<16}  {:<{}}  {:<{}}  {:<{}}  {}\n", "id", "stage", stage_width, "kind", kind_width,
                                "coordinates", coord_width, "needs");
  for (const auto& job : plan.jobs) {
    std::vector<std::string> needs;
    for (std::size_t index : job.needs) needs.push_back(plan.jobs[index].id.substr(0, 8));
    std::string needs_text = needs.empty() ? "-" : join(needs, ",");
    if (needs.size() > 4)
      needs_text = fmt::format("{} jobs ({},…)", needs.size(), join({needs[0], needs[1]}, ","));
    out += fmt::format("{:<16}  {:<{}}  {:<{}}  {:<{}}  {}\n", job.id, job.stage, stage_width, job.kind, kind_width,
                       job.coordinates_text(), coord_width, needs_text);
  }
  std::map<std::string, std::size_t> per_stage;
  std::size_t edges = 0;
  for (const auto& job : plan.jobs) {
    per_stage[job.stage]++;
    edges += job.needs.size();
  }
  std::vector<std::string> parts;
  for (const auto& stage : plan.stage_order) parts.push_back(fmt::format("{} {}", stage, per_stage[stage]));
  out += fmt::format("\n{} jobs ({}), {} dependencies\n", plan.jobs.size(), join(parts, ", "), edges);
  for (const auto& stage : plan.empty_stages)
    out += fmt::format("stage '{}' has no jobs: its `only` matches none of its axes' values (narrowed by a profile or "
                       "--set)\n", stage);
  return out;
}

}  // namespace tunegrid
