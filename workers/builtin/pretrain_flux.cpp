// pretrain_flux.cpp — the builtin tiny FLUX (see pretrain_tiny_models.h): diffusers'
// FluxTransformer2DModel (Black Forest Labs 2024; double-stream then single-stream blocks) on the
// tiny VAE's latents packed 2×2, trained by rectified flow (Liu et al. 2022; Esser et al. 2024)
// as diffusers' train_dreambooth_lora_flux.py trains it (workers/methods/flux_training.h: noisy
// = (1 − σ)·x₀ + σ·ε, target ε − x₀, σ from the logit-normal density of Esser et al. Sec. 3.1),
// from scratch on aerial images with 10 % empty captions (so true classifier-free guidance
// works: the transformer has no guidance embedder), AdamW with warm-up + cosine, EMA weights
// saved. Its prompt readers: the CLIP text tower tiny-sd reads prompts with (pooled output),
// and a small T5 encoder over the world's SentencePiece vocabulary left at its seeded
// initialisation and frozen (FLUX freezes its T5; this one was never pretrained on text, so
// the transformer learns to read its token features, and CLIP's pooled text carries most of
// the meaning). The VAE is tiny-sd's (4 latent channels, where FLUX.1's has 16: diffusers'
// own tiny FLUX test pipelines use fewer) with FLUX's latent normalisation: shift_factor =
// the mean of the aerial latents, scaling_factor = 1 / their std.
#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/optim/adamw.h>

#include <chrono>

#include "core/job_progress.h"
#include "core/log.h"
#include "core/stopwatch.h"
#include "workers/builtin/base_model_parts.h"
#include "workers/builtin/pretrain_tiny_models.h"
#include "workers/builtin/world_pool.h"
#include "workers/data/rng.h"
#include "workers/data/world_sentencepiece.h"
#include "workers/methods/flux_training.h"
#include "workers/methods/training_examples.h"
#include "workers/models/flux.h"

