// report_config.cpp — see report_config.h. A schema check of [report] and [reference] in
// the style of core/config.cpp: every problem names file:line:column, the key and what was
// expected.
#include "results/report_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include <toml++/toml.h>

#include "core/errors.h"
#include "core/text.h"
#include "core/toml_type_name.h"

namespace tunegrid {

std::string ReportConfig::label(const std::string& value) const {
  const auto it = labels.find(value);
  return it == labels.end() ? value : it->second;
}

std::string ReportConfig::row_title(const std::string& table_row_axis) const {
  return label(table_row_axis.empty() ? rows : table_row_axis);
}

std::string ReportConfig::table_title(const std::string& value) const {
  return tables.empty() ? label(value) : tables + " = " + label(value);
}

std::optional<double> ReferenceConfig::find(const std::string& metric, const std::string& table,
                                            const std::string& row, const std::string& column) const {
  const auto m = values.find(metric);
  if (m == values.end()) return std::nullopt;
  const auto t = m->second.find(table);
  if (t == m->second.end()) return std::nullopt;
  const auto c = t->second.find(column);
  if (c == t->second.end()) return std::nullopt;
  const auto r = std::find(rows.begin(), rows.end(), row);
  if (r == rows.end()) return std::nullopt;
  return c->second.at(static_cast<std::size_t>(r - rows.begin()));
}

bool ReferenceConfig::has(const std::string& metric, const std::string& table) const {
  const auto m = values.find(metric);
  return m != values.end() && m->second.count(table) > 0;
}

std::string coordinate_text(const Value& value) {
  if (value.is_bool()) return value.as_bool() ? "1" : "0";
  return display_text(value);
}

namespace {

class SettingsReader {
 public:
  explicit SettingsReader(std::string file) : file_(std::move(file)) {}

  ReportSettings run(const toml::table& root) {
    ReportSettings settings;
    if (const toml::node* node = root.get("report")) read_report(table_of(*node, "report"), settings.report);
    if (const toml::node* node = root.get("reference"))
      read_reference(table_of(*node, "reference"), settings.report, settings.reference);
    return settings;
  }

 private:
  [[noreturn]] void fail(const toml::source_region& source, const std::string& message) const {
    const std::string file = source.path ? *source.path : file_;
    if (source.begin.line == 0) throw InputError(fmt::format("{}: {}", file, message));
    throw InputError(fmt::format("{}:{}:{}: {}", file, source.begin.line, source.begin.column, message));
  }

  const toml::table& table_of(const toml::node& node, const std::string& path) const {
    if (!node.is_table()) fail(node.source(), fmt::format("'{}' must be a table", path));
    return *node.as_table();
  }

  std::string string_of(const toml::node& node, const std::string& path, bool allow_empty) const {
    if (!node.is_string()) fail(node.source(), fmt::format("'{}' expects a string, found {}", path, toml_type_name(node)));
    std::string value = node.as_string()->get();
    if (value.empty() && !allow_empty) fail(node.source(), fmt::format("'{}' expects a non-empty string", path));
    return value;
  }

