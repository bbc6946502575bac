// kind_spec.cpp — see kind_spec.h.
#include "core/kind_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/text.h"

namespace tunegrid {

const char* param_type_name(ParamType type) {
  switch (type) {
    case ParamType::boolean: return "a boolean";
    case ParamType::integer: return "an integer";
    case ParamType::number: return "a number";
    case ParamType::string: return "a string";
    case ParamType::integer_list: return "an array of integers";
    case ParamType::number_list: return "an array of numbers";
    case ParamType::string_list: return "an array of strings";
  }
  return "?";
}

const ParamSpec* KindSpec::find(const std::string& param) const {
  for (const auto& p : params)
    if (p.name == param) return &p;
  return nullptr;
}

std::vector<std::string> KindSpec::param_names() const {
  std::vector<std::string> names;
  for (const auto& p : params) names.push_back(p.name);
  return names;
}

namespace {

std::string check_scalar(const ParamSpec& spec, ParamType scalar_type, Value& value) {
  switch (scalar_type) {
    case ParamType::boolean:
      if (!value.is_bool()) return "a boolean";
      return "";
    case ParamType::integer:
    case ParamType::number: {
      if (scalar_type == ParamType::integer && !value.is_integer()) return "an integer";
      if (scalar_type == ParamType::number && !value.is_number()) return "a number";
      if (scalar_type == ParamType::number && value.is_integer()) value = Value(value.as_number());
      if (!std::isfinite(value.as_number())) return "a finite number (not nan or inf)";
      const char* what = scalar_type == ParamType::integer ? "an integer" : "a number";
      std::optional<double> maximum = spec.maximum;
      if (!maximum && scalar_type == ParamType::integer) maximum = static_cast<double>(kMaxIntegerParam);
      const bool low = spec.minimum && value.as_number() < *spec.minimum;
      const bool high = maximum && value.as_number() > *maximum;
      if (!low && !high) return "";
      if (spec.minimum && maximum) return fmt::format("{} from {:g} to {:.15g}", what, *spec.minimum, *maximum);
      if (spec.minimum) return fmt::format("{} >= {:g}", what, *spec.minimum);
      return fmt::format("{} <= {:.15g}", what, *maximum);
    }
    case ParamType::string:
      if (!value.is_string()) return "a string";
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), value.as_string()) == spec.choices.end())
        return fmt::format("one of {}", join(spec.choices, ", "));
      return "";
    default:
      return "a scalar";
  }
}

}  // namespace

std::string check_param(const ParamSpec& spec, Value& value) {
  ParamType element = spec.type;
  bool list = false;
  switch (spec.type) {
    case ParamType::integer_list: element = ParamType::integer; list = true; break;
    case ParamType::number_list: element = ParamType::number; list = true; break;
    case ParamType::string_list: element = ParamType::string; list = true; break;
    default: break;
  }
  if (!list) {
    const std::string expected = check_scalar(spec, element, value);
    if (expected.empty()) return "";
    return fmt::format("expected {}, found {} {}", expected, type_name(value), display_text(value));
  }
  if (!value.is_list())
    return fmt::format("expected {}, found {} {}", param_type_name(spec.type), type_name(value), display_text(value));
  auto items = value.as_list();
  for (auto& item : items) {
    const std::string expected = check_scalar(spec, element, item);
    if (!expected.empty())
      return fmt::format("expected every element to be {}, found {} {}", expected, type_name(item),
                         display_text(item));
  }
  value = Value(std::move(items));
  return "";
}

}  // namespace tunegrid
