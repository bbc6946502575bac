// pretrain_tiny.cpp — `pretrain.clip`, `pretrain.vae`, `pretrain.unet`, `pretrain.flux`, `pretrain.oracle`:
// build one builtin model of a recipe into the cache (builtin_models.h), or find it built.
// The shard records the model's training loss per step, its metrics (zero-shot style
// accuracy, reconstruction PSNR, oracle accuracies), `cached` (1 when it was already built)
// and timings/train (seconds its training took). experiments/pretrain-tiny.toml runs the
// four as a DAG (clip -> vae -> unet; oracle).
#include <ATen/Parallel.h>

#include "core/log.h"
#include "workers/builtin/builtin_models.h"
#include "workers/builtin/pretrain_tiny_models.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/jobs/pretrain_spec.h"

namespace tunegrid {

namespace {

JobKind pretrain_kind(KindSpec spec, BuiltinModel model) {
  JobKind kind;
  kind.spec = std::move(spec);
  kind.run = [model](JobContext& context) {
    const PretrainParams params;
    PretrainRecipe recipe = pretrain_recipe(params.recipe.of(context.job));
    recipe.seed = static_cast<std::uint64_t>(params.seed.of(context.job));
    bool built = false;
    const auto dir = ensure_builtin_model(model, recipe, &built);
    const PretrainReport report = read_training_report(dir);
    log::info("builtin", "builtin:{} ({}): {}", builtin_model_name(model), built ? "trained" : "cached", dir.string());
    context.outputs.loss = report.loss;
    context.outputs.metrics = report.metrics;
    context.outputs.metrics["cached"] = built ? 0.0 : 1.0;
    context.outputs.timings["train"] = report.seconds;
  };
  return kind;
}

}  // namespace

JobKind pretrain_clip_kind() { return pretrain_kind(pretrain_clip_spec(), BuiltinModel::tiny_clip); }
JobKind pretrain_vae_kind() { return pretrain_kind(pretrain_vae_spec(), BuiltinModel::tiny_vae); }
JobKind pretrain_unet_kind() { return pretrain_kind(pretrain_unet_spec(), BuiltinModel::tiny_sd); }
JobKind pretrain_flux_kind() { return pretrain_kind(pretrain_flux_spec(), BuiltinModel::tiny_flux); }
JobKind pretrain_oracle_kind() { return pretrain_kind(pretrain_oracle_spec(), BuiltinModel::scene_oracle); }

}  // namespace tunegrid
