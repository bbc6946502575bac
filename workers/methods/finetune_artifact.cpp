// finetune_artifact.cpp — see finetune_artifact.h.
#include "workers/methods/finetune_artifact.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/json_file.h"
#include "workers/builtin/builtin_models.h"
#include "workers/methods/custom_diffusion.h"
#include "workers/methods/external_adapters.h"
#include "workers/methods/flux_lora_files.h"
#include "workers/methods/hypernetwork.h"
#include "workers/methods/lora_files.h"
#include "workers/methods/textual_inversion.h"

namespace tunegrid {

namespace {

constexpr const char* kManifestFormat = "tunegrid.finetune";
constexpr int kManifestVersion = 3;  // 2: "tokens"; 3: "base_loras"

}  // namespace

void write_finetune_manifest(const std::filesystem::path& dir, const FineTuneManifest& manifest) {
  const nlohmann::json document = {{"format", kManifestFormat},           {"format_version", kManifestVersion},
                                   {"method", manifest.method},           {"base_model", manifest.base_model},
                                   {"concept_text", manifest.concept_text}, {"tokens", manifest.tokens},
                                   {"steps", manifest.steps},
                                   {"files", manifest.files},             {"base_loras", manifest.base_loras}};
  write_file_atomically(dir / "finetune.json", document.dump(2) + "\n");
}

FineTuneManifest read_finetune_manifest(const std::filesystem::path& dir) {
  const auto file = dir / "finetune.json";
  const nlohmann::json document =
      read_json_file(file, "fine-tuning manifest (a fine-tuning job's artifact folder has it)");
  FineTuneManifest manifest;
  try {
    if (document.at("format").get<std::string>() != kManifestFormat)
      throw InputError(file.string() + ": format is not " + kManifestFormat);
    const int version = document.at("format_version").get<int>();
    if (version > kManifestVersion)
      throw InputError(fmt::format("{}: format_version {} is newer than this tunegrid reads ({})", file.string(),
                                   version, kManifestVersion));
    manifest.method = document.at("method").get<std::string>();
    manifest.base_model = document.at("base_model").get<std::string>();
    manifest.concept_text = document.at("concept_text").get<std::string>();
    if (document.contains("tokens")) manifest.tokens = document.at("tokens").get<std::vector<std::string>>();
    else if (manifest.method == "textual_inversion" || manifest.method == "custom_diffusion")  // version 1
      manifest.tokens = {manifest.concept_text.substr(0, manifest.concept_text.find(' '))};
    manifest.steps = document.at("steps").get<int>();
    manifest.files = document.at("files").get<std::vector<std::string>>();
    if (document.contains("base_loras")) manifest.base_loras = document.at("base_loras").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& error) {
    throw InputError(fmt::format("{}: not a fine-tuning manifest: {}", file.string(), error.what()));
  }
  return manifest;
}

StableDiffusion load_finetuned(const std::filesystem::path& dir, std::string* concept_text,
                               const c10::Device& device) {
  const FineTuneManifest manifest = read_finetune_manifest(dir);
  if (concept_text) *concept_text = manifest.concept_text;
  StableDiffusion model = load_stable_diffusion(
      manifest.method == "dreambooth" ? dir : resolve_model_reference(manifest.base_model, (dir / "finetune.json").string()));
  model.to(device);  // before the method's tensors are installed beside the weights
  if (manifest.method == "dreambooth") return model;
  std::vector<LoRAReference> base_loras;
  for (const auto& text : manifest.base_loras)
    base_loras.push_back(parse_lora_reference(text, (dir / "finetune.json").string() + " base_loras"));
  apply_external_adapters(model, base_loras, {});
  if (manifest.method == "textual_inversion") {
    if (manifest.tokens.empty())
      throw InputError((dir / "finetune.json").string() + ": a textual_inversion manifest without \"tokens\"");
    load_textual_inversion(model, dir / "learned_embeds.safetensors", manifest.tokens.front());
  } else if (manifest.method == "lora") {
    install_lora(model, read_lora_file(dir / "pytorch_lora_weights.safetensors", model),
                 (dir / "pytorch_lora_weights.safetensors").string());  // UNet and text-encoder adapters
  } else if (manifest.method == "custom_diffusion") {
    load_custom_diffusion(model, dir);
  } else if (manifest.method == "hypernetwork") {
    load_hypernetwork(model, dir / "hypernetwork.safetensors");
  } else {
    throw InputError(fmt::format("{}: method '{}' has no loader in this tunegrid", (dir / "finetune.json").string(),
                                 manifest.method));
  }
  return model;
}

bool is_flux_artifact(const std::filesystem::path& dir) { return read_finetune_manifest(dir).method == "flux_lora"; }

Flux load_finetuned_flux(const std::filesystem::path& dir, std::string* concept_text, const c10::Device& device) {
  const FineTuneManifest manifest = read_finetune_manifest(dir);
  const std::string where = (dir / "finetune.json").string();
  if (manifest.method != "flux_lora")
    throw InputError(fmt::format("{}: method '{}' is not a FLUX method", where, manifest.method));
  if (concept_text) *concept_text = manifest.concept_text;
  Flux model = load_flux(resolve_model_reference(manifest.base_model, where));
  for (const auto& text : manifest.base_loras) {  // merged into the base before training, as the job did
    const LoRAReference lora = parse_lora_reference(text, where + " base_loras");
    merge_flux_lora_file(model, lora.file, lora.scale);
  }
  merge_flux_lora_file(model, dir / "pytorch_lora_weights.safetensors");
  model.to(device);
  return model;
}

}  // namespace tunegrid
