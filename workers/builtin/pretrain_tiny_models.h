// pretrain_tiny_models.h — the training loops that make the builtin tiny models, each
// writing a folder in the layout the real tools use, plus DIR/training.json (recipe, loss
// per step, metrics, seconds):
//   CLIP   a transformers CLIPModel folder (config.json, model.safetensors, tokenizer
//          files); symmetric InfoNCE (Radford et al. 2021) with soft targets: equal
//          captions are positives of each other, pairs of the same ground-truth labels
//          half-positives; metric zero_shot_style_accuracy on held-out scenes with the
//          prompts "a <style noun>".
//   VAE    a diffusers AutoencoderKL folder: L1 + L2 reconstruction + kl_weight · KL, as the
//          LDM autoencoder without its perceptual and adversarial terms; scaling_factor =
//          1 / std of the latents (how SD's 0.18215 was chosen).
//   UNet   a diffusers StableDiffusionPipeline folder (model_index.json, tokenizer/,
//          text_encoder/ = the text tower of the CLIP trained without hanok, vae/, unet/,
//          scheduler/ = SD 1.x's DDIM
//          settings): ε-prediction with min-SNR-γ weights, caption dropout for classifier-free
//          guidance, EMA weights saved; trained on scenes WITHOUT hanok and on aerial images.
//   FLUX   a diffusers FluxPipeline folder (model_index.json, tokenizer/ + text_encoder/ as
//          tiny-sd's, tokenizer_2/ the world's SentencePiece model + text_encoder_2/ a T5
//          encoder at its seeded initialisation, vae/ the tiny VAE with the aerial latents'
//          shift_factor and scaling_factor, scheduler/ FLUX.1-dev's FlowMatchEulerDiscreteScheduler,
//          transformer/): rectified flow as the FLUX training script with logit-normal
//          timesteps, caption dropout, EMA weights saved; trained on aerial images; metric
//          flow_loss_held_out.
//   oracle a conv classifier folder (workers/models/conv_classifier.h) with style and
//          disaster heads; metrics style_accuracy / disaster_accuracy on held-out scenes.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "workers/builtin/pretrain_recipe.h"

namespace tunegrid {

struct PretrainReport {
  std::vector<float> loss;                 // per step
  std::map<std::string, double> metrics;
  double seconds = 0;
};

// `with_hanok` = false: no hanok scenes in its training or its held-out check (the base
// model's text encoder, pretrain_recipe.h).
PretrainReport pretrain_tiny_clip(const PretrainRecipe& recipe, const std::filesystem::path& out, bool with_hanok = true);
PretrainReport pretrain_tiny_vae(const PretrainRecipe& recipe, const std::filesystem::path& out);
PretrainReport pretrain_tiny_unet(const PretrainRecipe& recipe, const std::filesystem::path& clip_dir,
                                  const std::filesystem::path& vae_dir, const std::filesystem::path& out);
PretrainReport pretrain_tiny_flux(const PretrainRecipe& recipe, const std::filesystem::path& clip_dir,
                                  const std::filesystem::path& vae_dir, const std::filesystem::path& out);
PretrainReport pretrain_scene_oracle(const PretrainRecipe& recipe, const std::filesystem::path& out);

// DIR/training.json as written by the functions above (for a cached model's job record).
void write_training_report(const std::filesystem::path& dir, const PretrainRecipe& recipe,
                           const PretrainReport& report);
PretrainReport read_training_report(const std::filesystem::path& dir);

}  // namespace tunegrid
