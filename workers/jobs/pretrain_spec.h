// pretrain_spec.h — the parameters of `pretrain.clip / .vae / .unet / .oracle`, declared once (core/job_params.h):
// pretrain_spec.cpp publishes them, pretrain_tiny.cpp reads them. No torch.
#pragma once
#include <string>
#include <vector>

#include "core/job_params.h"
#include "workers/builtin/pretrain_recipe.h"

namespace tunegrid {

struct PretrainParams : ParamList {
  Param<std::string> recipe{*this, "recipe", "default",
                            "pretraining recipe: default (builtin:*), long (the UNet 3x longer) or test (tiny budgets)",
                            std::nullopt, pretrain_recipe_names()};
  Param<int> seed{*this, "seed", 0,
                  "pretraining seed (data draws and initialisation): the models builtin:<model>?seed=N names", 0.0};
};

}  // namespace tunegrid