  void read_report(const toml::table& table, ReportConfig& report) const {
    const std::vector<std::string> allowed = {"kind",   "tables", "rows",         "columns",      "metrics",      "images",
                                              "labels", "timing_kinds", "timing_phase", "baseline", "grid_samples",
                                              "spread", "checks", "per_class"};
    for (const auto& [key, node] : table) {
      const std::string name(key.str()), path = "report." + name;
      if (name == "kind") report.kind = string_of(node, path, false);
      else if (name == "tables") report.tables = string_of(node, path, true);
      else if (name == "rows") report.rows = string_of(node, path, false);
      else if (name == "columns") report.columns = string_of(node, path, true);
      else if (name == "images") report.images = string_of(node, path, true);
      else if (name == "timing_kinds") report.timing_kinds = string_of(node, path, true);
      else if (name == "timing_phase") report.timing_phase = string_of(node, path, false);
      else if (name == "baseline") report.baseline = string_of(node, path, true);
      else if (name == "spread") report.spread = string_of(node, path, true);
      else if (name == "per_class") report.per_class = string_of(node, path, true);
      else if (name == "grid_samples") {
        if (!node.is_integer() || node.as_integer()->get() < 1 || node.as_integer()->get() > 64)
          fail(node.source(), fmt::format("'{}' expects an integer from 1 to 64 (images per grid cell)", path));
        report.grid_samples = static_cast<int>(node.as_integer()->get());
      }
      else if (name == "metrics") report.metrics = metric_names(node, path);
      else if (name == "checks") report.checks = checks(node, path);
      else if (name == "labels") {
        for (const auto& [value, label] : table_of(node, path))
          report.labels[std::string(value.str())] =
              string_of(label, fmt::format("{}.\"{}\"", path, value.str()), false);
      } else {
        fail(key.source(), fmt::format("unknown key '{}'{}; expected one of: {}", path, did_you_mean(name, allowed),
                                       join(allowed, ", ")));
      }
    }
    if (report.rows.empty()) fail(table.source(), "'report.rows' expects a non-empty coordinate name");
    const bool same = (!report.tables.empty() && (report.tables == report.rows || report.tables == report.columns)) ||
                      report.rows == report.columns;
    if (same)
      fail(table.source(), fmt::format("'report.tables', 'report.rows' and 'report.columns' must name three different "
                                       "coordinates; found '{}', '{}', '{}'",
                                       report.tables, report.rows, report.columns));
  }

  // [[report.checks]]: an array of tables, each with name, metric, min or max, and optionally
  // stage and where.
  std::vector<ReportCheck> checks(const toml::node& node, const std::string& path) const {
    const toml::array* array = node.as_array();
    if (!array)
      fail(node.source(), fmt::format("'{}' expects an array of tables ([[report.checks]] with name, metric and min or "
                                      "max)",
                                      path));
    std::vector<ReportCheck> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const std::string entry_path = fmt::format("{}[{}]", path, i);
      out.push_back(check(table_of(*array->get(i), entry_path), entry_path));
      for (std::size_t j = 0; j + 1 < out.size(); ++j)
        if (out[j].name == out.back().name)
          fail(array->get(i)->source(), fmt::format("'{}': another check is already named '{}'", entry_path, out[j].name));
    }
    return out;
  }

  ReportCheck check(const toml::table& table, const std::string& path) const {
    const std::vector<std::string> allowed = {"name", "stage", "metric", "where", "min", "max"};
    ReportCheck check;
    for (const auto& [key, node] : table) {
      const std::string name(key.str()), key_path = path + "." + name;
      if (name == "name") check.name = string_of(node, key_path, false);
      else if (name == "stage") check.stage = string_of(node, key_path, false);
      else if (name == "metric") check.metric = string_of(node, key_path, false);
      else if (name == "min") check.min = number_of(node, key_path);
      else if (name == "max") check.max = number_of(node, key_path);
      else if (name == "where") {
        for (const auto& [coordinate, values] : table_of(node, key_path))
          check.where[std::string(coordinate.str())] = where_values(values, key_path + "." + std::string(coordinate.str()));
      } else {
        fail(key.source(), fmt::format("unknown key '{}'{}; expected one of: {}", key_path, did_you_mean(name, allowed),
                                       join(allowed, ", ")));
      }
    }
    if (check.name.empty() || check.metric.empty())
      fail(table.source(), fmt::format("'{}' needs a 'name' and a 'metric'", path));
    if (check.min.has_value() == check.max.has_value())
      fail(table.source(), fmt::format("'{}' needs exactly one bound: 'min' (value ≥ min) or 'max' (value ≤ max)", path));
    return check;
  }

  double number_of(const toml::node& node, const std::string& path) const {
    if (!node.is_number()) fail(node.source(), fmt::format("'{}' expects a number, found {}", path, toml_type_name(node)));
    return node.is_integer() ? static_cast<double>(node.as_integer()->get()) : node.as_floating_point()->get();
  }

