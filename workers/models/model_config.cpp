// model_config.cpp — see model_config.h.
#include "workers/models/model_config.h"

#include <fmt/format.h>

#include <fstream>

#include "core/errors.h"

namespace tunegrid {

JsonConfig::JsonConfig(const std::filesystem::path& file) : source_(file.string()) {
  std::ifstream in(file);
  if (!in) throw InputError(fmt::format("{}: missing (a model folder needs its config.json)", source_));
  try {
    document_ = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& error) {
    throw InputError(fmt::format("{}: invalid JSON at byte {}: {}", source_, error.byte, error.what()));
  }
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

namespace {
std::string shown(const nlohmann::json& value) {
  std::string text = value.dump();
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}
}  // namespace

int JsonConfig::get_int(const std::string& key, std::optional<int> fallback) const {
  const nlohmann::json* value = find(key);
  if (!value) {
    if (fallback) return *fallback;
    fail(key, "missing; expected an integer");
  }
  if (!value->is_number_integer()) fail(key, "expected an integer, found " + shown(*value));
  return value->get<int>();
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
    out.push_back(item.get<int>());
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
  if (value->is_number_integer()) return std::vector<int>(count, value->get<int>());
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

}  // namespace tunegrid
