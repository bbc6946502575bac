// pretrain_recipe.cpp — see pretrain_recipe.h.
#include "workers/builtin/pretrain_recipe.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "core/text.h"

namespace tunegrid {

// 3: flames below the roofline, oracle blur σ <= 2; 4 (not shipped): terracotta western
// roofs; 5 (not shipped): blue-grey slate western roofs; 6: a brighter, taller slate gable
// and the fire's glow on the lower half of the building only.
const int kBuiltinWorldVersion = 6;

namespace {

std::string fnv1a_hex(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return fmt::format("{:016x}", hash);
}

std::string list_text(const std::vector<int>& values) { return fmt::format("{}", fmt::join(values, ",")); }

}  // namespace

const std::vector<std::string>& pretrain_recipe_names() {
  static const std::vector<std::string> names = {"default", "long", "test"};
  return names;
}

PretrainRecipe pretrain_recipe(const std::string& name, const std::string& what) {
  PretrainRecipe recipe;
  recipe.name = name;
  if (name == "default") return recipe;
  if (name == "long") {  // the default CLIP, VAE and oracle (same cache entries), a UNet trained 3x longer
    recipe.unet_steps = 3 * recipe.unet_steps;
    recipe.unet_ema_decay = 0.999;
    return recipe;
  }
  if (name == "test") {
    recipe.clip_scene_images = 600;
    recipe.clip_aerial_images = 100;
    recipe.clip_steps = recipe.text_encoder_clip_steps = 40;
    recipe.clip_batch = 32;
    recipe.clip_layers = 2;
    recipe.vae_images = 300;
    recipe.vae_steps = 40;
    recipe.vae_batch = 16;
    recipe.vae_channels = {16, 32, 32};
    recipe.unet_channels = {32, 64};
    recipe.unet_layers_per_block = 1;
    recipe.unet_scene_images = 300;
    recipe.unet_aerial_images = 50;
    recipe.unet_steps = 40;
    recipe.unet_batch = 16;
    recipe.unet_ema_decay = 0.9;
    recipe.oracle_images = 400;
    recipe.oracle_steps = 60;
    recipe.flux_aerial_images = 200;
    recipe.flux_steps = 30;
    recipe.flux_batch = 8;
    recipe.flux_single_layers = 1;
    recipe.flux_ema_decay = 0.9;
    return recipe;
  }
  throw InputError(fmt::format("{}: unknown pretraining recipe '{}'; expected one of {}{}", what, name,
                               fmt::join(pretrain_recipe_names(), ", "), did_you_mean(name, pretrain_recipe_names())));
}

std::string clip_recipe_key(const PretrainRecipe& r, bool with_hanok) {
  return fnv1a_hex(fmt::format("clip v{} size={} seed={} hidden={} layers={} heads={} patch={} proj={} scenes={} "
                               "aerial={} steps={} batch={} lr={}{}",
                               kBuiltinWorldVersion, r.image_size, r.seed, r.clip_hidden, r.clip_layers, r.clip_heads,
                               r.clip_patch, r.clip_projection, r.clip_scene_images, r.clip_aerial_images,
                               r.clip_steps_of(with_hanok),
                               r.clip_batch, r.clip_lr, with_hanok ? "" : " without_hanok"));
}

std::string vae_recipe_key(const PretrainRecipe& r) {
  return fnv1a_hex(fmt::format("vae v{} size={} seed={} channels={} images={} steps={} batch={} lr={} kl={}",
                               kBuiltinWorldVersion, r.image_size, r.seed, list_text(r.vae_channels), r.vae_images,
                               r.vae_steps, r.vae_batch, r.vae_lr, r.vae_kl_weight));
}

std::string unet_recipe_key(const PretrainRecipe& r) {
  return fnv1a_hex(fmt::format("unet v{} clip={} vae={} seed={} channels={} layers={} heads={} scenes={} aerial={} "
                               "steps={} batch={} lr={} gamma={} dropout={} ema={}",
                               kBuiltinWorldVersion, clip_recipe_key(r, r.unet_text_encoder_knows_hanok),
                               vae_recipe_key(r), r.seed,
                               list_text(r.unet_channels), r.unet_layers_per_block, r.unet_heads, r.unet_scene_images,
                               r.unet_aerial_images, r.unet_steps, r.unet_batch, r.unet_lr, r.unet_min_snr_gamma,
                               r.unet_caption_dropout, r.unet_ema_decay));
}

std::string oracle_recipe_key(const PretrainRecipe& r) {
  return fnv1a_hex(fmt::format("oracle v{} size={} seed={} images={} steps={}", kBuiltinWorldVersion, r.image_size,
                               r.seed, r.oracle_images, r.oracle_steps));
}

std::string flux_recipe_key(const PretrainRecipe& r) {
  return fnv1a_hex(fmt::format("flux v{} clip={} vae={} seed={} heads={} head_dim={} double={} single={} t5={}x{}x{} "
                               "vocabulary={} sequence={} aerial={} steps={} batch={} lr={} dropout={} ema={}",
                               kBuiltinWorldVersion, clip_recipe_key(r, r.unet_text_encoder_knows_hanok),
                               vae_recipe_key(r), r.seed, r.flux_heads, r.flux_head_dim, r.flux_double_layers,
                               r.flux_single_layers, r.t5_width, r.t5_layers, r.t5_heads, r.t5_vocabulary,
                               r.flux_max_sequence_length, r.flux_aerial_images, r.flux_steps, r.flux_batch, r.flux_lr,
                               r.flux_caption_dropout, r.flux_ema_decay));
}

}  // namespace tunegrid
