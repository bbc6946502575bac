// pretrain_recipe.h — how the builtin tiny models are made: the architecture of each
// (tiny CLIP, tiny VAE with f = 4, tiny latent UNet, the scene oracle) and the training
// budget, as named recipes. "default" is what builtin:tiny-sd / builtin:tiny-clip /
// builtin:scene-oracle / builtin:tiny-flux resolve to (≤ 15 minutes on a 2-core machine from an empty cache);
// "long" shares its CLIP, VAE and oracle and trains the UNet 3x longer; "test" is the same
// world with budgets small enough for unit tests. A model's cache key is
// a hash of everything that decides its weights: its own recipe fields, the world version
// and, for the UNet, its CLIP's and VAE's keys.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tunegrid {

// Bumped whenever the procedural worlds, the tokenizer or a training loop change what a
// recipe produces, so old cache entries are not reused (defined in pretrain_recipe.cpp, so
// a bump recompiles one file).
extern const int kBuiltinWorldVersion;

struct PretrainRecipe {
  std::string name;          // "default" | "long" | "test"
  int image_size = 32;       // pixels of every builtin model
  std::uint64_t seed = 0;

  // CLIP (text + vision towers, contrastive on scene and aerial captions)
  int clip_hidden = 64, clip_layers = 4, clip_heads = 4, clip_patch = 8, clip_projection = 64;
  int clip_scene_images = 12000, clip_aerial_images = 3000;
  // The judge (builtin:tiny-clip) 2,400 steps (were 1,200): at 1,200 seed 2's judge scored
  // 0.898 zero-shot, below the world check's 0.9 (docs/builtin-world.md, #24). The base model's
  // text encoder keeps 1,200: it conditions the UNet and is judged by nothing.
  int clip_steps = 2400, text_encoder_clip_steps = 1200, clip_batch = 64;
  // clip_steps or text_encoder_clip_steps
  int clip_steps_of(bool with_hanok) const { return with_hanok ? clip_steps : text_encoder_clip_steps; }
  double clip_lr = 2e-3;

  // VAE (AutoencoderKL, three encoder blocks: 32 px -> 8×8×4 latents)
  std::vector<int> vae_channels = {16, 32, 64};
  int vae_images = 8000;
  // Batch 12 (was 16; PSNR 25.1 -> 24.9 dB) and the UNet's 1,400 steps (were 1,600): the world
  // check stays within its targets and the pretraining under 15 minutes on a slow day (docs/builtin-world.md).
  int vae_steps = 1600, vae_batch = 12;
  double vae_lr = 2e-3, vae_kl_weight = 1e-6;

  // UNet (latent, conditioned on the frozen CLIP text tower; scenes WITHOUT hanok + aerial)
  // Its text tower is a CLIP of its own trained without hanok scenes, so the base model's
  // text encoder has never read the word (its embedding stays at its initialisation, shrunk
  // only by weight decay), as a generator's text encoder that never met a rare concept;
  // builtin:tiny-clip, the judge, knows it. With true, the judge's tower (world versions
  // ≤ 6): the UNet then drew what the tower's "hanok" carried, which differed by seed (a
  // flood, a fire, on one seed a hanok), and LoRA learned the hanok formless on one
  // (#24, docs/builtin-world.md, docs/studies.md).
  bool unet_text_encoder_knows_hanok = false;
  std::vector<int> unet_channels = {32, 64};
  // One resnet + transformer per level and one attention head: chosen when the step was
  // dominated by per-op overhead (the libtorch of that time looped over batch × heads in its
  // CPU bmm); this shape took 1,600 steps in the time two layers and four heads took 1,000,
  // and learned the prompts better for it (docs/builtin-world.md).
  int unet_layers_per_block = 1, unet_heads = 1;
  int unet_scene_images = 12000, unet_aerial_images = 2000;
  // 2,800 steps (were 1,400): over pretraining seeds 0-4 the 1,400-step UNet lost the japanese
  // house or the apartment in the fire on three of five seeds (docs/builtin-world.md, #24);
  // libtorch 2.15's faster step pays for the doubling.
  int unet_steps = 2800, unet_batch = 32;
  double unet_lr = 1e-3, unet_min_snr_gamma = 5.0, unet_caption_dropout = 0.1, unet_ema_decay = 0.995;

  // Scene oracle (conv classifier with style and disaster heads)
  int oracle_images = 3000, oracle_steps = 600;

  // FLUX (builtin:tiny-flux): a FluxTransformer2DModel on the tiny VAE's latents packed 2×2
  // (8×8×4 -> 16 tokens of 16), conditioned on the pooled output of tiny-sd's CLIP text tower
  // (the CLIP trained without hanok) and on a small T5 encoder left at its seeded
  // initialisation (frozen, as FLUX freezes its T5) over the world's own SentencePiece vocabulary;
  // rectified flow with logit-normal timesteps, caption dropout for true CFG, EMA; aerial
  // images only (the classifier studies' world). Width 128, 2 double + 4 single blocks:
  // bench.flux_step measured 121 ms a step of batch 32 at this size (docs/benchmarks.md).
  int flux_heads = 4, flux_head_dim = 32, flux_double_layers = 2, flux_single_layers = 4;
  int t5_width = 64, t5_layers = 2, t5_heads = 4, t5_vocabulary = 400;
  int flux_max_sequence_length = 32;  // T5 tokens, tokenizer_2's model_max_length
  int flux_aerial_images = 6000, flux_steps = 2500, flux_batch = 32;
  double flux_lr = 1e-3, flux_caption_dropout = 0.1, flux_ema_decay = 0.995;
};

// "default", "long" or "test"; throws InputError naming `what` otherwise.
PretrainRecipe pretrain_recipe(const std::string& name, const std::string& what = "recipe");
const std::vector<std::string>& pretrain_recipe_names();

// Cache keys (16 hex digits) of each model of a recipe; `with_hanok` = false: the CLIP trained
// without hanok scenes (the base model's text encoder).
std::string clip_recipe_key(const PretrainRecipe& recipe, bool with_hanok = true);
std::string vae_recipe_key(const PretrainRecipe& recipe);
std::string unet_recipe_key(const PretrainRecipe& recipe);
std::string oracle_recipe_key(const PretrainRecipe& recipe);
std::string flux_recipe_key(const PretrainRecipe& recipe);

}  // namespace tunegrid
