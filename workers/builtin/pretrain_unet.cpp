// pretrain_unet.cpp — the builtin tiny latent diffusion model (see pretrain_tiny_models.h):
// a diffusers UNet2DConditionModel on the tiny VAE's 8×8×4 latents, conditioned on the frozen
// tiny CLIP text tower's last hidden states, trained like diffusers'
// examples/text_to_image/train_text_to_image.py: ε-prediction on SD 1.x's scaled-linear
// schedule, timesteps uniform in [0, 1000), min-SNR-γ loss weights (Hang et al. 2023),
// `caption_dropout` of empty captions (so classifier-free guidance works), AdamW with
// warm-up + cosine, EMA of the weights (saved). The training scenes leave hanok out: the
// base model must know chinese, japanese, western houses, apartments and disasters, and
// not hanok — the gap the fine-tuning studies measure.
#include <ATen/ATen.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/optim/adamw.h>

#include <chrono>
#include <unordered_map>

#include "core/job_progress.h"
#include "core/stopwatch.h"
#include "core/atomic_file.h"
#include "core/log.h"
#include "workers/builtin/base_model_parts.h"
#include "workers/builtin/pretrain_tiny_models.h"
#include "workers/builtin/world_pool.h"
#include "workers/data/rng.h"
#include "workers/diffusion/ddpm_scheduler.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/eval/clip_preprocess.h"
#include "workers/models/clip_vision_model.h"
#include "workers/models/stable_diffusion.h"
#include "workers/models/weights.h"
#include "workers/models/reference_versions.h"

namespace tunegrid {

namespace {

// SD 1.x's noise schedule and DDIM settings (scheduler_config.json of runwayml/stable-diffusion-v1-5,
// as DDIMScheduler.from_config writes it).
nlohmann::json scheduler_json() {
  return {{"_class_name", "DDIMScheduler"},   {"_diffusers_version", kDiffusersVersion},
          {"beta_start", 0.00085},            {"beta_end", 0.012},
          {"beta_schedule", "scaled_linear"}, {"clip_sample", false},
          {"clip_sample_range", 1.0},         {"dynamic_thresholding_ratio", 0.995},
          {"num_train_timesteps", 1000},      {"prediction_type", "epsilon"},
          {"rescale_betas_zero_snr", false},  {"sample_max_value", 1.0},
          {"set_alpha_to_one", false},        {"steps_offset", 1},
          {"thresholding", false},            {"timestep_spacing", "leading"},
          {"trained_betas", nullptr}};
}

nlohmann::json model_index_json() {
  return {{"_class_name", "StableDiffusionPipeline"},
          {"_diffusers_version", kDiffusersVersion},
          {"feature_extractor", {nullptr, nullptr}},
          {"safety_checker", {nullptr, nullptr}},
          {"requires_safety_checker", false},
          {"scheduler", {"diffusers", "DDIMScheduler"}},
          {"text_encoder", {"transformers", "CLIPTextModel"}},
          {"tokenizer", {"transformers", "CLIPTokenizer"}},
          {"unet", {"diffusers", "UNet2DConditionModel"}},
          {"vae", {"diffusers", "AutoencoderKL"}},
          {"image_encoder", {nullptr, nullptr}}};
}

// The pipeline folder's fixed parts, written to `out`: tokenizer, text encoder (the CLIP's text
// tower), VAE and scheduler.
StableDiffusion assemble_tiny_sd(const std::filesystem::path& clip_dir, const std::filesystem::path& vae_dir,
                                 const std::filesystem::path& out) {
  copy_clip_tokenizer(clip_dir, out / "tokenizer");
  CLIPModel clip = load_clip_model(clip_dir);
  StableDiffusion sd;
  sd.dir = out;
  sd.tokenizer = std::make_shared<CLIPTokenizer>(out / "tokenizer");
  sd.text_encoder = clip_text_tower(clip);
  save_clip_text_model(sd.text_encoder, out / "text_encoder");
  sd.vae = load_vae(vae_dir);
  save_vae(sd.vae, out / "vae");
  std::filesystem::create_directories(out / "scheduler");
  write_file_atomically(out / "scheduler" / "scheduler_config.json", scheduler_json().dump(2) + "\n");
  sd.scheduler = read_scheduler_config(out / "scheduler" / "scheduler_config.json");
  return sd;
}

// The recipe's UNet on the VAE's latents, cross-attending to the text encoder, initialised from seed + 2.
UNet2DConditionModel tiny_unet(const PretrainRecipe& recipe, const StableDiffusion& sd) {
  UNet2DConditionConfig config;
  config.sample_size = recipe.image_size / sd.vae->downscale_factor();
  config.in_channels = config.out_channels = sd.vae->config.latent_channels;
  config.block_out_channels = recipe.unet_channels;
  config.down_block_types.assign(recipe.unet_channels.size(), "CrossAttnDownBlock2D");
  config.up_block_types.assign(recipe.unet_channels.size(), "CrossAttnUpBlock2D");
  config.layers_per_block = recipe.unet_layers_per_block;
  config.num_attention_heads.assign(recipe.unet_channels.size(), recipe.unet_heads);
  config.cross_attention_dim = sd.text_encoder->text_model->config.hidden_size;
  config.norm_num_groups = 16;
  at::manual_seed(recipe.seed + 2);
  UNet2DConditionModel unet(config);
  unet->train();
  return unet;
}

// The frozen text encoder's last states of each caption, encoded once: [rows, 77, d].
class CaptionStates {
 public:
  explicit CaptionStates(StableDiffusion& sd) : sd_(sd) {}
  at::Tensor operator()(const std::vector<std::string>& captions) {
    std::vector<std::string> missing;
    for (const auto& caption : captions)
      if (!cache_.count(caption) && std::find(missing.begin(), missing.end(), caption) == missing.end())
        missing.push_back(caption);
    if (!missing.empty()) {
      at::NoGradGuard no_grad;
      const at::Tensor encoded = encode_prompts(sd_, missing);
      for (std::size_t i = 0; i < missing.size(); ++i) cache_[missing[i]] = encoded[static_cast<std::int64_t>(i)];
    }
    std::vector<at::Tensor> rows;
    for (const auto& caption : captions) rows.push_back(cache_.at(caption));
    return at::stack(rows);
  }

