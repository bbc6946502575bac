// lora_files.h — LoRA weights as the tools people use write and read them:
//   diffusers / peft: pytorch_lora_weights.safetensors, keys
//     unet.<module>.lora_A.weight [rank, in] / unet.<module>.lora_B.weight [out, rank] and
//     text_encoder.<module>.lora_A.weight / .lora_B.weight for the text encoder's adapters
//     (text_encoder.text_model.encoder.layers.N.self_attn.q_proj..., what
//     StableDiffusionLoraLoaderMixin.save_lora_weights writes from text_encoder_lora_layers);
//     the alphas are either absent (scale 1: tunegrid writes B pre-multiplied by alpha / rank)
//     or in the header's "lora_adapter_metadata" (diffusers' save_lora_weights with
//     *_lora_adapter_metadata: peft's lora_alpha, r, alpha_pattern, ...; read by
//     lora_adapter_metadata.h).
//   kohya-ss (networks/lora.py, also read by AUTOMATIC1111 and ComfyUI): keys
//     lora_unet_<module with . -> _> and lora_te_<module with . -> _>
//     (lora_te_text_model_encoder_layers_N_self_attn_q_proj) .lora_down.weight /
//     .lora_up.weight / .alpha, plus ss_network_dim / ss_network_alpha / ss_network_module
//     metadata; scale = alpha / rank.
// Reading accepts these and diffusers' other layouts (format detected from the keys):
// <module>.lora.down/.lora.up and .lora_linear_layer.down/.up (convert_state_dict_to_diffusers),
// the old attention-processor keys (...attn1.processor.to_q_lora.down.weight,
// text_encoder....self_attn.to_q_lora.down.weight), keys without the component prefix, and
// text-encoder modules without "text_model." (text_encoder.encoder.layers.N..., what peft
// writes under transformers >= 5).
// Strictly: a key that names no attention projection of the UNet or the text encoder
// (feed-forward or MLP adapters included) is an InputError naming the file and the key.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "workers/methods/lora.h"

namespace tunegrid {

void save_lora_diffusers(const std::vector<LoRAAdapter>& adapters, const std::filesystem::path& file);
void save_lora_kohya(const std::vector<LoRAAdapter>& adapters, double alpha, const std::filesystem::path& file);

// The adapters of a LoRA file for `model` (UNet and text encoder), each scale × multiplier.
std::vector<LoRAAdapter> read_lora_file(const std::filesystem::path& file, StableDiffusion& model,
                                        double multiplier = 1.0);

// UNet "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0" ->
// "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0"; text encoder
// "text_model.encoder.layers.0.self_attn.q_proj" -> "lora_te_text_model_encoder_layers_0_self_attn_q_proj".
std::string kohya_lora_name(LoRAComponent component, const std::string& module);

}  // namespace tunegrid