  // A coordinate's accepted values: one scalar or an array of them, as text (coordinate_text).
  std::vector<std::string> where_values(const toml::node& node, const std::string& path) const {
    std::vector<std::string> values;
    auto add = [&](const toml::node& element) {
      Value value;
      if (!value_from_toml(element, value) || value.is_list())
        fail(element.source(), fmt::format("'{}' expects a value or an array of values", path));
      values.push_back(coordinate_text(value));
    };
    if (const toml::array* array = node.as_array()) {
      if (array->empty()) fail(node.source(), fmt::format("'{}' expects at least one value", path));
      for (const auto& element : *array) add(element);
    } else {
      add(node);
    }
    return values;
  }

  std::vector<std::string> metric_names(const toml::node& node, const std::string& path) const {
    const toml::array* array = node.as_array();
    if (!array || array->empty())
      fail(node.source(), fmt::format("'{}' expects a non-empty array of metric names, e.g. [\"clip_score\"]", path));
    std::vector<std::string> names;
    for (const auto& element : *array) {
      std::string name = string_of(element, path + "[]", false);
      if (std::find(names.begin(), names.end(), name) != names.end())
        fail(element.source(), fmt::format("'{}' lists '{}' twice", path, name));
      names.push_back(std::move(name));
    }
    return names;
  }

  void read_reference(const toml::table& table, const ReportConfig& report, ReferenceConfig& reference) const {
    reference.present = true;
    const toml::node* rows = table.get("rows");
    if (rows) {
      const toml::array* array = rows->as_array();
      if (!array || array->empty())
        fail(rows->source(), fmt::format("'reference.rows' expects a non-empty array of '{}' values, e.g. [5, 50, 100]",
                                         report.rows));
      for (const auto& element : *array) {
        Value value;
        if (!value_from_toml(element, value) || value.is_list())
          fail(element.source(), "'reference.rows' expects scalar values (integers, floats or strings)");
        reference.rows.push_back(coordinate_text(value));
      }
    }
    for (const auto& [key, node] : table) {
      const std::string name(key.str());
      if (name == "rows") continue;
      if (name == "source") {
        reference.source = string_of(node, "reference.source", true);
        continue;
      }
      if (std::find(report.metrics.begin(), report.metrics.end(), name) == report.metrics.end())
        fail(key.source(), fmt::format("unknown key 'reference.{}': expected 'source', 'rows' or a metric of "
                                       "'report.metrics'{} ({})",
                                       name, did_you_mean(name, report.metrics), join(report.metrics, ", ")));
      if (!rows)
        fail(node.source(), fmt::format("'reference.{}' needs 'reference.rows', the '{}' values its lists follow", name,
                                        report.rows));
      read_metric(table_of(node, "reference." + name), name, reference);
    }
  }

  void read_metric(const toml::table& metric, const std::string& name, ReferenceConfig& reference) const {
    for (const auto& [table_key, table_node] : metric) {
      const std::string table_value(table_key.str());
      const std::string table_path = fmt::format("reference.{}.\"{}\"", name, table_value);
      for (const auto& [column_key, column_node] : table_of(table_node, table_path)) {
        const std::string path = fmt::format("{}.{}", table_path, column_key.str());
        const toml::array* array = column_node.as_array();
        if (!array || array->size() != reference.rows.size())
          fail(column_node.source(), fmt::format("'{}' expects an array of {} numbers, one per 'reference.rows' value",
                                                 path, reference.rows.size()));
        std::vector<double> numbers;
        for (const auto& element : *array) {
          if (!element.is_number()) fail(element.source(), fmt::format("'{}' expects numbers, found {}", path, toml_type_name(element)));
          numbers.push_back(element.is_integer() ? static_cast<double>(element.as_integer()->get())
                                                 : element.as_floating_point()->get());
        }
        reference.values[name][table_value][std::string(column_key.str())] = std::move(numbers);
      }
    }
  }

  std::string file_;
};

}  // namespace

ReportSettings read_report_settings(const toml::table& root, const std::string& file) {
  return SettingsReader(file).run(root);
}

PlanDocument split_plan_document(const std::string& text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    throw InputError(fmt::format("{}:{}:{}: invalid TOML: {}", file, begin.line, begin.column, error.description()));
  }
  PlanDocument document;
  document.settings = read_report_settings(root, file);
  root.erase("report");
  root.erase("reference");
  std::ostringstream out;
  out << root << "\n";
  document.experiment_toml = out.str();
  return document;
}

}  // namespace tunegrid
