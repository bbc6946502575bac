// flux_pipeline.h — text to image with FLUX as diffusers' FluxPipeline does it
// (pipelines/flux/pipeline_flux.py): the prompt through CLIP (pooled output, 77 tokens) and T5
// (last hidden states, max_sequence_length tokens padded, no attention mask); seeded Gaussian
// latents [B, C, h, w] packed into 2×2 patches [B, h/2·w/2, 4C] with position ids (0, row, col);
// σ = linspace(1, 1/n, n) shifted by μ of the packed sequence length (flow_match_euler_scheduler.h);
// at each step the transformer at timestep σ with the distilled guidance embedded (models with
// guidance_embeds), and true classifier-free guidance v = v_neg + s·(v − v_neg) when s > 1; then
// unpacked, latents / scaling_factor + shift_factor, VAE decode.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/shard.h"
#include "workers/diffusion/txt2img_options.h"
#include "workers/models/flux.h"

namespace tunegrid {

struct FluxPromptEmbeddings {
  at::Tensor t5_states;  // [B, max_sequence_length, joint_attention_dim]
  at::Tensor pooled;     // [B, pooled_projection_dim]
};

// max_sequence_length 0: tokenizer_2's default_max_length() (512 for FLUX.1, as FluxPipeline).
FluxPromptEmbeddings encode_flux_prompts(Flux& model, const std::vector<std::string>& prompts,
                                         int max_sequence_length);

// [B, C, h, w] -> [B, (h/2)·(w/2), 4C] (_pack_latents), and back for latent size h × w.
at::Tensor pack_flux_latents(const at::Tensor& latents);
at::Tensor unpack_flux_latents(const at::Tensor& packed, std::int64_t height, std::int64_t width);
// Position ids [rows·cols, 3] of a packed grid: (0, row, col) (_prepare_latent_image_ids).
at::Tensor flux_image_ids(std::int64_t rows, std::int64_t cols, const at::TensorOptions& options);

struct FluxDenoising {
  int steps = 28;
  double guidance = 3.5;  // embedded when the transformer has guidance_embeds
  double true_cfg = 1.0;  // > 1: true CFG with the negative embeddings
};

// The denoising loop from packed start latents [B, N, 4C] of a latent_height × latent_width grid;
// `negative` is used only when options.true_cfg > 1. Returns the final packed latents.
at::Tensor flux_denoise(Flux& model, const at::Tensor& packed_latents, std::int64_t latent_height,
                        std::int64_t latent_width, const FluxPromptEmbeddings& prompt,
                        const FluxPromptEmbeddings& negative, const FluxDenoising& options);

// Packed latents -> images [B, 3, H, W] in about [-1, 1].
at::Tensor flux_decode(Flux& model, const at::Tensor& packed_latents, std::int64_t latent_height,
                       std::int64_t latent_width);

// Text to image: steps and guidance as given (FLUX.1-dev: 28 and 3.5), the seed's CPU noise.
ImageBatch flux_txt2img(Flux& model, const Txt2ImgOptions& options);

}  // namespace tunegrid
