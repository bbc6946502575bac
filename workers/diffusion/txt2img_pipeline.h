// txt2img_pipeline.h — text to image with Stable Diffusion as diffusers'
// StableDiffusionPipeline does it (pipelines/stable_diffusion/pipeline_stable_diffusion.py):
// prompt → CLIP token ids → text embeddings; seeded Gaussian latents × init_noise_sigma;
// for each timestep the UNet on [negative; prompt] with classifier-free guidance
// ε = ε_neg + g·(ε_prompt − ε_neg) (skipped when g ≤ 1); latents / scaling_factor → VAE
// decode → (x/2 + 0.5) clamped → uint8.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/shard.h"
#include "workers/diffusion/sampling_scheduler.h"
#include "workers/models/stable_diffusion.h"
#include "workers/diffusion/txt2img_options.h"

namespace tunegrid {

// [N, 77, hidden] last hidden states of the text encoder for each prompt.
at::Tensor encode_prompts(StableDiffusion& model, const std::vector<std::string>& prompts);

// The denoising loop from unscaled start noise [B, 4, h, w]; context_prompt / context_negative
// [B, M, d] (negative undefined or guidance ≤ 1: no guidance). Returns the final latents.
at::Tensor denoise(UNet2DConditionModel& unet, SamplingScheduler& scheduler, const at::Tensor& noise,
                   const at::Tensor& context_prompt, const at::Tensor& context_negative, double guidance, int steps);

// Decoded images [B, 3, H, W] in about [-1, 1] -> uint8 RGB batch.
ImageBatch to_image_batch(const at::Tensor& images, const std::string& key = "images");

ImageBatch txt2img(StableDiffusion& model, const Txt2ImgOptions& options);

}  // namespace tunegrid
