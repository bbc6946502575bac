// pretrain_vae.cpp — the builtin tiny VAE (see pretrain_tiny_models.h): diffusers'
// AutoencoderKL with three encoder blocks (f = 4: 32 px images <-> 8×8×4 latents), trained
// as the LDM first stage (Rombach et al. 2022, Sec. 3 and App. G) without its perceptual
// and adversarial terms: L1 + L2 reconstruction of a posterior sample plus a small KL weight
// to N(0, I); random horizontal flips. scaling_factor = 1 / std of the latent means over the
// training images, the rule that gave SD's 0.18215.
#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/optim/adamw.h>

#include <chrono>

#include "core/job_progress.h"
#include "core/stopwatch.h"
#include "core/log.h"
#include "workers/builtin/pretrain_tiny_models.h"
#include "workers/builtin/world_pool.h"
#include "workers/data/rng.h"
#include "workers/eval/clip_preprocess.h"
#include "workers/models/autoencoder_kl.h"

namespace tunegrid {

namespace {

}  // namespace

PretrainReport pretrain_tiny_vae(const PretrainRecipe& recipe, const std::filesystem::path& out) {
  const auto start = std::chrono::steady_clock::now();
  AutoencoderKLConfig config;
  config.block_out_channels = recipe.vae_channels;
  config.down_block_types.assign(recipe.vae_channels.size(), "DownEncoderBlock2D");
  config.up_block_types.assign(recipe.vae_channels.size(), "UpDecoderBlock2D");
  config.layers_per_block = 1;
  config.latent_channels = 4;
  config.norm_num_groups = 8;
  config.sample_size = recipe.image_size;

  at::manual_seed(recipe.seed + 1);
  AutoencoderKL vae(config);
  vae->train();
  const WorldPool pool = make_world_pool(recipe.vae_images * 4 / 5, recipe.vae_images / 5, recipe.image_size,
                                         recipe.seed + 1, false);
  const at::Tensor images = images_to_tensor(pool.images);  // [N, 3, S, S] in [-1, 1]
  torch::optim::AdamW optimizer(vae->parameters(), torch::optim::AdamWOptions(recipe.vae_lr).weight_decay(0.0));
  Rng rng(mix_seed(recipe.seed, 0x7ae));
  PretrainReport report;
  const int batch = recipe.vae_batch;
  for (int step = 0; step < recipe.vae_steps; ++step) {
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(warmup_cosine_lr(recipe.vae_lr, step, recipe.vae_steps));
    std::vector<std::int64_t> index(static_cast<std::size_t>(batch));
    for (auto& i : index) i = rng.below(static_cast<int>(pool.size()));
    at::Tensor x = images.index_select(0, at::tensor(index));
    if (rng.below(2) == 1) x = x.flip({3});
    const DiagonalGaussian posterior = vae->encode(x);
    const at::Tensor reconstruction = vae->decode(posterior.sample());
    const at::Tensor kl = 0.5 * (posterior.mean.pow(2) + posterior.logvar.exp() - 1.0 - posterior.logvar)
                                    .sum({1, 2, 3})
                                    .mean();
    const at::Tensor loss =
        (reconstruction - x).abs().mean() + (reconstruction - x).pow(2).mean() + recipe.vae_kl_weight * kl;
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    report.loss.push_back(loss.item<float>());
    report_job_step("building builtin:tiny-vae", step + 1, recipe.vae_steps);
    if ((step + 1) % 100 == 0 || step + 1 == recipe.vae_steps)
      log::info("builtin", "tiny VAE step {}/{} loss {:.4f} ({:.0f} s)", step + 1, recipe.vae_steps,
                report.loss.back(), seconds_since(start));
  }

  // scaling_factor from the latents of the training images; reconstruction PSNR on held-out ones.
  vae->eval();
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> means;
  for (std::int64_t i = 0; i < images.size(0); i += 256) means.push_back(vae->encode(images.slice(0, i, i + 256)).mean);
  const double latent_std = at::cat(means).std().item<double>();
  vae->config.scaling_factor = 1.0 / latent_std;
  const WorldPool held_out = make_world_pool(200, 50, recipe.image_size, recipe.seed + 2000003, false);
  const at::Tensor test = images_to_tensor(held_out.images);
  const double mse = (vae->decode(vae->encode(test).mean) - test).clamp(-2, 2).pow(2).mean().item<double>() / 4.0;
  report.metrics["reconstruction_psnr"] = 10.0 * std::log10(1.0 / mse);  // on [0, 1] pixels
  report.metrics["scaling_factor"] = vae->config.scaling_factor;
  save_vae(vae, out);
  report.seconds = seconds_since(start);
  write_training_report(out, recipe, report);
  log::info("builtin", "tiny VAE: reconstruction PSNR {:.1f} dB, scaling_factor {:.4f} ({:.0f} s)",
            report.metrics["reconstruction_psnr"], vae->config.scaling_factor, report.seconds);
  return report;
}

}  // namespace tunegrid
