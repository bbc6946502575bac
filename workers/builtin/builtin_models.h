// builtin_models.h — `builtin:` model references (docs/design.md "Model and data references"):
//   builtin:tiny-sd        a Stable Diffusion pipeline folder (diffusers layout) pretrained on
//                          the scene world without hanok and on the aerial world
//   builtin:tiny-clip      a CLIPModel folder (transformers layout, tokenizer files beside it)
//   builtin:tiny-vae       an AutoencoderKL folder
//   builtin:scene-oracle   the style / disaster classifier (conv_classifier.h folder)
//   builtin:tiny-clip-without-hanok  the CLIP whose text tower is tiny-sd's text encoder:
//                          tiny-clip's recipe without hanok scenes
//   builtin:tiny-flux      a FLUX pipeline folder (diffusers layout) pretrained on the aerial
//                          world, with tiny-sd's CLIP text tower and VAE
// each optionally with `?recipe=long` or `?recipe=test` (pretrain_recipe.h; default "default") and
// `seed=N` (default 0: the pretraining's data draws and initialisation; `&` joins the two,
// builtin:tiny-sd?recipe=long&seed=1). A seed's CLIP, VAE and UNet are its own. They are built
// on first use and cached in $TUNEGRID_CACHE (default ~/.cache/tunegrid) as
// <name>-<key>/ where key hashes what decides the model's weights; a build holds an exclusive lock
// (flock) on the entry, writes aside and renames into place, so concurrent ranks or runs
// build a model once and never see half of one.
#pragma once
#include <filesystem>
#include <string>

#include "workers/builtin/pretrain_recipe.h"

namespace tunegrid {

enum class BuiltinModel { tiny_clip, tiny_vae, tiny_sd, scene_oracle, tiny_clip_without_hanok, tiny_flux };

const char* builtin_model_name(BuiltinModel model);  // "tiny-clip", ...

std::filesystem::path builtin_cache_root();
std::filesystem::path builtin_model_dir(BuiltinModel model, const PretrainRecipe& recipe);

// The cached folder, built first (with its inputs) when missing. `built` (optional) tells
// whether this call trained it.
std::filesystem::path ensure_builtin_model(BuiltinModel model, const PretrainRecipe& recipe, bool* built = nullptr);

// A model reference -> a folder: builtin references are ensured; anything else is returned
// as the path it is (the model's loader names what is missing). Throws InputError naming
// `what` (e.g. "--model", "sample param 'model'") for an unknown builtin name (with
// did-you-mean) or a bad parameter.
std::filesystem::path resolve_model_reference(const std::string& reference, const std::string& what);

}  // namespace tunegrid
