// weights.cpp — see weights.h.
#include "workers/models/weights.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include <ATen/ATen.h>

#include "core/errors.h"
#include "core/json_file.h"
#include "core/log.h"
#include "core/safetensors.h"
#include "core/text.h"

namespace tunegrid {

namespace {

at::ScalarType scalar_type_of(DType dtype) {
  switch (dtype) {
    case DType::F64: return at::kDouble;
    case DType::F32: return at::kFloat;
    case DType::F16: return at::kHalf;
    case DType::BF16: return at::kBFloat16;
    case DType::I64: return at::kLong;
    case DType::I32: return at::kInt;
    case DType::I16: return at::kShort;
    case DType::I8: return at::kChar;
    case DType::U8: return at::kByte;
    case DType::BOOL: return at::kBool;
  }
  return at::kFloat;
}

bool dtype_of(at::ScalarType type, DType& out) {
  switch (type) {
    case at::kDouble: out = DType::F64; return true;
    case at::kFloat: out = DType::F32; return true;
    case at::kHalf: out = DType::F16; return true;
    case at::kBFloat16: out = DType::BF16; return true;
    case at::kLong: out = DType::I64; return true;
    case at::kInt: out = DType::I32; return true;
    case at::kShort: out = DType::I16; return true;
    case at::kChar: out = DType::I8; return true;
    case at::kByte: out = DType::U8; return true;
    case at::kBool: out = DType::BOOL; return true;
    default: return false;
  }
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::vector<std::string> parts;
  for (auto d : shape) parts.push_back(std::to_string(d));
  return "[" + join(parts, ", ") + "]";
}

}  // namespace

WeightSource::WeightSource(const std::filesystem::path& file) : path_(file) {
  const std::string name = file.filename().string();
  const bool index = name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0;
  if (!index) {
    files_.push_back(std::make_unique<SafetensorsFile>(file));
  } else {
    nlohmann::json document = read_json_file(file, "sharded checkpoint index");
    if (!document.contains("weight_map") || !document["weight_map"].is_object())
      throw InputError(fmt::format("{}: key 'weight_map': missing; expected {{tensor name: shard file}}", file.string()));
    std::set<std::string> shards;
    for (const auto& [tensor, shard] : document["weight_map"].items()) {
      if (!shard.is_string()) throw InputError(fmt::format("{}: weight_map['{}'] is not a file name", file.string(), tensor));
      shards.insert(shard.get<std::string>());
    }
    for (const auto& shard : shards) files_.push_back(std::make_unique<SafetensorsFile>(file.parent_path() / shard));
  }
  for (const auto& f : files_)
    for (const auto& tensor : f->names()) owner_[tensor] = f.get();
}

WeightSource::~WeightSource() = default;

std::filesystem::path WeightSource::find_in(const std::filesystem::path& dir, const std::string& stem) {
  const auto single = dir / (stem + ".safetensors");
  if (std::filesystem::exists(single)) return single;
  const auto index = dir / (stem + ".safetensors.index.json");
  if (std::filesystem::exists(index)) return index;
  throw InputError(fmt::format("{}: no weights: expected {} or {}", dir.string(), single.filename().string(),
                               index.filename().string()));
}

std::vector<std::string> WeightSource::names() const {
  std::vector<std::string> out;
  for (const auto& [name, file] : owner_) out.push_back(name);
  return out;
}

bool WeightSource::contains(const std::string& name) const { return owner_.count(name) != 0; }

std::vector<std::int64_t> WeightSource::shape(const std::string& name) const { return owner_.at(name)->info(name).shape; }

at::Tensor WeightSource::tensor(const std::string& name) const {
  const SafetensorsFile& file = *owner_.at(name);
  const TensorInfo& info = file.info(name);
  const auto options = at::TensorOptions().dtype(scalar_type_of(info.dtype));
  // from_blob does not own the mapping; clone() copies it out.
  return at::from_blob(const_cast<std::uint8_t*>(file.data(name)), info.shape, options).clone();
}

std::string WeightSource::describe() const { return path_.string(); }

LoadReport load_weights(torch::nn::Module& module, const WeightSource& source, const std::string& prefix,
                        const KeyRename& rename) {
  // The file's keys, renamed into the module's naming, restricted to the prefix.
  std::map<std::string, std::string> by_module_key;  // module key -> file key
  LoadReport report;
  for (const auto& file_key : source.names()) {
    const std::string key = rename ? rename(file_key) : file_key;
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    by_module_key[key.substr(prefix.size())] = file_key;
  }
  std::vector<std::string> available;
  for (const auto& [key, file_key] : by_module_key) available.push_back(key);

  std::set<std::string> used;
  std::vector<std::string> missing;
  torch::NoGradGuard no_grad;
  auto copy_in = [&](const std::string& name, at::Tensor& target) {
    const auto it = by_module_key.find(name);
    if (it == by_module_key.end()) {
      missing.push_back(name);
      return;
    }
    const std::vector<std::int64_t> found = source.shape(it->second);
    const std::vector<std::int64_t> expected(target.sizes().begin(), target.sizes().end());
    if (found != expected)
      throw InputError(fmt::format("{}: tensor '{}' has shape {}, but the model expects {} for '{}{}'",
                                   source.describe(), it->second, shape_text(found), shape_text(expected), prefix, name));
    target.copy_(source.tensor(it->second));
    used.insert(name);
    ++report.loaded;
  };
  for (auto& item : module.named_parameters(true)) copy_in(item.key(), item.value());
  for (auto& item : module.named_buffers(true)) copy_in(item.key(), item.value());
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 5; ++i)
      list += fmt::format("\n  {}{}{}", prefix, missing[i], did_you_mean(missing[i], available));
    throw InputError(fmt::format("{}: {} tensor(s) the model needs are missing:{}{}", source.describe(),
                                 missing.size(), list, missing.size() > 5 ? "\n  ..." : ""));
  }
  for (const auto& [key, file_key] : by_module_key)
    if (!used.count(key)) report.unexpected.push_back(file_key);
  return report;
}

