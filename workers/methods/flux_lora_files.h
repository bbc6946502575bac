// flux_lora_files.h — FLUX LoRA weights as the tools people use write and read them:
//   diffusers / peft (FluxPipeline.save_lora_weights / load_lora_weights):
//     pytorch_lora_weights.safetensors, keys transformer.<module>.lora_A.weight [rank, in] /
//     .lora_B.weight [out, rank] (transformer_blocks.0.attn.to_q, single_transformer_blocks.0.attn.to_k,
//     ...) and text_encoder.text_model.encoder.layers.N.self_attn.q_proj...; alphas absent
//     (tunegrid writes B pre-multiplied by alpha / rank), as ".alpha" tensors, or in the header's
//     "lora_adapter_metadata" (lora_adapter_metadata.h).
//   kohya-ss sd-scripts networks/lora_flux.py (also ComfyUI's; diffusers converts it on load):
//     the original FLUX module names, fused where BFL's model fuses them —
//     lora_unet_double_blocks_N_{img,txt}_attn_qkv (to_q/k/v, or add_q/k/v_proj), _attn_proj,
//     _mlp_0, _mlp_2, _mod_lin; lora_unet_single_blocks_N_linear1 (to_q, to_k, to_v, proj_mlp),
//     _linear2, _modulation_lin; img_in, txt_in, time_in_*, vector_in_*, guidance_in_*,
//     final_layer_linear, final_layer_adaLN_modulation_1 (shift and scale in BFL's order);
//     lora_te1_text_model_encoder_layers_N_self_attn_q_proj for CLIP — each with .lora_down.weight,
//     .lora_up.weight and .alpha (scale = alpha / rank). A fused module is written block-diagonal:
//     down = [A_q; A_k; A_v], up = diag(B_q, B_k, B_v), alpha = (alpha / rank)·(3·rank), which is
//     what kohya's split_qkv writes and what diffusers splits back exactly; read back, a
//     block-diagonal module splits into its parts' rank-r factors, any other into parts sharing
//     the whole down matrix (both exact); a part whose up block is zero gets no adapter.
// T5 adapters (kohya lora_te3_) and unknown keys are InputErrors naming the file and the key.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "workers/methods/lora.h"
#include "workers/methods/lora_files.h"
#include "workers/models/flux.h"

namespace tunegrid {

void save_flux_lora_kohya(const std::vector<LoRAAdapter>& adapters, const std::filesystem::path& file);

// The adapters of a FLUX LoRA file (either format), each scale × multiplier.
std::vector<LoRAAdapter> read_flux_lora_file(const std::filesystem::path& file, Flux& model, double multiplier = 1.0);

// Merges the file into the model's weights; returns a line saying what was applied.
std::string merge_flux_lora_file(Flux& model, const std::filesystem::path& file, double multiplier = 1.0);

}  // namespace tunegrid
