// finetune_artifact.h — what a finetune.<method> job leaves in its artifact folder for
// later jobs (sample, evaluate) and for people: finetune.json (format
// "tunegrid.finetune", format_version, method, base_model, concept_text, tokens, steps,
// files, base_loras) beside
// the method's own files (learned_embeds.safetensors, pytorch_lora_weights.safetensors, a
// diffusers pipeline folder, ...). load_finetuned rebuilds the fine-tuned pipeline from it.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "workers/models/flux.h"
#include "workers/models/stable_diffusion.h"

namespace tunegrid {

struct FineTuneManifest {
  std::string method;
  std::string base_model;    // as the job named it (builtin:tiny-sd or a path)
  std::string concept_text;  // what "{}" in prompts stands for
  std::vector<std::string> tokens;  // tokens the artifact adds (its embedding files are keyed by them)
  int steps = 0;
  std::vector<std::string> files;
  std::vector<std::string> base_loras;  // LoRA files merged into the base before training ("FILE[:SCALE]", absolute)
};

void write_finetune_manifest(const std::filesystem::path& dir, const FineTuneManifest& manifest);
// Throws InputError naming the file for a missing, malformed or newer manifest.
FineTuneManifest read_finetune_manifest(const std::filesystem::path& dir);

// The base model with the artifact applied (textual inversion: the embedding added; lora:
// the UNet's and the text encoder's adapters hooked in; dreambooth: the saved pipeline
// itself); `concept_text` receives the manifest's concept text.
StableDiffusion load_finetuned(const std::filesystem::path& dir, std::string* concept_text = nullptr,
                               const c10::Device& device = c10::Device(c10::kCPU));

// finetune.flux_lora's artifact: its base FLUX model with the LoRA file merged into the weights.
bool is_flux_artifact(const std::filesystem::path& dir);
Flux load_finetuned_flux(const std::filesystem::path& dir, std::string* concept_text = nullptr,
                         const c10::Device& device = c10::Device(c10::kCPU));

}  // namespace tunegrid
