// hypernetwork.cpp — see hypernetwork.h.
#include "workers/methods/hypernetwork.h"
#include "workers/methods/stable_diffusion_base.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>

#include "core/errors.h"
#include "core/text.h"
#include "workers/data/rng.h"
#include "workers/methods/torch_save_file.h"
#include "workers/methods/unet_attentions.h"
#include "workers/models/transformer_2d.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

using Modules = std::map<int, std::pair<HypernetworkMLP, HypernetworkMLP>>;

// Moves every layer's tensors to `device` (MLPs are drawn or read on the CPU, then placed
// beside the UNet).
void place(Modules& modules, const c10::Device& device) {
  for (auto& [size, pair] : modules)
    for (auto* mlp : {&pair.first, &pair.second})
      for (auto& layer : mlp->layers)
        if (layer.weight.defined()) {
          layer.weight = layer.weight.to(device);
          layer.bias = layer.bias.to(device);
        }
}

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names = {"linear", "relu", "leakyrelu", "elu", "swish", "tanh", "sigmoid"};
  return names;
}

at::Tensor activate(const at::Tensor& x, const std::string& name) {
  if (name == "relu") return at::relu(x);
  if (name == "leakyrelu") return at::leaky_relu(x, 0.01);
  if (name == "elu") return at::elu(x);
  if (name == "swish") return at::hardswish(x);  // A1111 maps "swish" to torch.nn.Hardswish
  if (name == "tanh") return at::tanh(x);
  if (name == "sigmoid") return at::sigmoid(x);
  return x;
}

// A1111's HypernetworkModule layer list for width `dim` ("Normal" initialisation).
HypernetworkMLP make_mlp(int dim, const HypernetworkConfig& c, at::Generator& generator) {
  const std::vector<double> dropout = resolved_dropout_structure(c);
  HypernetworkMLP mlp;
  const std::size_t n = c.layer_structure.size();
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const auto in = static_cast<std::int64_t>(dim * c.layer_structure[i]);
    const auto out = static_cast<std::int64_t>(dim * c.layer_structure[i + 1]);
    HypernetworkMLP::Layer linear{"linear"};
    linear.weight = at::normal(0.0, 0.01, {out, in}, generator, at::TensorOptions());
    linear.bias = at::zeros({out});
    mlp.layers.push_back(linear);
    const bool last = i + 2 >= n;
    if (c.activation_func != "linear" && (!last || c.activate_output)) mlp.layers.push_back({"activation"});
    if (c.add_layer_norm) {
      HypernetworkMLP::Layer norm{"layer_norm"};
      norm.weight = at::normal(0.0, 0.01, {out}, generator, at::TensorOptions());
      norm.bias = at::zeros({out});
      mlp.layers.push_back(norm);
    }
    if (dropout[i + 1] > 0) {
      HypernetworkMLP::Layer layer{"dropout"};
      layer.dropout = dropout[i + 1];
      mlp.layers.push_back(layer);
    }
  }
  return mlp;
}

void validate(const HypernetworkConfig& c, const std::string& what) {
  const auto& ls = c.layer_structure;
  if (ls.size() < 2 || ls.front() != 1.0 || ls.back() != 1.0)
    throw InputError(fmt::format("{}: layer_structure [{}] must start and end with 1 (e.g. 1, 2, 1)", what,
                                 fmt::join(ls, ", ")));
  for (double x : ls)
    if (!(x > 0)) throw InputError(fmt::format("{}: layer_structure has {}; expected positive factors", what, x));
  if (std::find(activation_names().begin(), activation_names().end(), c.activation_func) == activation_names().end())
    throw InputError(fmt::format("{}: unknown activation_func '{}'; expected one of {}{}", what, c.activation_func,
                                 fmt::join(activation_names(), ", "),
                                 did_you_mean(c.activation_func, activation_names())));
  (void)resolved_dropout_structure(c);
}

void install(UNet2DConditionModel& unet, std::shared_ptr<const Modules> modules, std::shared_ptr<bool> training,
             std::string activation, double multiplier) {
  for (auto& [path, attention] : unet_attentions(unet)) {
    for (int which : {0, 1}) {
      auto hook = [modules, training, activation, multiplier, which](const at::Tensor& context) {
        const auto found = modules->find(static_cast<int>(context.size(-1)));
        if (found == modules->end()) return context;
        const HypernetworkMLP& mlp = which == 0 ? found->second.first : found->second.second;
        const at::Tensor delta = mlp.forward(context, *training, activation);
        return *training ? context + delta : context + delta * multiplier;
      };
      (which == 0 ? attention->context_k_hook : attention->context_v_hook) = hook;
    }
  }
}

