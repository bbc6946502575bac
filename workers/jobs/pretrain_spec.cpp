// pretrain_spec.cpp — the parameters of `pretrain.clip`, `pretrain.vae`, `pretrain.unet`,
// `pretrain.flux` and `pretrain.oracle` (no torch: the command line checks experiment files against them without
// loading libtorch); the kinds run in pretrain_tiny.cpp.
#include "workers/builtin/pretrain_recipe.h"
#include "workers/jobs/pretrain_spec.h"
#include "workers/job_specs.h"

namespace tunegrid {

namespace {

KindSpec pretrain_spec(const std::string& name, const std::string& doc) {
  KindSpec spec;
  spec.name = name;
  spec.doc = doc;
  spec.outputs =
      "the model's own metrics (`zero_shot_style_accuracy`, `reconstruction_psnr`, `scaling_factor`, "
      "`style_accuracy`, `disaster_accuracy`, `flow_loss_held_out`, `shift_factor`), `cached`; loss per step; timings `train`";
  spec.params = PretrainParams().specs();
  return spec;
}

}  // namespace

KindSpec pretrain_clip_spec() {
  return pretrain_spec("pretrain.clip", "Builds builtin:tiny-clip (contrastive text + vision on scene and aerial captions).");
}
KindSpec pretrain_vae_spec() {
  return pretrain_spec("pretrain.vae", "Builds builtin:tiny-vae (AutoencoderKL, f = 4).");
}
KindSpec pretrain_unet_spec() {
  return pretrain_spec("pretrain.unet",
                       "Builds builtin:tiny-sd (latent UNet on the frozen text tower of a tiny CLIP trained without "
                       "hanok, builtin:tiny-clip-without-hanok; scenes without hanok + aerial).");
}
KindSpec pretrain_flux_spec() {
  return pretrain_spec("pretrain.flux",
                       "Builds builtin:tiny-flux (FLUX transformer on tiny-sd's VAE and CLIP text tower and a frozen "
                       "tiny T5; rectified flow on aerial images).");
}
KindSpec pretrain_oracle_spec() {
  return pretrain_spec("pretrain.oracle", "Builds builtin:scene-oracle (style and disaster classifier of the scene world).");
}

}  // namespace tunegrid
