// flux_lora_files.cpp — see flux_lora_files.h.
#include "workers/methods/flux_lora_files.h"

#include <map>
#include <optional>
#include <regex>
#include <set>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "core/errors.h"
#include "workers/methods/flux_lora.h"
#include "workers/methods/lora_adapter_metadata.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

// One kohya module: its name and the diffusers modules it fuses, in order.
struct KohyaModule {
  std::string name;
  std::vector<std::string> parts;
  bool swap_halves = false;  // final_layer_adaLN_modulation_1: (shift, scale) against diffusers' (scale, shift)
};

// A single-stream block's module (single_transformer_blocks.N.<rest>).
std::optional<KohyaModule> single_block_module(const std::string& block, const std::string& rest) {
  const std::string base = "single_transformer_blocks." + block + ".";
  const std::string name = "lora_unet_single_blocks_" + block + "_";
  if (rest == "attn.to_q" || rest == "attn.to_k" || rest == "attn.to_v" || rest == "proj_mlp")
    return KohyaModule{name + "linear1", {base + "attn.to_q", base + "attn.to_k", base + "attn.to_v", base + "proj_mlp"}};
  if (rest == "proj_out") return KohyaModule{name + "linear2", {base + rest}};
  if (rest == "norm.linear") return KohyaModule{name + "modulation_lin", {base + rest}};
  return std::nullopt;
}

// A double-stream block's module (transformer_blocks.N.<rest>).
std::optional<KohyaModule> double_block_module(const std::string& block, const std::string& rest) {
  const std::string base = "transformer_blocks." + block + ".";
  const std::string name = "lora_unet_double_blocks_" + block + "_";
  if (rest == "attn.to_q" || rest == "attn.to_k" || rest == "attn.to_v")
    return KohyaModule{name + "img_attn_qkv", {base + "attn.to_q", base + "attn.to_k", base + "attn.to_v"}};
  if (rest == "attn.add_q_proj" || rest == "attn.add_k_proj" || rest == "attn.add_v_proj")
    return KohyaModule{name + "txt_attn_qkv",
                       {base + "attn.add_q_proj", base + "attn.add_k_proj", base + "attn.add_v_proj"}};
  static const std::map<std::string, std::string> unfused = {
      {"attn.to_out.0", "img_attn_proj"},     {"ff.net.0.proj", "img_mlp_0"},      {"ff.net.2", "img_mlp_2"},
      {"norm1.linear", "img_mod_lin"},        {"attn.to_add_out", "txt_attn_proj"}, {"ff_context.net.0.proj", "txt_mlp_0"},
      {"ff_context.net.2", "txt_mlp_2"},      {"norm1_context.linear", "txt_mod_lin"}};
  const auto found = unfused.find(rest);
  if (found == unfused.end()) return std::nullopt;
  return KohyaModule{name + found->second, {base + rest}};
}

// The kohya module of a diffusers transformer module path; nullopt when it has none.
std::optional<KohyaModule> kohya_module_of(const std::string& module) {
  static const std::regex single_block(R"(single_transformer_blocks\.(\d+)\.(.+))");
  static const std::regex double_block(R"(transformer_blocks\.(\d+)\.(.+))");
  std::smatch m;
  if (std::regex_match(module, m, single_block)) return single_block_module(m[1], m[2]);
  if (std::regex_match(module, m, double_block)) return double_block_module(m[1], m[2]);
  static const std::map<std::string, std::string> globals = {
      {"x_embedder", "img_in"},
      {"context_embedder", "txt_in"},
      {"time_text_embed.timestep_embedder.linear_1", "time_in_in_layer"},
      {"time_text_embed.timestep_embedder.linear_2", "time_in_out_layer"},
      {"time_text_embed.text_embedder.linear_1", "vector_in_in_layer"},
      {"time_text_embed.text_embedder.linear_2", "vector_in_out_layer"},
      {"time_text_embed.guidance_embedder.linear_1", "guidance_in_in_layer"},
      {"time_text_embed.guidance_embedder.linear_2", "guidance_in_out_layer"},
      {"proj_out", "final_layer_linear"},
      {"norm_out.linear", "final_layer_adaLN_modulation_1"}};
  const auto found = globals.find(module);
  if (found == globals.end()) return std::nullopt;
  return KohyaModule{"lora_unet_" + found->second, {module}, module == "norm_out.linear"};
}

