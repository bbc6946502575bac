// flux_pipeline.cpp — see flux_pipeline.h.
#include "workers/diffusion/flux_pipeline.h"

#include <fmt/format.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "core/errors.h"
#include "workers/diffusion/txt2img_pipeline.h"

namespace tunegrid {

namespace {

constexpr int kMaxT5Length = 512;  // FluxPipeline refuses longer max_sequence_length

at::Tensor ids_tensor(const std::vector<std::vector<std::int64_t>>& rows, const c10::Device& device) {
  std::vector<std::int64_t> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  return at::tensor(flat, at::kLong)
      .view({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(rows.front().size())})
      .to(device);
}

}  // namespace

FluxPromptEmbeddings encode_flux_prompts(Flux& model, const std::vector<std::string>& prompts,
                                         int max_sequence_length) {
  if (max_sequence_length == 0) max_sequence_length = model.tokenizer_2->default_max_length();
  if (max_sequence_length < 1 || max_sequence_length > kMaxT5Length)
    throw InputError(fmt::format("max_sequence_length {} is outside 1 to {} (FluxPipeline's limit)",
                                 max_sequence_length, kMaxT5Length));
  std::vector<std::vector<std::int64_t>> clip_ids, t5_ids;
  for (const auto& prompt : prompts) {
    clip_ids.push_back(model.tokenizer->encode(prompt, true));
    t5_ids.push_back(model.tokenizer_2->encode(prompt, max_sequence_length));
  }
  FluxPromptEmbeddings out;
  out.pooled = model.text_encoder->forward(ids_tensor(clip_ids, model.text_encoder->parameters().front().device())).pooled;
  out.t5_states = model.text_encoder_2->forward(ids_tensor(t5_ids, model.text_encoder_2->shared->weight.device()));
  return out;
}

at::Tensor pack_flux_latents(const at::Tensor& latents) {
  const auto b = latents.size(0), c = latents.size(1), h = latents.size(2), w = latents.size(3);
  return latents.view({b, c, h / 2, 2, w / 2, 2}).permute({0, 2, 4, 1, 3, 5}).reshape({b, (h / 2) * (w / 2), c * 4});
}

at::Tensor unpack_flux_latents(const at::Tensor& packed, std::int64_t height, std::int64_t width) {
  const auto b = packed.size(0), channels = packed.size(2);
  return packed.view({b, height / 2, width / 2, channels / 4, 2, 2})
      .permute({0, 3, 1, 4, 2, 5})
      .reshape({b, channels / 4, height, width});
}

at::Tensor flux_image_ids(std::int64_t rows, std::int64_t cols, const at::TensorOptions& options) {
  const at::Tensor row = at::arange(rows, options).unsqueeze(1).expand({rows, cols});
  const at::Tensor col = at::arange(cols, options).unsqueeze(0).expand({rows, cols});
  return at::stack({at::zeros({rows, cols}, options), row, col}, -1).reshape({rows * cols, 3});
}

at::Tensor flux_denoise(Flux& model, const at::Tensor& packed_latents, std::int64_t latent_height,
                        std::int64_t latent_width, const FluxPromptEmbeddings& prompt,
                        const FluxPromptEmbeddings& negative, const FluxDenoising& options) {
  FlowMatchEulerScheduler scheduler(model.scheduler);
  scheduler.set_flux_timesteps(options.steps, packed_latents.size(1));
  const auto batch = packed_latents.size(0);
  const auto float_options = packed_latents.options();
  FluxTransformerInput input;
  input.img_ids = flux_image_ids(latent_height / 2, latent_width / 2, float_options);
  input.txt_ids = at::zeros({prompt.t5_states.size(1), 3}, float_options);
  if (model.transformer->config.guidance_embeds)
    input.guidance = at::full({batch}, options.guidance, float_options.dtype(at::kFloat));
  const bool true_cfg = options.true_cfg > 1;
  at::Tensor latents = packed_latents;
  const at::Tensor timesteps = scheduler.timesteps();
  for (int i = 0; i < scheduler.num_inference_steps(); ++i) {
    input.hidden_states = latents;
    input.timestep = timesteps[i].expand({batch}).to(latents.device()).to(latents.scalar_type()) / 1000;
    input.encoder_hidden_states = prompt.t5_states;
    input.pooled_projections = prompt.pooled;
    at::Tensor velocity = model.transformer->forward(input);
    if (true_cfg) {
      input.encoder_hidden_states = negative.t5_states;
      input.pooled_projections = negative.pooled;
      const at::Tensor negative_velocity = model.transformer->forward(input);
      velocity = negative_velocity + options.true_cfg * (velocity - negative_velocity);
    }
    latents = scheduler.step(velocity, i, latents);
  }
  return latents;
}

at::Tensor flux_decode(Flux& model, const at::Tensor& packed_latents, std::int64_t latent_height,
                       std::int64_t latent_width) {
  const auto& vae = model.vae->config;
  const at::Tensor latents = unpack_flux_latents(packed_latents, latent_height, latent_width);
  return model.vae->decode(latents / vae.scaling_factor + vae.shift_factor);
}

ImageBatch flux_txt2img(Flux& model, const Txt2ImgOptions& options) {
  torch::NoGradGuard no_grad;
  const int multiple = 2 * model.vae_scale_factor();  // latents are packed in 2×2 patches
  const int height = options.height > 0 ? options.height : model.default_image_size();
  const int width = options.width > 0 ? options.width : model.default_image_size();
  if (height % multiple != 0 || width % multiple != 0)
    throw InputError(fmt::format("image size {}x{} must be a multiple of {} for this FLUX model", width, height, multiple));
  if (options.num_images < 1) throw InputError("the number of images must be at least 1");
  const auto count = options.num_images;
  const auto repeat = [&](const FluxPromptEmbeddings& e) {
    return FluxPromptEmbeddings{e.t5_states.repeat({count, 1, 1}), e.pooled.repeat({count, 1})};
  };
  const FluxPromptEmbeddings prompt = repeat(encode_flux_prompts(model, {options.prompt}, options.max_sequence_length));
  const FluxPromptEmbeddings negative =
      options.true_cfg > 1 ? repeat(encode_flux_prompts(model, {options.negative_prompt}, options.max_sequence_length))
                           : FluxPromptEmbeddings{};
  const std::int64_t latent_height = height / model.vae_scale_factor(), latent_width = width / model.vae_scale_factor();
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  // Drawn on the CPU whatever the model's device: the same seed gives the same noise everywhere.
  const at::Tensor noise = at::randn({count, model.vae->config.latent_channels, latent_height, latent_width}, generator,
                                     prompt.pooled.options().device(at::kCPU))
                               .to(prompt.pooled.device());
  const FluxDenoising denoising{options.steps, options.guidance, options.true_cfg};
  const at::Tensor latents =
      flux_denoise(model, pack_flux_latents(noise), latent_height, latent_width, prompt, negative, denoising);
  return to_image_batch(flux_decode(model, latents, latent_height, latent_width));
}

}  // namespace tunegrid
