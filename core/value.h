// value.h — a typed parameter value (bool, integer, float, string or a list of those) as
// read from an experiment TOML, with a canonical text form for job ids and conversions
// to and from toml++ nodes.
#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace toml {
inline namespace v3 {
class node;
class table;
}  // namespace v3
}  // namespace toml

namespace tunegrid {

struct Value {
  using List = std::vector<Value>;
  std::variant<bool, std::int64_t, double, std::string, List> data;

  Value() : data(false) {}
  Value(bool v) : data(v) {}
  Value(int v) : data(static_cast<std::int64_t>(v)) {}
  Value(std::int64_t v) : data(v) {}
  Value(double v) : data(v) {}
  Value(const char* v) : data(std::string(v)) {}
  Value(std::string v) : data(std::move(v)) {}
  Value(List v) : data(std::move(v)) {}

  bool is_bool() const { return std::holds_alternative<bool>(data); }
  bool is_integer() const { return std::holds_alternative<std::int64_t>(data); }
  bool is_float() const { return std::holds_alternative<double>(data); }
  bool is_number() const { return is_integer() || is_float(); }
  bool is_string() const { return std::holds_alternative<std::string>(data); }
  bool is_list() const { return std::holds_alternative<List>(data); }

  bool as_bool() const { return std::get<bool>(data); }
  std::int64_t as_integer() const { return std::get<std::int64_t>(data); }
  double as_number() const { return is_integer() ? static_cast<double>(as_integer()) : std::get<double>(data); }
  const std::string& as_string() const { return std::get<std::string>(data); }
  const List& as_list() const { return std::get<List>(data); }

  bool operator==(const Value& other) const { return data == other.data; }
  bool operator!=(const Value& other) const { return !(*this == other); }
};

// "boolean", "integer", "float", "string", "array".
const char* type_name(const Value& value);

// Deterministic text used for hashing: integers exact, floats with 17 significant digits,
// strings quoted and escaped, lists bracketed.
std::string canonical_text(const Value& value);

// For messages and tables: strings without quotes, lists as [a, b].
std::string display_text(const Value& value);

// Converts a TOML scalar or array of scalars; returns false for tables, dates and times.
bool value_from_toml(const toml::node& node, Value& out);

// Inserts (or replaces) `key = value` in a toml++ table.
void insert_value(toml::table& table, const std::string& key, const Value& value);

}  // namespace tunegrid
