// config_schema.h — a model config's fields declared once: the config.json key, the struct
// member it fills, its default (the struct's own initialiser) and the range or choices a
// value must lie in. The one declaration both reads config.json (typed and range-checked,
// every error an InputError naming the file and the key, via JsonConfig) and writes it
// (save_unet, save_vae, save_clip_*), so a field cannot be read and written differently and
// no value reaches a model constructor that would divide by zero, wrap around 32 bits or
// ask for a negative size. Checks across fields (channels divisible by groups, hidden size
// by heads) stay with each config, run after the fields are read.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "workers/models/model_config.h"

namespace tunegrid {

// Bounds shared by the model configs: far beyond any published model, far below what
// overflows a 32-bit size or a tensor shape computed from it.
constexpr int kMaxModelWidth = 1 << 16;     // channels, hidden sizes, heads, projection widths
constexpr int kMaxModelDepth = 256;         // layers, blocks
constexpr int kMaxVocabularySize = 1 << 22;  // token embeddings
constexpr int kMaxModelPositions = 1 << 20;  // positions, image sizes

template <class Config>
class ConfigSchema {
 public:
  using Self = ConfigSchema<Config>;

  Self& integer(const char* key, int Config::*member, int minimum, int maximum) {
    fields_.push_back({[=](const JsonConfig& json, Config& c) {
                         c.*member = json.get_int_in(key, minimum, maximum, c.*member);
                       },
                       [=](const Config& c, nlohmann::json& out) { out[key] = c.*member; }});
    return *this;
  }

  Self& number(const char* key, double Config::*member, double minimum, double maximum) {
    fields_.push_back({[=](const JsonConfig& json, Config& c) {
                         c.*member = json.get_double_in(key, minimum, maximum, c.*member);
                       },
                       [=](const Config& c, nlohmann::json& out) { out[key] = c.*member; }});
    return *this;
  }

  Self& boolean(const char* key, bool Config::*member) {
    fields_.push_back({[=](const JsonConfig& json, Config& c) { c.*member = json.get_bool(key, c.*member); },
                       [=](const Config& c, nlohmann::json& out) { out[key] = c.*member; }});
    return *this;
  }

  // A string that must be one of `choices` (any string when empty).
  Self& text(const char* key, std::string Config::*member, std::vector<std::string> choices = {}) {
    fields_.push_back({[=](const JsonConfig& json, Config& c) {
                         c.*member = json.get_string(key, c.*member);
                         check_choice(json, key, c.*member, choices);
                       },
                       [=](const Config& c, nlohmann::json& out) { out[key] = c.*member; }});
    return *this;
  }

  // A list of integers, each in [minimum, maximum], with 1 to kMaxModelDepth entries.
  Self& integer_list(const char* key, std::vector<int> Config::*member, int minimum, int maximum) {
    fields_.push_back({[=](const JsonConfig& json, Config& c) {
                         c.*member = json.get_int_list(key, c.*member);
                         check_list_length(json, key, (c.*member).size());
                         for (const int value : c.*member)
                           if (value < minimum || value > maximum)
                             json.fail(key, fmt::format("expected every entry from {} to {}, found {}", minimum,
                                                        maximum, value));
                       },
                       [=](const Config& c, nlohmann::json& out) { out[key] = c.*member; }});
    return *this;
  }

  // A list of strings, each one of `choices`, with 1 to kMaxModelDepth entries.
  Self& text_list(const char* key, std::vector<std::string> Config::*member, std::vector<std::string> choices) {
    fields_.push_back({[=](const JsonConfig& json, Config& c) {
                         c.*member = json.get_string_list(key, c.*member);
                         check_list_length(json, key, (c.*member).size());
                         for (const auto& value : c.*member) check_choice(json, key, value, choices);
                       },
                       [=](const Config& c, nlohmann::json& out) { out[key] = c.*member; }});
    return *this;
  }

  // An option of other models that tunegrid does not build: accepted only with `value`
  // (or absent / null), and written with it.
  Self& fixed(const char* key, nlohmann::json value) {
    fields_.push_back({[=](const JsonConfig& json, Config&) { json.require_default(key, value); },
                       [=](const Config&, nlohmann::json& out) { out[key] = value; }});
    return *this;
  }

  // An option tunegrid supports only at its default (absent or null), never written.
  Self& unsupported(const char* key, nlohmann::json supported) {
    fields_.push_back({[=](const JsonConfig& json, Config&) { json.require_default(key, supported); },
                       [](const Config&, nlohmann::json&) {}});
    return *this;
  }

  // A field that needs its own code (a key with two spellings, an int-or-list).
  Self& custom(std::function<void(const JsonConfig&, Config&)> read,
               std::function<void(const Config&, nlohmann::json&)> write) {
    fields_.push_back({std::move(read), std::move(write)});
    return *this;
  }

  // Defaults from Config{}, then every declared field in declaration order.
  Config read(const JsonConfig& json) const {
    Config config;
    for (const auto& field : fields_) field.read(json, config);
    return config;
  }

  // Every declared field into `out` (which may already hold _class_name and the like).
  void write(const Config& config, nlohmann::json& out) const {
    for (const auto& field : fields_) field.write(config, out);
  }

 private:
  static void check_choice(const JsonConfig& json, const char* key, const std::string& value,
                           const std::vector<std::string>& choices) {
    if (choices.empty()) return;
    for (const auto& choice : choices)
      if (value == choice) return;
    json.fail(key, fmt::format("'{}' is not supported; expected {}", abbreviate(value), join(choices, " or ")));
  }

  static void check_list_length(const JsonConfig& json, const char* key, std::size_t size) {
    if (size < 1 || size > static_cast<std::size_t>(kMaxModelDepth))
      json.fail(key, fmt::format("expected 1 to {} entries, found {}", kMaxModelDepth, size));
  }

  struct Field {
    std::function<void(const JsonConfig&, Config&)> read;
    std::function<void(const Config&, nlohmann::json&)> write;
  };
  std::vector<Field> fields_;
};

}  // namespace tunegrid