 private:
  StableDiffusion& sd_;
  std::unordered_map<std::string, at::Tensor> cache_;
};

}  // namespace

PretrainReport pretrain_tiny_unet(const PretrainRecipe& recipe, const std::filesystem::path& clip_dir,
                                  const std::filesystem::path& vae_dir, const std::filesystem::path& out) {
  const auto start = std::chrono::steady_clock::now();
  // The pipeline folder first: tokenizer, text encoder, VAE and scheduler are fixed.
  StableDiffusion sd = assemble_tiny_sd(clip_dir, vae_dir, out);
  UNet2DConditionModel unet = tiny_unet(recipe, sd);

  // Latent posteriors of the pool, once.
  const WorldPool pool = make_world_pool(recipe.unet_scene_images, recipe.unet_aerial_images, recipe.image_size,
                                         recipe.seed + 2, /*exclude_hanok=*/true);
  const LatentPosteriors posteriors = encode_posteriors(sd.vae, pool.images);
  const at::Tensor& latent_mean = posteriors.mean;
  log::info("builtin", "tiny UNet: {} images encoded to {}x{}x{} latents ({:.0f} s)", pool.size(),
            latent_mean.size(1), latent_mean.size(2), latent_mean.size(3), seconds_since(start));

  DDPMScheduler noise_scheduler(sd.scheduler);
  CaptionStates context_of(sd);

  ParameterAverage ema(unet->parameters(), recipe.unet_ema_decay);
  torch::optim::AdamW optimizer(unet->parameters(), torch::optim::AdamWOptions(recipe.unet_lr).weight_decay(1e-2));
  Rng rng(mix_seed(recipe.seed, 0x0e7));
  PretrainReport report;
  const int batch = recipe.unet_batch;
  const double scaling = sd.vae->config.scaling_factor;
  for (int step = 0; step < recipe.unet_steps; ++step) {
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(warmup_cosine_lr(recipe.unet_lr, step, recipe.unet_steps));
    const PoolBatch examples = draw_pool_batch(pool, batch, recipe.unet_caption_dropout, rng);
    const at::Tensor latents = posterior_sample(posteriors, examples.index) * scaling;
    const at::Tensor noise = at::randn_like(latents);
    const at::Tensor timesteps = at::randint(0, sd.scheduler.num_train_timesteps, {batch}, at::kLong);
    const at::Tensor noisy = noise_scheduler.add_noise(latents, noise, timesteps);
    const at::Tensor prediction = unet->forward(noisy, timesteps, context_of(examples.captions));
    const at::Tensor per_sample = (prediction - noise).pow(2).mean({1, 2, 3});
    const at::Tensor loss = (per_sample * noise_scheduler.min_snr_weights(timesteps, recipe.unet_min_snr_gamma)).mean();
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    ema.update(step);
    report.loss.push_back(loss.item<float>());
    report_job_step("building builtin:tiny-sd (its UNet)", step + 1, recipe.unet_steps);
    if ((step + 1) % 100 == 0 || step + 1 == recipe.unet_steps)
      log::info("builtin", "tiny UNet step {}/{} loss {:.4f} ({:.0f} s)", step + 1, recipe.unet_steps,
                report.loss.back(), seconds_since(start));
  }
  ema.copy_to();
  unet->eval();
  save_unet(unet, out / "unet");
  write_file_atomically(out / "model_index.json", model_index_json().dump(2) + "\n");
  report.seconds = seconds_since(start);
  write_training_report(out, recipe, report);
  log::info("builtin", "tiny UNet: done ({:.0f} s)", report.seconds);
  return report;
}

}  // namespace tunegrid
