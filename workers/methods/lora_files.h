// lora_files.h — LoRA weights as the tools people use write and read them:
//   diffusers / peft: pytorch_lora_weights.safetensors, keys
//     unet.<module>.lora_A.weight [rank, in] / unet.<module>.lora_B.weight [out, rank]
//     (older diffusers: unet.<module>.lora.down.weight / .lora.up.weight); no alpha is
//     stored, so loaders use scale 1: when alpha ≠ rank, B is written pre-multiplied by
//     alpha / rank (the same adapted weights).
//   kohya-ss (networks/lora.py, also read by AUTOMATIC1111 and ComfyUI): keys
//     lora_unet_<module with . -> _>.lora_down.weight / .lora_up.weight / .alpha, plus
//     ss_network_dim / ss_network_alpha / ss_network_module metadata; scale = alpha / rank.
// Reading accepts all three layouts (format detected from the keys), strictly: a key that
// names no attention projection of the UNet (text-encoder or feed-forward adapters
// included) is an InputError naming the file and the key.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "workers/methods/lora.h"

namespace tunegrid {

void save_lora_diffusers(const std::vector<LoRAAdapter>& adapters, const std::filesystem::path& file);
void save_lora_kohya(const std::vector<LoRAAdapter>& adapters, double alpha, const std::filesystem::path& file);

// The adapters of a LoRA file for `unet`, each scale × multiplier.
std::vector<LoRAAdapter> read_lora_file(const std::filesystem::path& file, UNet2DConditionModel& unet,
                                        double multiplier = 1.0);

// "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0" ->
// "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0"
std::string kohya_lora_name(const std::string& module);

}  // namespace tunegrid
