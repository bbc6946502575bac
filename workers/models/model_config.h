// model_config.h — reading a model folder's config.json (diffusers / transformers) into a
// config struct: typed getters with defaults, and errors that name the file and the key
// and say what was expected (InputError). One config struct per model lives beside the
// model (unet_2d_condition.h, autoencoder_kl.h, clip_text_model.h, ...).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_file.h"

namespace tunegrid {

class JsonConfig;

// A diffusers pipeline folder's model_index.json; InputError naming `dir` when it is not a folder.
JsonConfig open_model_index(const std::filesystem::path& dir);

// Copies the plain files of a pipeline component folder (a tokenizer's, a scheduler's) into `to`,
// created when missing: what a saved pipeline keeps of the folder it came from.
void copy_component_files(const std::filesystem::path& from, const std::filesystem::path& to);

class JsonConfig {
 public:
  explicit JsonConfig(const std::filesystem::path& file);
  JsonConfig(nlohmann::json document, std::string source);  // tests, nested configs

  bool has(const std::string& key) const;
  int get_int(const std::string& key, std::optional<int> fallback = std::nullopt) const;
  // The same, refusing values outside [minimum, maximum] with the range in the message.
  int get_int_in(const std::string& key, int minimum, int maximum, std::optional<int> fallback = std::nullopt) const;
  double get_double_in(const std::string& key, double minimum, double maximum,
                       std::optional<double> fallback = std::nullopt) const;
  double get_double(const std::string& key, std::optional<double> fallback = std::nullopt) const;
  bool get_bool(const std::string& key, std::optional<bool> fallback = std::nullopt) const;
  std::string get_string(const std::string& key, std::optional<std::string> fallback = std::nullopt) const;
  std::vector<int> get_int_list(const std::string& key, std::optional<std::vector<int>> fallback = std::nullopt) const;
  std::vector<std::string> get_string_list(const std::string& key,
                                           std::optional<std::vector<std::string>> fallback = std::nullopt) const;
  // An int or a list of ints (e.g. attention_head_dim), expanded to `count` entries.
  std::vector<int> get_int_or_list(const std::string& key, std::size_t count, std::optional<int> fallback) const;
  // The key is absent or null.
  bool is_null(const std::string& key) const;

  // Throws InputError("<file>: key '<key>': <message>").
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // Fails unless the key is absent, null, or equal to `supported` (for options not implemented).
  void require_default(const std::string& key, const nlohmann::json& supported) const;

  const std::string& source() const { return source_; }
  const nlohmann::json& document() const { return document_; }

 private:
  const nlohmann::json* find(const std::string& key) const;
  int checked_int(const nlohmann::json& value, const std::string& key) const;
  nlohmann::json document_;
  std::string source_;
};

}  // namespace tunegrid
