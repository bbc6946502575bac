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

// The text tower of a CLIPModel as a CLIPTextModel (the same text_model.* weights).
CLIPTextModel text_tower(CLIPModel& clip) {
  CLIPTextModel text(clip->text_model->config, false);
  at::NoGradGuard no_grad;
  auto source = clip->text_model->named_parameters();
  for (auto& item : text->text_model->named_parameters()) item.value().copy_(source[item.key()]);
  text->eval();
  return text;
}

}  // namespace

PretrainReport pretrain_tiny_unet(const PretrainRecipe& recipe, const std::filesystem::path& clip_dir,
                                  const std::filesystem::path& vae_dir, const std::filesystem::path& out) {
  const auto start = std::chrono::steady_clock::now();
  // The pipeline folder first: tokenizer, text encoder, VAE and scheduler are fixed.
  for (const char* file : {"vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json"}) {
    std::filesystem::create_directories(out / "tokenizer");
    std::filesystem::copy_file(clip_dir / file, out / "tokenizer" / file,
                               std::filesystem::copy_options::overwrite_existing);
  }
  CLIPModel clip = load_clip_model(clip_dir);
  StableDiffusion sd;
  sd.dir = out;
  sd.tokenizer = std::make_shared<CLIPTokenizer>(out / "tokenizer");
  sd.text_encoder = text_tower(clip);
  save_clip_text_model(sd.text_encoder, out / "text_encoder");
  sd.vae = load_vae(vae_dir);
  save_vae(sd.vae, out / "vae");
  std::filesystem::create_directories(out / "scheduler");
  write_file_atomically(out / "scheduler" / "scheduler_config.json", scheduler_json().dump(2) + "\n");
  sd.scheduler = read_scheduler_config(out / "scheduler" / "scheduler_config.json");

  const int f = sd.vae->downscale_factor();
  UNet2DConditionConfig config;
  config.sample_size = recipe.image_size / f;
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

  // Latent posteriors of the pool, once.
  const WorldPool pool = make_world_pool(recipe.unet_scene_images, recipe.unet_aerial_images, recipe.image_size,
                                         recipe.seed + 2, /*exclude_hanok=*/true);
  at::Tensor latent_mean, latent_std;
  {
    at::NoGradGuard no_grad;
    const at::Tensor images = images_to_tensor(pool.images);
    std::vector<at::Tensor> means, stds;
    for (std::int64_t i = 0; i < images.size(0); i += 256) {
      const DiagonalGaussian posterior = sd.vae->encode(images.slice(0, i, i + 256));
      means.push_back(posterior.mean);
      stds.push_back(posterior.std);
    }
    latent_mean = at::cat(means);
    latent_std = at::cat(stds);
  }
  log::info("builtin", "tiny UNet: {} images encoded to {}x{}x{} latents ({:.0f} s)", pool.size(),
            latent_mean.size(1), latent_mean.size(2), latent_mean.size(3), seconds_since(start));

  DDPMScheduler noise_scheduler(sd.scheduler);
  std::unordered_map<std::string, at::Tensor> context_cache;  // caption -> [77, d]
  auto context_of = [&](const std::vector<std::string>& captions) {
    std::vector<std::string> missing;
    for (const auto& caption : captions)
      if (!context_cache.count(caption) &&
          std::find(missing.begin(), missing.end(), caption) == missing.end())
        missing.push_back(caption);
    if (!missing.empty()) {
      at::NoGradGuard no_grad;  // the text tower is frozen
      const at::Tensor encoded = encode_prompts(sd, missing);
      for (std::size_t i = 0; i < missing.size(); ++i) context_cache[missing[i]] = encoded[static_cast<std::int64_t>(i)];
    }
    std::vector<at::Tensor> rows;
    for (const auto& caption : captions) rows.push_back(context_cache.at(caption));
    return at::stack(rows);
  };

  std::vector<at::Tensor> ema;
  for (const auto& p : unet->parameters()) ema.push_back(p.detach().clone());
  torch::optim::AdamW optimizer(unet->parameters(), torch::optim::AdamWOptions(recipe.unet_lr).weight_decay(1e-2));
  Rng rng(mix_seed(recipe.seed, 0x0e7));
  PretrainReport report;
  const int batch = recipe.unet_batch;
  const double scaling = sd.vae->config.scaling_factor;
  for (int step = 0; step < recipe.unet_steps; ++step) {
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(warmup_cosine_lr(recipe.unet_lr, step, recipe.unet_steps));
    std::vector<std::int64_t> index(static_cast<std::size_t>(batch));
    std::vector<std::string> captions;
    for (auto& i : index) {
      i = rng.below(static_cast<int>(pool.size()));
      const bool drop = rng.unit() < recipe.unet_caption_dropout;
      captions.push_back(drop ? std::string() : pool.caption(static_cast<std::size_t>(i), rng.next()));
    }
    const at::Tensor chosen = at::tensor(index);
    const at::Tensor latents =
        (latent_mean.index_select(0, chosen) + latent_std.index_select(0, chosen) * at::randn_like(latent_mean.index_select(0, chosen))) *
        scaling;
    const at::Tensor noise = at::randn_like(latents);
    const at::Tensor timesteps = at::randint(0, sd.scheduler.num_train_timesteps, {batch}, at::kLong);
    const at::Tensor noisy = noise_scheduler.add_noise(latents, noise, timesteps);
    const at::Tensor prediction = unet->forward(noisy, timesteps, context_of(captions));
    const at::Tensor per_sample = (prediction - noise).pow(2).mean({1, 2, 3});
    const at::Tensor loss = (per_sample * noise_scheduler.min_snr_weights(timesteps, recipe.unet_min_snr_gamma)).mean();
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    {
      at::NoGradGuard no_grad;
      const double decay = std::min(recipe.unet_ema_decay, (1.0 + step) / (10.0 + step));
      std::size_t k = 0;
      for (const auto& p : unet->parameters()) ema[k++].mul_(decay).add_(p.detach(), 1.0 - decay);
    }
    report.loss.push_back(loss.item<float>());
    report_job_step("building builtin:tiny-sd (its UNet)", step + 1, recipe.unet_steps);
    if ((step + 1) % 100 == 0 || step + 1 == recipe.unet_steps)
      log::info("builtin", "tiny UNet step {}/{} loss {:.4f} ({:.0f} s)", step + 1, recipe.unet_steps,
                report.loss.back(), seconds_since(start));
  }
  {
    at::NoGradGuard no_grad;
    std::size_t k = 0;
    for (auto& p : unet->parameters()) p.copy_(ema[k++]);
  }
  unet->eval();
  save_unet(unet, out / "unet");
  write_file_atomically(out / "model_index.json", model_index_json().dump(2) + "\n");
  report.seconds = seconds_since(start);
  write_training_report(out, recipe, report);
  log::info("builtin", "tiny UNet: done ({:.0f} s)", report.seconds);
  return report;
}

}  // namespace tunegrid
