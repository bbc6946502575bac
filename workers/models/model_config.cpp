// model_config.cpp — see model_config.h.
#include "workers/models/model_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/errors.h"
#include "core/input_file.h"
#include "core/json_file.h"

namespace tunegrid {

namespace {
std::string shown(const nlohmann::json& value) {
  std::string text = value.dump();
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}
}  // namespace

JsonConfig open_model_index(const std::filesystem::path& dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error))
    throw InputError(
        fmt::format("{}: not a model folder (expected a diffusers folder with model_index.json)", dir.string()));
  return JsonConfig(dir / "model_index.json");
}

JsonConfig::JsonConfig(const std::filesystem::path& file) : source_(file.string()) {
  if (describe_non_regular_file(file) == "does not exist")
    throw InputError(fmt::format("{}: missing (a model folder needs its config.json)", source_));
  document_ = read_json_file(file, "model config");
  if (!document_.is_object()) throw InputError(fmt::format("{}: expected a JSON object", source_));
}

JsonConfig::JsonConfig(nlohmann::json document, std::string source)
    : document_(std::move(document)), source_(std::move(source)) {}

const nlohmann::json* JsonConfig::find(const std::string& key) const {
  const auto it = document_.find(key);
  if (it == document_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool JsonConfig::has(const std::string& key) const { return document_.contains(key); }
bool JsonConfig::is_null(const std::string& key) const { return find(key) == nullptr; }

void JsonConfig::fail(const std::string& key, const std::string& message) const {
  throw InputError(fmt::format("{}: key '{}': {}", source_, key, message));
}


// An integer JSON value as an int; nlohmann's get<int>() would wrap 10^12 around silently.
int JsonConfig::checked_int(const nlohmann::json& value, const std::string& key) const {
  const bool fits = value.is_number_unsigned() ? value.get<std::uint64_t>() <= std::numeric_limits<int>::max()
                                               : value.get<std::int64_t>() >= std::numeric_limits<int>::min() &&
                                                     value.get<std::int64_t>() <= std::numeric_limits<int>::max();
  if (!fits) fail(key, fmt::format("{} does not fit in a 32-bit integer", shown(value)));
  return value.get<int>();
}

int JsonConfig::get_int(const std::string& key, std::optional<int> fallback) const {
  const nlohmann::json* value = find(key);
  if (!value) {
    if (fallback) return *fallback;
    fail(key, "missing; expected an integer");
  }
  if (!value->is_number_integer()) fail(key, "expected an integer, found " + shown(*value));
  return checked_int(*value, key);
}

int JsonConfig::get_int_in(const std::string& key, int minimum, int maximum, std::optional<int> fallback) const {
  const int value = get_int(key, fallback);
  if (value < minimum || value > maximum)
    fail(key, fmt::format("expected an integer from {} to {}, found {}", minimum, maximum, value));
  return value;
}

double JsonConfig::get_double_in(const std::string& key, double minimum, double maximum,
                                 std::optional<double> fallback) const {
  const double value = get_double(key, fallback);
  if (!(value >= minimum && value <= maximum))
    fail(key, fmt::format("expected a number from {:g} to {:g}, found {:g}", minimum, maximum, value));
  return value;
}

double JsonConfig::get_double(const std::string& key, std::optional<double> fallback) const {
  const nlohmann::json* value = find(key);
  if (!value) {
    if (fallback) return *fallback;
    fail(key, "missing; expected a number");
  }
  if (!value->is_number()) fail(key, "expected a number, found " + shown(*value));
  return value->get<double>();
}

bool JsonConfig::get_bool(const std::string& key, std::optional<bool> fallback) const {
  const nlohmann::json* value = find(key);
  if (!value) {
    if (fallback) return *fallback;
    fail(key, "missing; expected true or false");
  }
  if (!value->is_boolean()) fail(key, "expected true or false, found " + shown(*value));
  return value->get<bool>();
}

std::string JsonConfig::get_string(const std::string& key, std::optional<std::string> fallback) const {
  const nlohmann::json* value = find(key);
  if (!value) {
    if (fallback) return *fallback;
    fail(key, "missing; expected a string");
  }
  if (!value->is_string()) fail(key, "expected a string, found " + shown(*value));
  return value->get<std::string>();
}

std::vector<int> JsonConfig::get_int_list(const std::string& key, std::optional<std::vector<int>> fallback) const {
  const nlohmann::json* value = find(key);
  if (!value) {
    if (fallback) return *fallback;
    fail(key, "missing; expected a list of integers");
  }
  if (!value->is_array()) fail(key, "expected a list of integers, found " + shown(*value));
  std::vector<int> out;
  for (const auto& item : *value) {
    if (!item.is_number_integer()) fail(key, "expected a list of integers, found " + shown(*value));
    out.push_back(checked_int(item, key));
  }
  return out;
}

std::vector<std::string> JsonConfig::get_string_list(const std::string& key,
                                                     std::optional<std::vector<std::string>> fallback) const {
  const nlohmann::json* value = find(key);
  if (!value) {
    if (fallback) return *fallback;
    fail(key, "missing; expected a list of strings");
  }
  if (!value->is_array()) fail(key, "expected a list of strings, found " + shown(*value));
  std::vector<std::string> out;
  for (const auto& item : *value) {
    if (!item.is_string()) fail(key, "expected a list of strings, found " + shown(*value));
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<int> JsonConfig::get_int_or_list(const std::string& key, std::size_t count, std::optional<int> fallback) const {
  const nlohmann::json* value = find(key);
  if (!value) {
    if (!fallback) fail(key, "missing; expected an integer or a list of integers");
    return std::vector<int>(count, *fallback);
  }
  if (value->is_number_integer()) return std::vector<int>(count, checked_int(*value, key));
  std::vector<int> list = get_int_list(key);
  if (list.size() != count) fail(key, fmt::format("expected {} entries (one per block), found {}", count, list.size()));
  return list;
}

void JsonConfig::require_default(const std::string& key, const nlohmann::json& supported) const {
  const nlohmann::json* value = find(key);
  if (!value || *value == supported) return;
  fail(key, fmt::format("{} is not supported by tunegrid (supported: {})", shown(*value),
                        supported.is_null() ? "null" : supported.dump()));
}

void copy_component_files(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  if (std::filesystem::equivalent(from, to)) return;  // saved where it was read from
  for (const auto& entry : std::filesystem::directory_iterator(from))
    if (entry.is_regular_file())
      std::filesystem::copy_file(entry.path(), to / entry.path().filename(),
                                 std::filesystem::copy_options::overwrite_existing);
}

}  // namespace tunegrid