void load_module_weights(torch::nn::Module& module, const std::filesystem::path& dir, const std::string& stem,
                         const KeyRename& rename) {
  const WeightSource weights(WeightSource::find_in(dir, stem));
  for (const auto& key : load_weights(module, weights, "", rename).unexpected)
    if (key.find("position_ids") == std::string::npos)
      log::warn("models", "{}: unexpected tensor {}", weights.describe(), key);
}

void save_tensors(const std::filesystem::path& file, const std::vector<std::pair<std::string, at::Tensor>>& named,
                  const std::map<std::string, std::string>& metadata) {
  std::vector<at::Tensor> keep;  // owns the contiguous copies while writing
  std::vector<TensorToWrite> tensors;
  for (const auto& [name, value] : named) {
    at::Tensor stored = value.detach().to(at::kCPU).contiguous();
    if (at::isFloatingType(stored.scalar_type())) stored = stored.to(at::kFloat);
    TensorToWrite tensor;
    tensor.name = name;
    if (!dtype_of(stored.scalar_type(), tensor.dtype))
      throw StoreError(fmt::format("{}: cannot store tensor '{}' of type {}", file.string(), tensor.name,
                                   std::string(c10::toString(stored.scalar_type()))));
    tensor.shape.assign(stored.sizes().begin(), stored.sizes().end());
    tensor.data = stored.data_ptr();
    keep.push_back(stored);
    tensors.push_back(std::move(tensor));
  }
  write_safetensors(file, tensors, metadata);
}

std::map<std::string, at::Tensor> load_tensors(const std::filesystem::path& file,
                                               std::map<std::string, std::string>* metadata) {
  const SafetensorsFile source(file);
  if (metadata) *metadata = source.metadata();
  const WeightSource weights(file);
  std::map<std::string, at::Tensor> out;
  for (const auto& name : weights.names()) out.emplace(name, weights.tensor(name));
  return out;
}

void save_weights(const torch::nn::Module& module, const std::filesystem::path& file, const std::string& prefix,
                  const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, at::Tensor>> named;
  for (const auto& item : module.named_parameters(true)) named.emplace_back(prefix + item.key(), item.value());
  for (const auto& item : module.named_buffers(true)) named.emplace_back(prefix + item.key(), item.value());
  save_tensors(file, named, metadata);
}

}  // namespace tunegrid
