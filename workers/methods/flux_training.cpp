// flux_training.cpp — see flux_training.h.
#include "workers/methods/flux_training.h"

#include <cmath>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "core/errors.h"
#include "workers/eval/clip_preprocess.h"
#include "workers/methods/mixed_precision.h"

namespace tunegrid {

double flux_timestep_density(const FluxTrainingOptions& options, at::Generator& source) {
  const auto cpu = at::TensorOptions().dtype(at::kFloat);
  if (options.weighting_scheme == "logit_normal")
    return at::sigmoid(at::normal(options.logit_mean, options.logit_std, {1}, source, cpu)).item<float>();
  const at::Tensor u = at::rand({1}, source, cpu);
  if (options.weighting_scheme == "mode")
    return (1 - u - options.mode_scale * (at::cos(M_PI * u / 2).pow(2) - 1 + u)).item<float>();
  return u.item<float>();
}

at::Tensor flux_loss_weights(const std::string& weighting_scheme, const at::Tensor& sigmas) {
  if (weighting_scheme == "sigma_sqrt") return sigmas.pow(-2.0).to(at::kFloat);
  if (weighting_scheme == "cosmap") return 2 / (M_PI * (1 - 2 * sigmas + 2 * sigmas.pow(2)));
  return at::ones_like(sigmas);
}

FluxTraining::FluxTraining(Flux& model, FluxTrainingOptions options)
    : model_(model), options_(std::move(options)), training_schedule_(model.scheduler) {}

int FluxTraining::latent_downscale() const { return model_.vae_scale_factor(); }

namespace {

// (z − shift_factor)·scaling_factor: the transformer's latent scale.
at::Tensor to_transformer_scale(const at::Tensor& z, const AutoencoderKLConfig& vae) {
  return (z - vae.shift_factor) * vae.scaling_factor;
}

}  // namespace

at::Tensor FluxTraining::stored_latents(const TrainingSet& set, const std::vector<std::int64_t>& index,
                                        const std::vector<bool>& flipped, std::vector<ExampleStreams>& streams,
                                        std::size_t first_stream) {
  std::vector<at::Tensor> rows;
  for (std::size_t k = 0; k < index.size(); ++k)
    rows.push_back(sample_latents(set, {index[k]}, {flipped[k]}, 1.0, streams[first_stream + k].noise));
  return to_transformer_scale(at::cat(rows), model_.vae->config).to(model_.device());
}

at::Tensor FluxTraining::encode_images(const ImageBatch& images, std::vector<ExampleStreams>& streams) {
  at::NoGradGuard no_grad;
  const DiagonalGaussian posterior = model_.vae->encode(images_to_tensor(images).to(model_.device()));
  std::vector<at::Tensor> rows;
  for (std::size_t k = 0; k < static_cast<std::size_t>(images.count); ++k)
    rows.push_back(posterior.mean[k] + posterior.std[k] * at::randn(posterior.mean[k].sizes(), streams[k].noise,
                                                                    posterior.mean.options().device(at::kCPU))
                                                              .to(posterior.mean.device()));
  return to_transformer_scale(at::stack(rows), model_.vae->config);
}

TextContext FluxTraining::text_context(const std::vector<std::string>& captions) {
  if (options_.trains_text_encoder) {
    const FluxPromptEmbeddings e = encode_flux_prompts(model_, captions, options_.max_sequence_length);
    return {e.t5_states, e.pooled};
  }
  std::vector<at::Tensor> states, pooled;
  for (const auto& caption : captions) {
    auto found = context_cache_.find(caption);
    if (found == context_cache_.end()) {
      at::NoGradGuard no_grad;
      const FluxPromptEmbeddings e = encode_flux_prompts(model_, {caption}, options_.max_sequence_length);
      found = context_cache_.emplace(caption, std::make_pair(e.t5_states[0], e.pooled[0])).first;
    }
    states.push_back(found->second.first);
    pooled.push_back(found->second.second);
  }
  return {at::stack(states), at::stack(pooled)};
}

void FluxTraining::start_training() {
  const std::vector<std::string> schemes = {"none", "sigma_sqrt", "logit_normal", "mode", "cosmap"};
  if (std::find(schemes.begin(), schemes.end(), options_.weighting_scheme) == schemes.end())
    throw InputError(fmt::format("weighting_scheme '{}' is not one of none, sigma_sqrt, logit_normal, mode, cosmap",
                                 options_.weighting_scheme));
  context_cache_.clear();
  model_.transformer->train();
}

NoisedLatents FluxTraining::add_training_noise(const at::Tensor& latents, std::vector<ExampleStreams>& streams) const {
  const std::int64_t rows = latents.size(0);
  const int train_timesteps = training_schedule_.config().num_train_timesteps;
  std::vector<at::Tensor> noise_rows;
  std::vector<std::int64_t> indices;
  for (std::int64_t r = 0; r < rows; ++r) {
    auto& source = streams[static_cast<std::size_t>(r)].noise;
    noise_rows.push_back(at::randn(latents[r].sizes(), source, latents.options().device(at::kCPU)));
    // (u * T).long() on a float32 u, as the script indexes the schedule.
    const float u = static_cast<float>(flux_timestep_density(options_, source));
    const auto index = static_cast<std::int64_t>(u * static_cast<float>(train_timesteps));
    indices.push_back(std::clamp<std::int64_t>(index, 0, train_timesteps - 1));
  }
  // Drawn on the CPU (the streams are CPU generators), used where the latents are.
  const at::Tensor noise = at::stack(noise_rows).to(latents.device());
  const at::Tensor picked = at::tensor(indices, at::kLong);
  const at::Tensor sigmas = training_schedule_.sigmas().index_select(0, picked).to(latents.device());
  const at::Tensor sigma = sigmas.to(latents.scalar_type()).view({rows, 1, 1, 1});
  NoisedLatents out;
  out.timesteps = training_schedule_.timesteps().index_select(0, picked).to(latents.device());
  out.noisy = (1.0 - sigma) * latents + sigma * noise;
  out.target = noise - latents;
  out.weights = flux_loss_weights(options_.weighting_scheme, sigmas);
  return out;
}

at::Tensor FluxTraining::predict(const NoisedLatents& input, const TextContext& context) {
  const auto rows = input.noisy.size(0), height = input.noisy.size(2), width = input.noisy.size(3);
  const auto options = input.noisy.options();
  FluxTransformerInput in;
  in.hidden_states = pack_flux_latents(input.noisy);
  in.encoder_hidden_states = context.states;
  in.pooled_projections = context.pooled;
  in.timestep = input.timesteps.to(options.dtype()) / 1000;
  if (model_.transformer->config.guidance_embeds)
    in.guidance = at::full({rows}, options_.guidance_scale, options.dtype(at::kFloat));
  in.img_ids = flux_image_ids(height / 2, width / 2, options);
  in.txt_ids = at::zeros({context.states.size(1), 3}, options);
  return unpack_flux_latents(model_.transformer->forward(in), height, width);
}

at::Tensor FluxTraining::loss_weights(const at::Tensor&, double) const {
  throw InputError("snr_gamma applies to Stable Diffusion's DDPM training; FLUX weights its loss by weighting_scheme");
}

std::vector<NamedTensors> FluxTraining::low_precision_components() {
  std::vector<NamedTensors> components(3);
  for (const auto& item : model_.transformer->named_parameters()) components[0].emplace_back(item.key(), item.value());
  for (const auto& item : model_.text_encoder->named_parameters()) components[1].emplace_back(item.key(), item.value());
  for (const auto& item : model_.text_encoder_2->named_parameters()) components[2].emplace_back(item.key(), item.value());
  return components;
}

void FluxTraining::set_gradient_checkpointing(bool enabled) {
  model_.transformer->gradient_checkpointing = enabled;
  model_.text_encoder->text_model->encoder->gradient_checkpointing = enabled && options_.trains_text_encoder;
}

void FluxTraining::set_training(bool training) {
  if (training)
    model_.transformer->train();
  else
    model_.transformer->eval();
}

ImageBatch FluxTraining::sample(const Txt2ImgOptions& options) {
  Txt2ImgOptions flux_options = options;
  flux_options.max_sequence_length = options_.max_sequence_length;
  return flux_txt2img(model_, flux_options);
}

}  // namespace tunegrid