// The kohya name of a CLIP text-encoder module ("text_model.encoder.layers.0.self_attn.q_proj").
std::string kohya_text_encoder_name(const std::string& module) {
  std::string name = "lora_te1_" + module;
  std::replace(name.begin() + 9, name.end(), '.', '_');
  return name;
}

// Swaps the two halves of the rows of `up` (shift and scale).
at::Tensor swap_halves(const at::Tensor& up) {
  const auto half = up.size(0) / 2;
  return at::cat({up.slice(0, half), up.slice(0, 0, half)});
}

// One kohya module's tensors from the adapters of its parts (`first` the one met first): down
// [A_1; …; A_n], up block-diagonal, alpha = first's scale × the total rank. Parts without an
// adapter stay zero blocks; a part's scale differing from the first's is baked into its B.
// FLUX's fused parts are q, k, v of the inner width and, in the single blocks, proj_mlp of 4×
// it (mlp_ratio 4).
void append_kohya_module(const KohyaModule& kohya, const LoRAAdapter& first,
                         const std::map<std::string, const LoRAAdapter*>& by_module, NamedTensors& tensors) {
  const std::int64_t rank = first.down.size(0), in = first.down.size(1);
  const std::int64_t width = first.up.size(0) / (first.module.find("proj_mlp") != std::string::npos ? 4 : 1);
  std::vector<at::Tensor> downs, part_ups;
  std::int64_t total_rank = 0;
  for (const auto& part : kohya.parts) {
    const auto found = by_module.find(part);
    const LoRAAdapter* a = found == by_module.end() ? nullptr : found->second;
    const std::int64_t out = width * (part.find("proj_mlp") != std::string::npos ? 4 : 1);
    downs.push_back(a ? a->down.detach() : at::zeros({rank, in}, first.down.options()));
    part_ups.push_back(a ? a->up.detach() * (a->scale / first.scale) : at::zeros({out, rank}, first.up.options()));
    total_rank += downs.back().size(0);
  }
  std::vector<at::Tensor> rows;
  std::int64_t offset = 0;
  for (const auto& part_up : part_ups) {  // block-diagonal: part j's rows see only its own rank block
    at::Tensor row = at::zeros({part_up.size(0), total_rank}, part_up.options());
    row.slice(1, offset, offset + part_up.size(1)).copy_(part_up);
    rows.push_back(row);
    offset += part_up.size(1);
  }
  const at::Tensor up = at::cat(rows);
  tensors.emplace_back(kohya.name + ".lora_down.weight", at::cat(downs));
  tensors.emplace_back(kohya.name + ".lora_up.weight", kohya.swap_halves ? swap_halves(up) : up);
  tensors.emplace_back(kohya.name + ".alpha", at::scalar_tensor(first.scale * total_rank, at::kFloat));
}

}  // namespace

void save_flux_lora_kohya(const std::vector<LoRAAdapter>& adapters, const std::filesystem::path& file) {
  std::map<std::string, const LoRAAdapter*> by_module;
  for (const auto& adapter : adapters) by_module[adapter.module] = &adapter;
  NamedTensors tensors;
  std::set<std::string> written;
  for (const auto& adapter : adapters) {
    if (adapter.component == LoRAComponent::text_encoder) {
      const std::string name = kohya_text_encoder_name(adapter.module);
      tensors.emplace_back(name + ".lora_down.weight", adapter.down.detach());
      tensors.emplace_back(name + ".lora_up.weight", adapter.up.detach());
      tensors.emplace_back(name + ".alpha", at::scalar_tensor(adapter.scale * adapter.down.size(0), at::kFloat));
      continue;
    }
    const auto kohya = kohya_module_of(adapter.module);
    if (!kohya) throw std::logic_error("flux_lora: no kohya name for " + adapter.module);
    if (written.insert(kohya->name).second) append_kohya_module(*kohya, adapter, by_module, tensors);
  }
  save_tensors(file, tensors, {{"format", "pt"}, {"ss_network_module", "networks.lora_flux"}});
}

