// builtin_models.cpp — see builtin_models.h.
#include "workers/builtin/builtin_models.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "core/job_progress.h"
#include "core/errors.h"
#include "core/reproducible_kernels.h"
#include "core/log.h"
#include "core/reference_query.h"
#include "core/text.h"
#include "workers/builtin/pretrain_tiny_models.h"

namespace tunegrid {

namespace {

const std::vector<std::string>& builtin_names() {
  static const std::vector<std::string> names = {"tiny-clip", "tiny-vae", "tiny-sd", "scene-oracle",
                                                 "tiny-clip-without-hanok", "tiny-flux"};
  return names;
}

std::string recipe_key(BuiltinModel model, const PretrainRecipe& recipe) {
  switch (model) {
    case BuiltinModel::tiny_clip: return clip_recipe_key(recipe);
    case BuiltinModel::tiny_vae: return vae_recipe_key(recipe);
    case BuiltinModel::tiny_sd: return unet_recipe_key(recipe);
    case BuiltinModel::scene_oracle: return oracle_recipe_key(recipe);
    case BuiltinModel::tiny_clip_without_hanok: return clip_recipe_key(recipe, false);
    case BuiltinModel::tiny_flux: return flux_recipe_key(recipe);
  }
  return {};
}

// An exclusive flock on a file, held for the object's life.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw InputError(fmt::format("{}: cannot create the cache lock file", path.string()));
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) throw InputError(fmt::format("{}: cannot lock the cache entry", path.string()));
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// The folders a model is trained from: tiny-sd and tiny-flux read prompts with a CLIP's text
// tower and draw through the tiny VAE (ensured first, each under its own lock); others: none.
struct ModelInputs {
  std::filesystem::path clip_dir, vae_dir;
};

ModelInputs ensure_inputs(BuiltinModel model, const PretrainRecipe& recipe) {
  if (model != BuiltinModel::tiny_sd && model != BuiltinModel::tiny_flux) return {};
  return {ensure_builtin_model(recipe.unet_text_encoder_knows_hanok ? BuiltinModel::tiny_clip
                                                                     : BuiltinModel::tiny_clip_without_hanok,
                               recipe),
          ensure_builtin_model(BuiltinModel::tiny_vae, recipe)};
}

void train_builtin_model(BuiltinModel model, const PretrainRecipe& recipe, const ModelInputs& inputs,
                         const std::filesystem::path& out) {
  switch (model) {
    case BuiltinModel::tiny_clip: pretrain_tiny_clip(recipe, out); break;
    case BuiltinModel::tiny_clip_without_hanok: pretrain_tiny_clip(recipe, out, /*with_hanok=*/false); break;
    case BuiltinModel::tiny_vae: pretrain_tiny_vae(recipe, out); break;
    case BuiltinModel::tiny_sd: pretrain_tiny_unet(recipe, inputs.clip_dir, inputs.vae_dir, out); break;
    case BuiltinModel::scene_oracle: pretrain_scene_oracle(recipe, out); break;
    case BuiltinModel::tiny_flux: pretrain_tiny_flux(recipe, inputs.clip_dir, inputs.vae_dir, out); break;
  }
}

}  // namespace

const char* builtin_model_name(BuiltinModel model) {
  return builtin_names()[static_cast<std::size_t>(model)].c_str();
}

std::filesystem::path builtin_cache_root() {
  if (const char* cache = std::getenv("TUNEGRID_CACHE"); cache && *cache) return cache;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "tunegrid";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/tmp") / ".cache" / "tunegrid";
}

std::filesystem::path builtin_model_dir(BuiltinModel model, const PretrainRecipe& recipe) {
  // Named by the key alone, so recipes that share a model's settings share its entry; models
  // pretrained with pinned kernels (core/reproducible_kernels.h) apart from the machine's.
  return builtin_cache_root() / fmt::format("{}-{}{}", builtin_model_name(model), recipe_key(model, recipe),
                                            cpu_kernels_pinned() ? "-portable-kernels" : "");
}

std::filesystem::path ensure_builtin_model(BuiltinModel model, const PretrainRecipe& recipe, bool* built) {
  if (built) *built = false;
  const auto dir = builtin_model_dir(model, recipe);
  if (std::filesystem::exists(dir / "training.json")) return dir;
  // Inputs first (each under its own lock), so this lock is never held while waiting on another.
  const ModelInputs inputs = ensure_inputs(model, recipe);
  const OneOffWork one_off;  // building, or waiting for another rank to build: not what the job costs next time
  std::error_code ignored;
  std::filesystem::create_directories(builtin_cache_root(), ignored);
  FileLock lock(dir.string() + ".lock");
  if (std::filesystem::exists(dir / "training.json")) return dir;  // built by someone else meanwhile
  // Folders left by builders that were killed: only the lock holder builds, so they are stale.
  const std::string stale_prefix = dir.filename().string() + ".building-";
  for (const auto& entry : std::filesystem::directory_iterator(builtin_cache_root()))
    if (entry.path().filename().string().rfind(stale_prefix, 0) == 0) std::filesystem::remove_all(entry.path(), ignored);
  const auto building = dir.string() + fmt::format(".building-{}", ::getpid());
  std::filesystem::create_directories(building);
  log::info("builtin", "building builtin:{} (recipe {}, seed {}) in {}", builtin_model_name(model), recipe.name,
            recipe.seed, dir.string());
  try {
    train_builtin_model(model, recipe, inputs, building);
    std::filesystem::remove_all(dir, ignored);  // a stale entry without training.json
    std::filesystem::rename(building, dir);
  } catch (...) {
    std::filesystem::remove_all(building, ignored);
    throw;
  }
  if (built) *built = true;
  return dir;
}

std::filesystem::path resolve_model_reference(const std::string& reference, const std::string& what) {
  const std::string prefix = "builtin:";
  if (reference.rfind(prefix, 0) != 0) return reference;  // a folder: its loader says what is wrong with it
  std::string name = reference.substr(prefix.size()), query_text;
  if (const auto question = name.find('?'); question != std::string::npos) {
    query_text = name.substr(question + 1);
    name.resize(question);
  }
  const auto& names = builtin_names();
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end())
    throw InputError(fmt::format("{}: unknown builtin model '{}'; expected one of builtin:{}{}", what, name,
                                 fmt::join(names, ", builtin:"), did_you_mean(name, names)));
  const std::string subject = fmt::format("{}: '{}'", what, reference);
  const ReferenceQuery query(subject, query_text, {"recipe", "seed"});
  PretrainRecipe recipe = pretrain_recipe(query.text("recipe", "default"), subject);
  recipe.seed = static_cast<std::uint64_t>(query.integer("seed", 0, 0, INT64_MAX, "a non-negative integer"));
  return ensure_builtin_model(static_cast<BuiltinModel>(found - names.begin()), recipe);
}

}  // namespace tunegrid