std::string key_of(int size, int which, std::size_t layer, const char* part) {
  return fmt::format("{}.{}.linear.{}.{}", size, which, layer, part);
}

using TensorsByName = std::map<std::string, at::Tensor>;

// The metadata fields of a hypernetwork file, each read as the type A1111 gives it (InputError naming the file and
// the field otherwise).
class MetadataFields {
 public:
  MetadataFields(const std::map<std::string, std::string>& metadata, const std::string& what)
      : metadata_(metadata), what_(what) {}

  // A field's text; it must be present.
  const std::string& field(const char* name) const {
    const auto found = metadata_.find(name);
    if (found == metadata_.end()) throw InputError(fmt::format("{}: metadata field '{}' is missing", what_, name));
    return found->second;
  }

  // A field holding "true" or "false".
  bool flag(const char* name) const {
    const std::string& text = field(name);
    if (text != "true" && text != "false")
      throw InputError(fmt::format("{}: metadata field '{}' is '{}'; expected true or false", what_, name, text));
    return text == "true";
  }

  // A field holding a JSON list of numbers.
  std::vector<double> numbers(const char* name) const {
    const std::string& text = field(name);
    const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
    std::vector<double> out;
    if (parsed.is_array())
      for (const auto& x : parsed)
        if (x.is_number()) out.push_back(x.get<double>());
    if (!parsed.is_array() || out.size() != parsed.size())
      throw InputError(
          fmt::format("{}: metadata field '{}' is '{}'; expected a JSON list of numbers", what_, name, text));
    return out;
  }

 private:
  const std::map<std::string, std::string>& metadata_;
  const std::string& what_;
};

// The config training used, from the metadata of a hypernetwork.safetensors tunegrid wrote (validated).
HypernetworkConfig config_from_metadata(std::map<std::string, std::string>& metadata, const std::string& what) {
  if (metadata["format"] != "tunegrid.hypernetwork")
    throw InputError(what + ": not a hypernetwork.safetensors written by tunegrid (metadata format is not "
                            "'tunegrid.hypernetwork')");
  const MetadataFields fields(metadata, what);
  HypernetworkConfig config;
  config.layer_structure = fields.numbers("layer_structure");
  config.activation_func = fields.field("activation_func");
  config.add_layer_norm = fields.flag("is_layer_norm");
  config.activate_output = fields.flag("activate_output");
  config.use_dropout = fields.flag("use_dropout");
  config.dropout_structure = fields.numbers("dropout_structure");
  validate(config, what);
  return config;
}

// The context widths the file has MLPs for: the "<width>." that starts every key.
std::set<int> widths_in_keys(const TensorsByName& tensors, const std::string& what) {
  std::set<int> sizes;
  for (const auto& item : tensors) {
    int size = 0;
    if (std::sscanf(item.first.c_str(), "%d.", &size) != 1 || size <= 0)
      throw InputError(fmt::format("{}: unexpected key '{}'; expected '<width>.<0|1>.linear.<i>.<weight|bias>'", what,
                                   item.first));
    sizes.insert(size);
  }
  return sizes;
}

// A hypernetwork file being loaded: its tensors, the config its metadata describes, its name for messages.
struct HypernetworkFile {
  const TensorsByName& tensors;
  const HypernetworkConfig& config;
  const std::string& what;
};

// Replaces `target` (a layer's weight or bias) with the file's tensor `key`, which must be there with its shape.
void fill_parameter(at::Tensor& target, const std::string& key, const HypernetworkFile& file) {
  const auto found = file.tensors.find(key);
  if (found == file.tensors.end())
    throw InputError(fmt::format("{}: tensor '{}' is missing (layer_structure [{}], is_layer_norm {})", file.what, key,
                                 fmt::join(file.config.layer_structure, ", "), file.config.add_layer_norm));
  if (found->second.sizes() != target.sizes())
    throw InputError(fmt::format("{}: tensor '{}' has shape {}; expected {}", file.what, key,
                                 fmt::join(found->second.sizes(), "x"), fmt::join(target.sizes(), "x")));
  target = found->second.to(at::kFloat);
}

