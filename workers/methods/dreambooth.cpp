// dreambooth.cpp — see dreambooth.h.
#include "workers/methods/dreambooth.h"

#include <ATen/ATen.h>

namespace tunegrid {

void DreamBooth::attach(StableDiffusion& model) {
  model_ = &model;
  for (auto& p : model.vae->parameters()) p.set_requires_grad(false);
  for (auto& p : model.text_encoder->parameters()) p.set_requires_grad(config_.train_text_encoder);
  for (auto& p : model.unet->parameters()) p.set_requires_grad(true);
}

NamedTensors DreamBooth::trainable() {
  NamedTensors out;
  for (const auto& item : model_->unet->named_parameters()) out.emplace_back("unet." + item.key(), item.value());
  if (config_.train_text_encoder)
    for (const auto& item : model_->text_encoder->named_parameters())
      out.emplace_back("text_encoder." + item.key(), item.value());
  return out;
}

void DreamBooth::save(const std::filesystem::path& dir, int step) { save_stable_diffusion(*model_, dir); }

}  // namespace tunegrid
