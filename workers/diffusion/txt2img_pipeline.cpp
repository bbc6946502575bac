// txt2img_pipeline.cpp — see txt2img_pipeline.h.
#include "workers/diffusion/txt2img_pipeline.h"

#include <fmt/format.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "core/errors.h"

namespace tunegrid {

at::Tensor encode_prompts(StableDiffusion& model, const std::vector<std::string>& prompts) {
  std::vector<std::int64_t> ids;
  for (const auto& prompt : prompts) {
    const auto encoded = model.tokenizer->encode(prompt, true);
    ids.insert(ids.end(), encoded.begin(), encoded.end());
  }
  const auto length = static_cast<std::int64_t>(ids.size() / prompts.size());
  const at::Tensor input_ids =
      at::tensor(ids, at::kLong)
          .view({static_cast<std::int64_t>(prompts.size()), length})
          .to(model.text_encoder->parameters().front().device());
  return model.text_encoder->forward(input_ids).last_hidden_state;  // [N, 77, hidden]
}

at::Tensor denoise(UNet2DConditionModel& unet, SamplingScheduler& scheduler, const at::Tensor& noise,
                   const at::Tensor& context_prompt, const at::Tensor& context_negative, double guidance, int steps) {
  scheduler.set_timesteps(steps);
  const bool guided = guidance > 1.0 && context_negative.defined();
  const at::Tensor context = guided ? at::cat({context_negative, context_prompt}) : context_prompt;
  at::Tensor latents = noise * scheduler.init_noise_sigma();  // [B, 4, h, w]
  const at::Tensor timesteps = scheduler.timesteps();
  for (std::int64_t i = 0; i < timesteps.size(0); ++i) {
    const at::Tensor input = scheduler.scale_model_input(guided ? at::cat({latents, latents}) : latents, i);
    const at::Tensor t = timesteps[i];
    at::Tensor eps = unet->forward(input, t, context);  // [(2)B, 4, h, w]
    if (guided) {
      const auto parts = eps.chunk(2);
      eps = parts[0] + guidance * (parts[1] - parts[0]);
    }
    latents = scheduler.step(eps, i, latents);
  }
  return latents;
}

ImageBatch to_image_batch(const at::Tensor& images, const std::string& key) {
  const at::Tensor pixels =
      ((images / 2 + 0.5).clamp(0, 1) * 255).round().to(at::kByte).permute({0, 2, 3, 1}).contiguous().cpu();
  ImageBatch batch;
  batch.key = key;
  batch.count = static_cast<int>(pixels.size(0));
  batch.height = static_cast<int>(pixels.size(1));
  batch.width = static_cast<int>(pixels.size(2));
  batch.pixels.assign(pixels.data_ptr<std::uint8_t>(), pixels.data_ptr<std::uint8_t>() + pixels.numel());
  return batch;
}

ImageBatch txt2img(StableDiffusion& model, const Txt2ImgOptions& options) {
  torch::NoGradGuard no_grad;
  const int factor = model.vae->downscale_factor();
  const int height = options.height > 0 ? options.height : model.default_image_size();
  const int width = options.width > 0 ? options.width : model.default_image_size();
  if (height % factor != 0 || width % factor != 0)
    throw InputError(fmt::format("image size {}x{} must be a multiple of {} for this model", width, height, factor));
  if (options.num_images < 1) throw InputError("the number of images must be at least 1");
  const auto count = options.num_images;
  const at::Tensor prompt = encode_prompts(model, {options.prompt}).repeat({count, 1, 1});
  const at::Tensor negative = encode_prompts(model, {options.negative_prompt}).repeat({count, 1, 1});
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  // Drawn on the CPU whatever the model's device: the same seed gives the same noise everywhere.
  const at::Tensor noise = at::randn({count, model.unet->config.in_channels, height / factor, width / factor}, generator,
                                     prompt.options().device(at::kCPU))
                               .to(prompt.device());
  auto scheduler = make_sampling_scheduler(options.sampler, model.scheduler);
  const at::Tensor latents = denoise(model.unet, *scheduler, noise, prompt, negative, options.guidance, options.steps);
  return to_image_batch(model.vae->decode(latents / model.vae->config.scaling_factor));
}

}  // namespace tunegrid