namespace {

// Every kohya transformer module name of `model` -> its diffusers parts (with each part's output size).
struct KohyaTarget {
  KohyaModule module;
  std::vector<std::int64_t> part_sizes;
};

std::map<std::string, KohyaTarget> kohya_targets(Flux& model) {
  std::map<std::string, KohyaTarget> out;
  const auto parameters = model.transformer->named_parameters();
  for (const auto& item : parameters) {
    const std::string& key = item.key();
    if (item.value().dim() != 2 || key.size() < 7 || key.compare(key.size() - 7, 7, ".weight") != 0) continue;
    const auto kohya = kohya_module_of(key.substr(0, key.size() - 7));
    if (!kohya || out.count(kohya->name)) continue;
    KohyaTarget target{*kohya, {}};
    for (const auto& part : kohya->parts) target.part_sizes.push_back(parameters[part + ".weight"].size(0));
    out[kohya->name] = target;
  }
  return out;
}

// "text_model_encoder_layers_3_self_attn_q_proj" -> "text_model.encoder.layers.3.self_attn.q_proj".
std::optional<std::string> text_encoder_module_of(const std::string& name) {
  static const std::regex pattern(R"(text_model_encoder_layers_(\d+)_(self_attn_(q|k|v|out)_proj|mlp_fc(1|2)))");
  std::smatch m;
  if (!std::regex_match(name, m, pattern)) return std::nullopt;
  const std::string layer = "text_model.encoder.layers." + m[1].str() + ".";
  if (m[3].matched) return layer + "self_attn." + m[3].str() + "_proj";
  return layer + "mlp.fc" + m[4].str();
}

const at::Tensor& tensor_of(const std::map<std::string, at::Tensor>& tensors, const std::string& key,
                            const std::filesystem::path& file) {
  const auto found = tensors.find(key);
  if (found == tensors.end()) throw InputError(fmt::format("{}: '{}' is missing", file.string(), key));
  return found->second;
}

// Splits a fused module's factors into its parts: block-diagonal ones into rank / n blocks,
// any other into parts that share the whole down matrix.
std::vector<std::pair<at::Tensor, at::Tensor>> split_fused(const at::Tensor& down, const at::Tensor& up,
                                                           const std::vector<std::int64_t>& sizes) {
  const auto n = static_cast<std::int64_t>(sizes.size()), rank = down.size(0);
  std::vector<at::Tensor> rows = up.split_with_sizes(sizes, 0);
  bool block_diagonal = rank % n == 0;
  const std::int64_t part_rank = rank / n;
  for (std::int64_t j = 0; block_diagonal && j < n; ++j)
    for (std::int64_t k = 0; k < n; ++k)
      if (k != j && rows[j].slice(1, k * part_rank, (k + 1) * part_rank).abs().max().item<double>() != 0)
        block_diagonal = false;
  std::vector<std::pair<at::Tensor, at::Tensor>> parts;
  for (std::int64_t j = 0; j < n; ++j)
    parts.emplace_back(block_diagonal ? down.slice(0, j * part_rank, (j + 1) * part_rank) : down,
                       block_diagonal ? rows[j].slice(1, j * part_rank, (j + 1) * part_rank) : rows[j]);
  return parts;
}

// The adapters of one kohya module `name` (its factors and scale read already).
void append_kohya_adapters(const std::string& name, const at::Tensor& down, const at::Tensor& up, double scale,
                           const std::map<std::string, KohyaTarget>& targets, const std::filesystem::path& file,
                           std::vector<LoRAAdapter>& adapters) {
  if (name.rfind("lora_te1_", 0) == 0 || name.rfind("lora_te_", 0) == 0) {
    const auto module = text_encoder_module_of(name.substr(name.find('_', 5) + 1));
    if (!module) throw InputError(fmt::format("{}: '{}' names no CLIP text-encoder layer", file.string(), name));
    adapters.push_back(LoRAAdapter{LoRAComponent::text_encoder, *module, down, up, scale});
    return;
  }
  if (name.rfind("lora_te3_", 0) == 0 || name.rfind("lora_te2_", 0) == 0)
    throw InputError(fmt::format("{}: '{}' adapts the T5 text encoder, which tunegrid does not load LoRA into",
                                 file.string(), name));
  const auto target = targets.find(name);
  if (target == targets.end())
    throw InputError(fmt::format("{}: '{}' names no module of this FLUX transformer", file.string(), name));
  const KohyaModule& kohya = target->second.module;
  const at::Tensor ordered_up = kohya.swap_halves ? swap_halves(up) : up;
  if (kohya.parts.size() == 1) {
    adapters.push_back(LoRAAdapter{LoRAComponent::transformer, kohya.parts[0], down, ordered_up, scale});
    return;
  }
  const auto parts = split_fused(down, ordered_up, target->second.part_sizes);
  for (std::size_t j = 0; j < parts.size(); ++j)  // a part left out of training is a zero block: no adapter
    if (parts[j].second.abs().max().item<double>() != 0)
      adapters.push_back(LoRAAdapter{LoRAComponent::transformer, kohya.parts[j], parts[j].first, parts[j].second, scale});
}

std::vector<LoRAAdapter> read_kohya(const std::map<std::string, at::Tensor>& tensors, Flux& model, double multiplier,
                                    const std::filesystem::path& file) {
  const auto targets = kohya_targets(model);
  std::vector<LoRAAdapter> adapters;
  for (const auto& [key, value] : tensors) {
    const auto dot = key.find('.');
    const std::string name = key.substr(0, dot), field = dot == std::string::npos ? "" : key.substr(dot + 1);
    if (field == "lora_up.weight" || field == "alpha") continue;  // read with their lora_down
    if (field != "lora_down.weight")
      throw InputError(fmt::format("{}: key '{}' is not a kohya LoRA tensor (.lora_down.weight, .lora_up.weight, .alpha)",
                                   file.string(), key));
    const at::Tensor down = value.to(at::kFloat), up = tensor_of(tensors, name + ".lora_up.weight", file).to(at::kFloat);
    const auto alpha = tensors.find(name + ".alpha");
    const double rank = static_cast<double>(down.size(0));
    const double scale = (alpha == tensors.end() ? rank : alpha->second.item<double>()) / rank * multiplier;
    append_kohya_adapters(name, down, up, scale, targets, file, adapters);
  }
  return adapters;
}

std::vector<LoRAAdapter> read_peft(const std::map<std::string, at::Tensor>& tensors,
                                   const std::map<std::string, std::string>& metadata, double multiplier,
                                   const std::filesystem::path& file) {
  const auto configs = read_lora_adapter_metadata(metadata, file);
  std::vector<LoRAAdapter> adapters;
  static const std::regex pattern(R"((transformer|text_encoder)\.(.+)\.lora_([AB])\.weight)");
  for (const auto& [key, value] : tensors) {
    std::smatch m;
    if (key.size() > 6 && key.compare(key.size() - 6, 6, ".alpha") == 0) continue;
    if (!std::regex_match(key, m, pattern))
      throw InputError(fmt::format("{}: key '{}' is not a FLUX LoRA tensor (transformer.<module>.lora_A.weight, "
                                   "text_encoder.<module>.lora_B.weight, or kohya's lora_unet_... names)",
                                   file.string(), key));
    if (m[3] == "B") continue;  // read with its lora_A
    const LoRAComponent component = *lora_component_of(m[1]);
    std::string module = m[2];
    if (component == LoRAComponent::text_encoder && module.rfind("text_model.", 0) != 0)
      module = "text_model." + module;  // peft under transformers >= 5
    const std::string base = m[1].str() + "." + m[2].str();
    const at::Tensor down = value.to(at::kFloat), up = tensor_of(tensors, base + ".lora_B.weight", file).to(at::kFloat);
    const auto rank = down.size(0);
    double scale = 1.0;
    if (const auto alpha = tensors.find(base + ".alpha"); alpha != tensors.end())
      scale = alpha->second.item<double>() / static_cast<double>(rank);
    else if (const auto config = configs.find(component); config != configs.end())
      scale = config->second.scale_of(module, static_cast<int>(rank), file.string());
    adapters.push_back(LoRAAdapter{component, module, down, up, scale * multiplier});
  }
  return adapters;
}

}  // namespace

std::vector<LoRAAdapter> read_flux_lora_file(const std::filesystem::path& file, Flux& model, double multiplier) {
  std::map<std::string, std::string> metadata;
  const auto tensors = load_tensors(file, &metadata);
  bool kohya = false;
  for (const auto& [key, value] : tensors) kohya = kohya || key.find(".lora_down.weight") != std::string::npos;
  std::vector<LoRAAdapter> adapters =
      kohya ? read_kohya(tensors, model, multiplier, file) : read_peft(tensors, metadata, multiplier, file);
  if (adapters.empty()) throw InputError(file.string() + ": holds no LoRA tensors");
  return adapters;
}

std::string merge_flux_lora_file(Flux& model, const std::filesystem::path& file, double multiplier) {
  const std::vector<LoRAAdapter> adapters = read_flux_lora_file(file, model, multiplier);
  merge_flux_lora(model, adapters, file.string());
  std::size_t transformer = 0;
  for (const auto& adapter : adapters) transformer += adapter.component == LoRAComponent::transformer;
  return fmt::format("{}: merged {} transformer and {} text-encoder adapters at scale {}", file.string(), transformer,
                     adapters.size() - transformer, multiplier);
}

}  // namespace tunegrid
