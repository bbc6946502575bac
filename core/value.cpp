// value.cpp — see value.h.
#include "core/value.h"

#include <fmt/format.h>

#include <toml++/toml.h>

namespace tunegrid {

const char* type_name(const Value& value) {
  switch (value.data.index()) {
    case 0: return "boolean";
    case 1: return "integer";
    case 2: return "float";
    case 3: return "string";
    default: return "array";
  }
}

static std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string canonical_text(const Value& value) {
  if (value.is_bool()) return value.as_bool() ? "true" : "false";
  if (value.is_integer()) return fmt::format("{}", value.as_integer());
  if (value.is_float()) return fmt::format("{:.17g}f", std::get<double>(value.data));
  if (value.is_string()) return quoted(value.as_string());
  std::string out = "[";
  const auto& items = value.as_list();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += canonical_text(items[i]);
  }
  return out + "]";
}

std::string display_text(const Value& value) {
  if (value.is_string()) return value.as_string();
  if (value.is_float()) return fmt::format("{}", std::get<double>(value.data));
  if (value.is_list()) {
    std::string out = "[";
    const auto& items = value.as_list();
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + display_text(items[i]);
    return out + "]";
  }
  return canonical_text(value);
}

bool value_from_toml(const toml::node& node, Value& out) {
  if (auto v = node.as_boolean()) { out = Value(v->get()); return true; }
  if (auto v = node.as_integer()) { out = Value(v->get()); return true; }
  if (auto v = node.as_floating_point()) { out = Value(v->get()); return true; }
  if (auto v = node.as_string()) { out = Value(v->get()); return true; }
  if (auto array = node.as_array()) {
    Value::List items;
    for (const auto& element : *array) {
      Value item;
      if (!value_from_toml(element, item)) return false;
      items.push_back(std::move(item));
    }
    out = Value(std::move(items));
    return true;
  }
  return false;
}

static void append_to_array(toml::array& array, const Value& value);

void insert_value(toml::table& table, const std::string& key, const Value& value) {
  if (value.is_bool()) table.insert_or_assign(key, value.as_bool());
  else if (value.is_integer()) table.insert_or_assign(key, value.as_integer());
  else if (value.is_float()) table.insert_or_assign(key, std::get<double>(value.data));
  else if (value.is_string()) table.insert_or_assign(key, value.as_string());
  else {
    toml::array array;
    for (const auto& item : value.as_list()) append_to_array(array, item);
    table.insert_or_assign(key, std::move(array));
  }
}

static void append_to_array(toml::array& array, const Value& value) {
  if (value.is_bool()) array.push_back(value.as_bool());
  else if (value.is_integer()) array.push_back(value.as_integer());
  else if (value.is_float()) array.push_back(std::get<double>(value.data));
  else if (value.is_string()) array.push_back(value.as_string());
  else {
    toml::array inner;
    for (const auto& item : value.as_list()) append_to_array(inner, item);
    array.push_back(std::move(inner));
  }
}

}  // namespace tunegrid