// Fills the weights and biases of one MLP (`which`: 0 for k, 1 for v) of width `size`; returns the tensors used.
std::size_t fill_mlp(HypernetworkMLP& mlp, int size, int which, const HypernetworkFile& file) {
  std::size_t used = 0;
  for (std::size_t i = 0; i < mlp.layers.size(); ++i) {
    auto& layer = mlp.layers[i];
    if (!layer.weight.defined()) continue;
    for (const char* part : {"weight", "bias"}) {
      at::Tensor& target = std::string(part) == "weight" ? layer.weight : layer.bias;
      fill_parameter(target, key_of(size, which, i, part), file);
      ++used;
    }
  }
  return used;
}

// Each width's MLP pair rebuilt as training built it and filled from the file, which must hold nothing else.
Modules modules_from_file(const HypernetworkFile& file) {
  const std::set<int> sizes = widths_in_keys(file.tensors, file.what);
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(0);
  Modules modules;
  std::size_t used = 0;
  for (int size : sizes) {
    auto& pair = modules[size];
    pair = {make_mlp(size, file.config, generator), make_mlp(size, file.config, generator)};
    used += fill_mlp(pair.first, size, 0, file);
    used += fill_mlp(pair.second, size, 1, file);
  }
  if (used != file.tensors.size())
    throw InputError(fmt::format("{}: {} tensor(s) do not belong to the MLPs its metadata describes", file.what,
                                 file.tensors.size() - used));
  return modules;
}

}  // namespace

at::Tensor HypernetworkMLP::forward(const at::Tensor& x, bool training, const std::string& activation) const {
  at::Tensor h = x;
  for (const auto& layer : layers) {
    if (layer.kind == "linear") h = at::linear(h, layer.weight, layer.bias);
    else if (layer.kind == "activation") h = activate(h, activation);
    else if (layer.kind == "layer_norm") h = at::layer_norm(h, {layer.weight.size(0)}, layer.weight, layer.bias);
    else h = at::dropout(h, layer.dropout, training);
  }
  return h;
}

void Hypernetwork::attach(StableDiffusion& model) {
  validate(config_, "hypernetwork");
  freeze_all(model);
  std::set<int> widths;
  for (const auto& [path, attention] : unet_attentions(model.unet)) widths.insert(static_cast<int>(attention->to_k->weight.size(1)));
  std::vector<int> sizes = config_.enable_sizes;
  if (sizes.empty()) sizes.assign(widths.begin(), widths.end());
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(mix_seed(seed_, 0x4e7));
  for (int size : sizes) {
    if (!widths.count(size))
      throw InputError(fmt::format("hypernetwork: enable_sizes has {}, but this UNet's attention context widths are {}",
                                   size, fmt::join(widths, ", ")));
    modules_[size] = {make_mlp(size, config_, generator), make_mlp(size, config_, generator)};
  }
  place(modules_, model.device());  // drawn on the CPU: the same MLPs on every device
  for (auto& [size, pair] : modules_)
    for (auto* mlp : {&pair.first, &pair.second})
      for (auto& layer : mlp->layers)
        if (layer.weight.defined()) {
          layer.weight.set_requires_grad(true);
          layer.bias.set_requires_grad(true);
        }
  // The hooks share the modules (tensors are handles: training updates them in place).
  install(model.unet, std::make_shared<const Modules>(modules_), training_, config_.activation_func,
          config_.multiplier);
}

NamedTensors Hypernetwork::trainable() {
  NamedTensors out;
  for (auto& [size, pair] : modules_)
    for (int which : {0, 1}) {
      const auto& mlp = which == 0 ? pair.first : pair.second;
      for (std::size_t i = 0; i < mlp.layers.size(); ++i)
        if (mlp.layers[i].weight.defined()) {
          out.emplace_back(key_of(size, which, i, "weight"), mlp.layers[i].weight);
          out.emplace_back(key_of(size, which, i, "bias"), mlp.layers[i].bias);
        }
    }
  return out;
}

