// stable_diffusion_training.cpp — see stable_diffusion_training.h.
#include "workers/methods/stable_diffusion_training.h"

#include <ATen/ATen.h>

#include <stdexcept>

#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/eval/clip_preprocess.h"

namespace tunegrid {

int StableDiffusionTraining::latent_downscale() const { return model_.vae->downscale_factor(); }

// Each row its own posterior sample (sample_latents), from its own stream.
at::Tensor StableDiffusionTraining::stored_latents(const TrainingSet& set, const std::vector<std::int64_t>& index,
                                                   const std::vector<bool>& flipped,
                                                   std::vector<ExampleStreams>& streams, std::size_t first_stream) {
  const double scaling = model_.vae->config.scaling_factor;
  std::vector<at::Tensor> rows;
  for (std::size_t k = 0; k < index.size(); ++k)
    rows.push_back(sample_latents(set, {index[k]}, {flipped[k]}, scaling, streams[first_stream + k].noise));
  return at::cat(rows).to(model_.device());  // drawn on the CPU, where the encodings are
}

at::Tensor StableDiffusionTraining::encode_images(const ImageBatch& images, std::vector<ExampleStreams>& streams) {
  at::NoGradGuard no_grad;
  const DiagonalGaussian posterior = model_.vae->encode(images_to_tensor(images).to(model_.device()));
  std::vector<at::Tensor> rows;
  for (std::size_t k = 0; k < static_cast<std::size_t>(images.count); ++k)
    rows.push_back(posterior.mean[k] + posterior.std[k] * at::randn(posterior.mean[k].sizes(), streams[k].noise,
                                                                    posterior.mean.options().device(at::kCPU))
                                                              .to(posterior.mean.device()));
  return at::stack(rows) * model_.vae->config.scaling_factor;
}

TextContext StableDiffusionTraining::text_context(const std::vector<std::string>& captions) {
  if (trains_text_encoder_) return {encode_prompts(model_, captions), {}};
  std::vector<at::Tensor> rows;
  for (const auto& caption : captions) {
    auto found = context_cache_.find(caption);
    if (found == context_cache_.end()) {
      at::NoGradGuard no_grad;
      found = context_cache_.emplace(caption, encode_prompts(model_, {caption})[0]).first;
    }
    rows.push_back(found->second);
  }
  return {at::stack(rows), {}};
}

void StableDiffusionTraining::start_training() {
  noise_scheduler_.emplace(model_.scheduler);
  context_cache_.clear();
  model_.unet->train();
}

NoisedLatents StableDiffusionTraining::add_training_noise(const at::Tensor& latents,
                                                          std::vector<ExampleStreams>& streams) const {
  const std::int64_t rows = latents.size(0);
  std::vector<at::Tensor> noise_rows, timestep_rows;
  for (std::int64_t r = 0; r < rows; ++r) {
    auto& source = streams[static_cast<std::size_t>(r)].noise;
    noise_rows.push_back(at::randn(latents[r].sizes(), source, latents.options().device(at::kCPU)));
    timestep_rows.push_back(
        at::randint(0, model_.scheduler.num_train_timesteps, {1}, source, at::TensorOptions(at::kLong)));
  }
  // Drawn on the CPU (the streams are CPU generators), used where the latents are.
  const at::Tensor noise = at::stack(noise_rows).to(latents.device());
  const at::Tensor timesteps = at::cat(timestep_rows).to(latents.device());
  NoisedLatents out;
  out.timesteps = timesteps;
  out.noisy = noise_scheduler().add_noise(latents, noise, timesteps);
  out.target = noise_scheduler().training_target(latents, noise, timesteps);
  return out;
}

at::Tensor StableDiffusionTraining::predict(const NoisedLatents& input, const TextContext& context) {
  return model_.unet->forward(input.noisy, input.timesteps, context.states);
}

at::Tensor StableDiffusionTraining::loss_weights(const at::Tensor& timesteps, double gamma) const {
  return noise_scheduler().min_snr_weights(timesteps, gamma);
}

std::vector<NamedTensors> low_precision_components(StableDiffusion& model) {
  std::vector<NamedTensors> components(2);
  for (const auto& item : model.unet->named_parameters()) components[0].emplace_back(item.key(), item.value());
  for (const auto& item : model.text_encoder->named_parameters()) components[1].emplace_back(item.key(), item.value());
  return components;
}

std::vector<NamedTensors> StableDiffusionTraining::low_precision_components() {
  return tunegrid::low_precision_components(model_);
}

void StableDiffusionTraining::set_gradient_checkpointing(bool enabled) {
  model_.unet->set_gradient_checkpointing(enabled);
  model_.text_encoder->text_model->encoder->gradient_checkpointing = enabled && trains_text_encoder_;
}

void StableDiffusionTraining::set_training(bool training) {
  if (training)
    model_.unet->train();
  else
    model_.unet->eval();
}

ImageBatch StableDiffusionTraining::sample(const Txt2ImgOptions& options) { return txt2img(model_, options); }

const DDPMScheduler& StableDiffusionTraining::noise_scheduler() const {
  if (!noise_scheduler_) throw std::logic_error("StableDiffusionTraining: start_training() was not called");
  return *noise_scheduler_;
}

}  // namespace tunegrid
