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
#include "core/text.h"

namespace tunegrid {

const Value& Job::param(const std::string& name) const { return params.at(name); }

std::string Job::coordinates_text() const {
  std::vector<std::string> parts;
  for (const auto& [axis, value] : coordinates) parts.push_back(axis + "=" + display_text(value));
  return join(parts, " ");
}

const Job* Plan::find(const std::string& id) const {
  const auto it = index.find(id);
  return it == index.end() ? nullptr : &jobs[it->second];
}

std::string Plan::fingerprint() const {
  std::string all;
  for (const auto& job : jobs) all += job.id;
  return hex_id(fnv1a64(all));
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

// One factor of a stage's product: a lone axis or a zip group, with its number of positions.
struct Factor {
  std::vector<const GridAxis*> axes;
  std::size_t size = 0;
};

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
    factor.size = factor.axes.front()->values.size();
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

std::string hash_input(const Job& job, const std::vector<std::string>& need_ids) {
  // Canonical, order-independent text: sorted coordinates and params, sorted needs.
  std::string text = "stage=" + job.stage + "\nkind=" + job.kind + "\n";
  std::vector<std::pair<std::string, Value>> coordinates = job.coordinates;
  std::sort(coordinates.begin(), coordinates.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (const auto& [axis, value] : coordinates) text += "@" + axis + "=" + canonical_text(value) + "\n";
  for (const auto& [name, value] : job.params) text += name + "=" + canonical_text(value) + "\n";
  text += "needs=" + join(need_ids, ",") + "\n";
  return text;
}

// A stage's `only`: does the job's coordinate on every listed axis equal one of the values?
bool kept_by_only(const StageConfig& stage, const std::vector<std::pair<std::string, Value>>& coordinates) {
  for (const auto& [axis, values] : stage.only)
    for (const auto& [name, value] : coordinates)
      if (name == axis && std::find(values.begin(), values.end(), value) == values.end()) return false;
  return true;
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

std::string key_on(const std::vector<std::pair<std::string, Value>>& coordinates,
                   const std::vector<std::string>& axes) {
  std::string key;
  for (const auto& axis : axes)
    for (const auto& [name, value] : coordinates)
      if (name == axis) key += canonical_text(value) + "\x1f";
  return key;
}

}  // namespace

Plan build_plan(const Experiment& experiment, const KindCatalog& kinds) {
  Plan plan;
  plan.experiment = experiment.name;
  std::map<std::string, std::vector<std::size_t>> jobs_of_stage;

  for (const StageConfig* stage : order_stages(experiment)) {
    plan.stage_order.push_back(stage->name);
    const KindSpec& kind = kinds.at(stage->kind);
    const std::vector<Factor> factors = factors_of(*stage, experiment);

    // For each needed stage: the shared axes and its jobs keyed by their values there.
    struct Upstream {
      std::vector<std::string> shared_axes;
      std::map<std::string, std::vector<std::size_t>> by_key;
    };
    std::vector<Upstream> upstreams;
    for (const auto& need : stage->needs) {
      Upstream upstream;
      const StageConfig& other = *experiment.stage(need);
      for (const auto& axis : stage->over)
        if (std::find(other.over.begin(), other.over.end(), axis) != other.over.end())
          upstream.shared_axes.push_back(axis);
      for (std::size_t index : jobs_of_stage[need])
        upstream.by_key[key_on(plan.jobs[index].coordinates, upstream.shared_axes)].push_back(index);
      upstreams.push_back(std::move(upstream));
    }

    std::vector<std::size_t> position(factors.size(), 0);
    while (true) {
      Job job;
      job.stage = stage->name;
      job.kind = stage->kind;
      for (const auto& p : kind.params) job.params[p.name] = p.default_value;
      for (const auto& [name, value] : stage->params) job.params[name] = value;
      for (std::size_t f = 0; f < factors.size(); ++f)
        for (const GridAxis* axis : factors[f].axes) {
          Value value = axis->values[position[f]];
          if (const ParamSpec* spec = kind.find(axis->name)) {
            check_param(*spec, value);  // already validated; converts integers to floats
            job.params[axis->name] = value;
          }
          job.coordinates.emplace_back(axis->name, std::move(value));
        }
      if (kept_by_only(*stage, job.coordinates)) {
        for (auto& [name, value] : job.params) substitute_coordinates(value, job.coordinates);
        std::vector<std::string> need_ids;
        for (const auto& upstream : upstreams) {
          const auto it = upstream.by_key.find(key_on(job.coordinates, upstream.shared_axes));
          if (it == upstream.by_key.end()) continue;
          for (std::size_t index : it->second) {
            job.needs.push_back(index);
            need_ids.push_back(plan.jobs[index].id);
          }
        }
        std::sort(need_ids.begin(), need_ids.end());
        job.id = hex_id(fnv1a64(hash_input(job, need_ids)));
        job.spec_toml = spec_text(job, need_ids);
        if (plan.index.count(job.id))
          throw InputError(fmt::format("{}: jobs '{}' and '{}' resolve to the same spec (id {}); give them "
                                       "different parameters or axes",
                                       experiment.file, plan.jobs[plan.index[job.id]].coordinates_text(),
                                       job.coordinates_text(), job.id));
        plan.index[job.id] = plan.jobs.size();
        jobs_of_stage[stage->name].push_back(plan.jobs.size());
        plan.jobs.push_back(std::move(job));
      }

      // Next position (odometer, last factor fastest).
      bool advanced = false;
      for (std::size_t f = factors.size(); f-- > 0;) {
        if (++position[f] < factors[f].size) {
          advanced = true;
          break;
        }
        position[f] = 0;
      }
      if (!advanced) break;
    }
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
  return out;
}

}  // namespace tunegrid