void Hypernetwork::save(const std::filesystem::path& dir, int step) {
  const std::vector<double> dropout_structure = resolved_dropout_structure(config_);
  const std::map<std::string, std::string> fields = {
      {"name", config_.name},
      {"step", std::to_string(step)},
      {"layer_structure", nlohmann::json(config_.layer_structure).dump()},
      {"activation_func", config_.activation_func},
      {"is_layer_norm", config_.add_layer_norm ? "true" : "false"},
      {"weight_initialization", "Normal"},
      {"use_dropout", config_.use_dropout ? "true" : "false"},
      {"dropout_structure", nlohmann::json(dropout_structure).dump()},
      {"activate_output", config_.activate_output ? "true" : "false"},
      {"last_layer_dropout", config_.last_layer_dropout ? "true" : "false"},
      {"format", "tunegrid.hypernetwork"},
      {"format_version", "1"}};
  save_tensors(dir / "hypernetwork.safetensors", trainable(), fields);

  // The AUTOMATIC1111 .pt: {size: [state_dict_k, state_dict_v], fields...}.
  c10::impl::GenericDict data(c10::AnyType::get(), c10::AnyType::get());
  for (auto& [size, pair] : modules_) {
    c10::impl::GenericList states(c10::AnyType::get());
    for (const auto* mlp : {&pair.first, &pair.second}) {
      c10::Dict<std::string, at::Tensor> state;
      for (std::size_t i = 0; i < mlp->layers.size(); ++i)
        if (mlp->layers[i].weight.defined()) {
          // On the CPU: a .pt names its tensors' device, and A1111 loads it anywhere.
          state.insert(fmt::format("linear.{}.weight", i), mlp->layers[i].weight.detach().cpu().clone());
          state.insert(fmt::format("linear.{}.bias", i), mlp->layers[i].bias.detach().cpu().clone());
        }
      states.push_back(state);
    }
    data.insert(static_cast<std::int64_t>(size), states);
  }
  // Lists typed Any: a float list would be pickled as torch.jit._pickle.build_doublelist.
  c10::impl::GenericList layer_structure(c10::AnyType::get()), dropout(c10::AnyType::get());
  for (double x : config_.layer_structure) layer_structure.push_back(x);
  for (double x : dropout_structure) dropout.push_back(x);
  data.insert("step", static_cast<std::int64_t>(step));
  data.insert("name", config_.name);
  data.insert("layer_structure", layer_structure);
  data.insert("activation_func", config_.activation_func);
  data.insert("is_layer_norm", config_.add_layer_norm);
  data.insert("weight_initialization", std::string("Normal"));
  data.insert("sd_checkpoint", c10::IValue());
  data.insert("sd_checkpoint_name", c10::IValue());
  data.insert("activate_output", config_.activate_output);
  data.insert("use_dropout", config_.use_dropout);
  data.insert("dropout_structure", dropout);
  data.insert("last_layer_dropout", config_.last_layer_dropout);
  data.insert("optional_info", c10::IValue());
  write_torch_save_file(dir / (config_.name + ".pt"), data);
}

std::vector<double> resolved_dropout_structure(const HypernetworkConfig& c) {
  const std::size_t n = c.layer_structure.size();
  if (c.dropout_structure.empty()) {  // A1111's parse_dropout_structure
    std::vector<double> out(n, 0.0);
    if (c.use_dropout && n >= 2) {
      for (std::size_t i = 1; i + 2 < n; ++i) out[i] = 0.3;
      if (c.last_layer_dropout && n >= 3) out[n - 2] = 0.3;
    }
    return out;
  }
  const auto& d = c.dropout_structure;
  if (d.size() != n)
    throw InputError(fmt::format("hypernetwork: dropout_structure [{}] has {} entries; expected one per "
                                 "layer_structure entry ({})", fmt::join(d, ", "), d.size(), n));
  if (d.front() != 0.0 || d.back() != 0.0)
    throw InputError(fmt::format("hypernetwork: dropout_structure [{}] must start and end with 0", fmt::join(d, ", ")));
  for (double x : d)
    if (!(x >= 0.0 && x < 1.0))
      throw InputError(fmt::format("hypernetwork: dropout_structure has {}; expected probabilities in [0, 1)", x));
  return d;
}

void load_hypernetwork(StableDiffusion& model, const std::filesystem::path& file, double multiplier) {
  std::map<std::string, std::string> metadata;
  const auto tensors = load_tensors(file, &metadata);
  const std::string what = file.string();
  const HypernetworkConfig config = config_from_metadata(metadata, what);
  // The sizes present, then each MLP rebuilt as training built it and filled from the file.
  Modules modules = modules_from_file({tensors, config, what});
  place(modules, model.device());
  install(model.unet, std::make_shared<const Modules>(modules), std::make_shared<bool>(false), config.activation_func,
          multiplier);
}

}  // namespace tunegrid
