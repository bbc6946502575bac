// model_family_list.h — every model family tunegrid fine-tunes, one line each: the one place
// a new family is registered. A line X(NAME, PIPELINE) names the family's loader,
// `std::unique_ptr<BaseModel> load_NAME_base(const std::filesystem::path& dir)` (its
// base_model.h implementation, in <NAME>_base.cpp), and the diffusers pipeline class
// (model_index.json's `_class_name`) whose folders it loads. The first line's family loads
// folders whose model_index.json names no class. base_model.cpp reads this list.
#pragma once

#define TUNEGRID_MODEL_FAMILIES(X) \
  X(stable_diffusion, "StableDiffusionPipeline") \
  X(flux, "FluxPipeline")
