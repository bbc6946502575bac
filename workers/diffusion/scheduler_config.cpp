// scheduler_config.cpp — reading and checking a diffusers scheduler_config.json into SchedulerConfig
// (defaults of diffusers/schedulers/scheduling_ddpm.py, scheduling_ddim.py, scheduling_euler_discrete.py).
#include "workers/diffusion/scheduler_config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "core/errors.h"
#include "workers/models/model_config.h"

namespace tunegrid {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& what) {
  throw InputError(source + ": key \"" + key + "\": " + what);
}

std::string shown(const json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// Reads the typed keys of one JSON object; a missing or null key leaves the default in place.
class Reader {
 public:
  Reader(const json& document, std::string source) : document_(document), source_(std::move(source)) {}

  const json* find(const std::string& key) const {
    auto it = document_.find(key);
    if (it == document_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  void integer(const std::string& key, std::int64_t& out) const {
    if (const json* value = find(key)) {
      if (!value->is_number_integer()) fail(source_, key, "expected an integer, got " + shown(*value));
      out = value->get<std::int64_t>();
    }
  }
  void number(const std::string& key, double& out) const {
    if (const json* value = find(key)) {
      if (!value->is_number()) fail(source_, key, "expected a number, got " + shown(*value));
      out = value->get<double>();
    }
  }
  void number(const std::string& key, std::optional<double>& out) const {
    double value = 0.0;
    if (find(key)) {
      number(key, value);
      out = value;
    }
  }
  void boolean(const std::string& key, bool& out) const {
    if (const json* value = find(key)) {
      if (!value->is_boolean()) fail(source_, key, "expected true or false, got " + shown(*value));
      out = value->get<bool>();
    }
  }
  void string(const std::string& key, std::string& out) const {
    if (const json* value = find(key)) {
      if (!value->is_string()) fail(source_, key, "expected a string, got " + shown(*value));
      out = value->get<std::string>();
    }
  }
  void string(const std::string& key, std::optional<std::string>& out) const {
    std::string value;
    if (find(key)) {
      string(key, value);
      out = value;
    }
  }
  void numbers(const std::string& key, std::vector<double>& out) const {
    if (const json* value = find(key)) {
      if (!value->is_array()) fail(source_, key, "expected an array of numbers or null, got " + shown(*value));
      out.clear();
      for (const json& item : *value) {
        if (!item.is_number()) fail(source_, key, "expected an array of numbers, found " + shown(item));
        out.push_back(item.get<double>());
      }
    }
  }

 private:
  const json& document_;
  std::string source_;
};

void require_one_of(const std::string& source, const std::string& key, const std::string& value,
                    std::initializer_list<const char*> allowed) {
  for (const char* candidate : allowed)
    if (value == candidate) return;
  std::string list;
  for (const char* candidate : allowed) list += std::string(list.empty() ? "" : ", ") + "\"" + candidate + "\"";
  fail(source, key, "unsupported value \"" + value + "\" (expected one of " + list + ")");
}

}  // namespace

void validate_scheduler_config(const SchedulerConfig& config, const std::string& source) {
  constexpr std::int64_t max_timesteps = 1000000;  // the schedules are tables of this length
  if (config.num_train_timesteps < 2 || config.num_train_timesteps > max_timesteps)
    fail(source, "num_train_timesteps", fmt::format("must be from 2 to {}, found {}", max_timesteps,
                                                    config.num_train_timesteps));
  if (config.trained_betas.empty()) {
    require_one_of(source, "beta_schedule", config.beta_schedule, {"linear", "scaled_linear", "squaredcos_cap_v2"});
    if (config.beta_start < 0.0 || config.beta_start >= 1.0) fail(source, "beta_start", "must be in [0, 1)");
    if (config.beta_end < 0.0 || config.beta_end >= 1.0) fail(source, "beta_end", "must be in [0, 1)");
  } else {
    if (static_cast<std::int64_t>(config.trained_betas.size()) != config.num_train_timesteps)
      fail(source, "trained_betas",
           "has " + std::to_string(config.trained_betas.size()) + " values but num_train_timesteps is " +
               std::to_string(config.num_train_timesteps));
    for (double beta : config.trained_betas)
      if (!(beta >= 0.0 && beta < 1.0)) fail(source, "trained_betas", "values must be in [0, 1)");
  }
  require_one_of(source, "prediction_type", config.prediction_type, {"epsilon", "v_prediction", "sample"});
  if (config.timestep_spacing)
    require_one_of(source, "timestep_spacing", *config.timestep_spacing, {"leading", "trailing", "linspace"});
  if (config.steps_offset < 0 || config.steps_offset >= config.num_train_timesteps)
    fail(source, "steps_offset", "must be in [0, num_train_timesteps)");
  if (!(config.clip_sample_range > 0.0)) fail(source, "clip_sample_range", "must be positive");
  if (!(config.dynamic_thresholding_ratio > 0.0 && config.dynamic_thresholding_ratio <= 1.0))
    fail(source, "dynamic_thresholding_ratio", "must be in (0, 1]");
  if (!(config.sample_max_value >= 1.0)) fail(source, "sample_max_value", "must be at least 1");
  require_one_of(source, "variance_type", config.variance_type,
                 {"fixed_small", "fixed_small_log", "fixed_large", "fixed_large_log", "learned", "learned_range"});
  require_one_of(source, "interpolation_type", config.interpolation_type, {"linear", "log_linear"});
  if (config.use_beta_sigmas) fail(source, "use_beta_sigmas", "true is not supported (only false)");
  if (config.use_karras_sigmas && config.use_exponential_sigmas)
    fail(source, "use_exponential_sigmas", "cannot be true together with use_karras_sigmas");
  if (config.sigma_min && !(*config.sigma_min > 0.0)) fail(source, "sigma_min", "must be positive");
  if (config.sigma_max && !(*config.sigma_max > 0.0)) fail(source, "sigma_max", "must be positive");
  require_one_of(source, "timestep_type", config.timestep_type, {"discrete", "continuous"});
  require_one_of(source, "final_sigmas_type", config.final_sigmas_type, {"zero", "sigma_min"});
}

SchedulerConfig read_scheduler_config(const std::filesystem::path& path) {
  const std::string source = path.string();
  return scheduler_config_from_json(read_json_file(path, "scheduler config"), source);
}

SchedulerConfig scheduler_config_from_json(const nlohmann::json& document, const std::string& source) {
  if (!document.is_object()) throw InputError(source + ": expected a JSON object at the top level");
  SchedulerConfig config;
  const Reader read(document, source);
  read.string("_class_name", config.class_name);
  read.integer("num_train_timesteps", config.num_train_timesteps);
  read.number("beta_start", config.beta_start);
  read.number("beta_end", config.beta_end);
  read.string("beta_schedule", config.beta_schedule);
  read.numbers("trained_betas", config.trained_betas);
  read.boolean("rescale_betas_zero_snr", config.rescale_betas_zero_snr);
  read.string("prediction_type", config.prediction_type);
  read.string("timestep_spacing", config.timestep_spacing);
  read.integer("steps_offset", config.steps_offset);
  read.boolean("set_alpha_to_one", config.set_alpha_to_one);
  read.boolean("clip_sample", config.clip_sample);
  read.number("clip_sample_range", config.clip_sample_range);
  read.boolean("thresholding", config.thresholding);
  read.number("dynamic_thresholding_ratio", config.dynamic_thresholding_ratio);
  read.number("sample_max_value", config.sample_max_value);
  read.string("variance_type", config.variance_type);
  read.string("interpolation_type", config.interpolation_type);
  read.boolean("use_karras_sigmas", config.use_karras_sigmas);
  read.boolean("use_exponential_sigmas", config.use_exponential_sigmas);
  read.boolean("use_beta_sigmas", config.use_beta_sigmas);
  read.number("sigma_min", config.sigma_min);
  read.number("sigma_max", config.sigma_max);
  read.string("timestep_type", config.timestep_type);
  read.string("final_sigmas_type", config.final_sigmas_type);
  validate_scheduler_config(config, source);
  return config;
}

}  // namespace tunegrid