namespace tunegrid {

namespace {

// FLUX.1-dev's scheduler_config.json: shift 3 (unused with dynamic shifting), μ from the
// packed sequence length between base_image_seq_len and max_image_seq_len.
FlowMatchSchedulerConfig flux_dev_scheduler() {
  FlowMatchSchedulerConfig config;
  config.shift = 3.0;
  config.use_dynamic_shifting = true;
  return config;
}

T5Config world_t5_config(const PretrainRecipe& recipe, int vocabulary) {
  T5Config config;
  config.vocab_size = vocabulary;
  config.d_model = recipe.t5_width;
  config.num_heads = recipe.t5_heads;
  config.d_kv = recipe.t5_width / recipe.t5_heads;
  config.d_ff = 2 * recipe.t5_width;
  config.num_layers = recipe.t5_layers;
  config.feed_forward_proj = "gated-gelu";  // T5 v1.1, as FLUX's T5-XXL
  return config;
}

FluxTransformerConfig tiny_transformer_config(const PretrainRecipe& recipe, const Flux& model) {
  FluxTransformerConfig config;
  config.in_channels = 4 * model.vae->config.latent_channels;
  config.num_layers = recipe.flux_double_layers;
  config.num_single_layers = recipe.flux_single_layers;
  config.attention_head_dim = recipe.flux_head_dim;
  config.num_attention_heads = recipe.flux_heads;
  config.joint_attention_dim = model.text_encoder_2->config.d_model;
  config.pooled_projection_dim = model.text_encoder->text_model->config.hidden_size;
  config.guidance_embeds = false;  // no guidance distillation: true CFG samples it
  // The rotary axes split the head as FLUX.1's (16, 56, 56) splits 128: an eighth for the
  // (always 0) image index, the rest shared by row and column.
  const int index_axis = recipe.flux_head_dim / 8 / 2 * 2;
  const int spatial_axis = (recipe.flux_head_dim - index_axis) / 2;
  config.axes_dims_rope = {recipe.flux_head_dim - 2 * spatial_axis, spatial_axis, spatial_axis};
  return config;
}

// FLUX's latent normalisation of the VAE from the latents' posterior means.
void normalise_latents(AutoencoderKL& vae, const at::Tensor& means) {
  vae->config.shift_factor = means.mean().item<double>();
  vae->config.scaling_factor = 1.0 / (means - vae->config.shift_factor).std().item<double>();
}

// Every component but the transformer's trained weights; tokenizer files already in `out`.
Flux assemble_tiny_flux(const PretrainRecipe& recipe, const std::filesystem::path& clip_dir,
                        const std::filesystem::path& vae_dir, const std::filesystem::path& out) {
  copy_clip_tokenizer(clip_dir, out / "tokenizer");
  write_world_sentencepiece(out / "tokenizer_2", recipe.t5_vocabulary, recipe.flux_max_sequence_length);
  Flux model;
  model.dir = out;
  model.tokenizer = std::make_shared<CLIPTokenizer>(out / "tokenizer");
  CLIPModel clip = load_clip_model(clip_dir);
  model.text_encoder = clip_text_tower(clip);
  model.tokenizer_2 = std::make_shared<T5Tokenizer>(out / "tokenizer_2");
  at::manual_seed(recipe.seed + 3);
  model.text_encoder_2 = T5EncoderModel(world_t5_config(recipe, static_cast<int>(model.tokenizer_2->vocab_size())));
  model.text_encoder_2->eval();
  for (auto& p : model.text_encoder_2->parameters()) p.set_requires_grad(false);
  for (auto& p : model.text_encoder->parameters()) p.set_requires_grad(false);
  model.vae = load_vae(vae_dir);
  model.vae->eval();
  for (auto& p : model.vae->parameters()) p.set_requires_grad(false);
  model.scheduler = flux_dev_scheduler();
  model.transformer = FluxTransformer2DModel(tiny_transformer_config(recipe, model));
  return model;
}

// A posterior sample of examples `index` in the transformer's latent scale.
at::Tensor latent_batch(const LatentPosteriors& posteriors, const std::vector<std::int64_t>& index,
                        const AutoencoderKLConfig& vae) {
  return (posterior_sample(posteriors, index) - vae.shift_factor) * vae.scaling_factor;
}

at::Tensor flow_loss(FluxTraining& training, const NoisedLatents& noised, const std::vector<std::string>& captions) {
  const at::Tensor prediction = training.predict(noised, training.text_context(captions));
  const at::Tensor per_example = (prediction - noised.target).pow(2).mean({1, 2, 3});
  return noised.weights.defined() ? (per_example * noised.weights).mean() : per_example.mean();
}

// The flow-matching loss on held-out aerial images, their first caption, fixed noise and
// σ = 0.1, 0.2, …, 0.9 (predicting zero scores about 2).
double held_out_flow_loss(FluxTraining& training, Flux& model, const PretrainRecipe& recipe) {
  at::NoGradGuard no_grad;
  const WorldPool held_out = make_world_pool(0, 144, recipe.image_size, recipe.seed + 2000004, true);
  const LatentPosteriors posteriors = encode_posteriors(model.vae, held_out.images);
  const at::Tensor x = (posteriors.mean - model.vae->config.shift_factor) * model.vae->config.scaling_factor;
  std::vector<std::string> captions;
  for (std::size_t i = 0; i < held_out.size(); ++i) captions.push_back(held_out.caption(i, 0));
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(recipe.seed + 17);
  double total = 0;
  for (int k = 1; k <= 9; ++k) {
    const double sigma = 0.1 * k;
    NoisedLatents noised;
    const at::Tensor noise = at::randn(x.sizes(), generator, x.options());
    noised.noisy = (1.0 - sigma) * x + sigma * noise;
    noised.timesteps = at::full({x.size(0)}, sigma * 1000.0, x.options());
    noised.target = noise - x;
    total += flow_loss(training, noised, captions).item<double>();
  }
  return total / 9;
}

}  // namespace

PretrainReport pretrain_tiny_flux(const PretrainRecipe& recipe, const std::filesystem::path& clip_dir,
                                  const std::filesystem::path& vae_dir, const std::filesystem::path& out) {
  const auto start = std::chrono::steady_clock::now();
  Flux model = assemble_tiny_flux(recipe, clip_dir, vae_dir, out);
  const WorldPool pool = make_world_pool(0, recipe.flux_aerial_images, recipe.image_size, recipe.seed + 3, true);
  const LatentPosteriors posteriors = encode_posteriors(model.vae, pool.images);
  normalise_latents(model.vae, posteriors.mean);
  log::info("builtin", "tiny FLUX: {} aerial images encoded, shift_factor {:.4f}, scaling_factor {:.4f} ({:.0f} s)",
            pool.size(), model.vae->config.shift_factor, model.vae->config.scaling_factor, seconds_since(start));

  FluxTrainingOptions options;
  options.weighting_scheme = "logit_normal";
  options.max_sequence_length = recipe.flux_max_sequence_length;
  FluxTraining training(model, options);
  training.start_training();
  torch::optim::AdamW optimizer(model.transformer->parameters(),
                                torch::optim::AdamWOptions(recipe.flux_lr).weight_decay(1e-2));
  ParameterAverage ema(model.transformer->parameters(), recipe.flux_ema_decay);
  Rng rng(mix_seed(recipe.seed, 0xf1c));
  PretrainReport report;
  for (int step = 0; step < recipe.flux_steps; ++step) {
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(warmup_cosine_lr(recipe.flux_lr, step, recipe.flux_steps));
    const PoolBatch examples = draw_pool_batch(pool, recipe.flux_batch, recipe.flux_caption_dropout, rng);
    std::vector<ExampleStreams> streams;
    for (int k = 0; k < recipe.flux_batch; ++k) streams.push_back(example_streams(recipe.seed, step, k));
    const at::Tensor latents = latent_batch(posteriors, examples.index, model.vae->config);
    const at::Tensor loss = flow_loss(training, training.add_training_noise(latents, streams), examples.captions);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    ema.update(step);
    report.loss.push_back(loss.item<float>());
    report_job_step("building builtin:tiny-flux (its transformer)", step + 1, recipe.flux_steps);
    if ((step + 1) % 100 == 0 || step + 1 == recipe.flux_steps)
      log::info("builtin", "tiny FLUX step {}/{} loss {:.4f} ({:.0f} s)", step + 1, recipe.flux_steps,
                report.loss.back(), seconds_since(start));
  }
  ema.copy_to();
  training.set_training(false);
  report.metrics["flow_loss_held_out"] = held_out_flow_loss(training, model, recipe);
  report.metrics["shift_factor"] = model.vae->config.shift_factor;
  report.metrics["scaling_factor"] = model.vae->config.scaling_factor;
  save_flux(model, out);
  report.seconds = seconds_since(start);
  write_training_report(out, recipe, report);
  log::info("builtin", "tiny FLUX: held-out flow loss {:.4f} ({:.0f} s)", report.metrics["flow_loss_held_out"],
            report.seconds);
  return report;
}

}  // namespace tunegrid
