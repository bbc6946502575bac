// sample_spec.cpp — the parameters of `sample` (no torch: the command line checks experiment
// files against them without loading libtorch); the kind runs in sample.cpp.
#include "workers/data/scene_world.h"
#include "workers/jobs/external_adapter_params.h"
#include "workers/jobs/job_specs.h"

namespace tunegrid {

KindSpec sample_spec() {
  KindSpec spec;
  spec.name = "sample";
  spec.doc = "Samples one prompt from a Stable Diffusion model and evaluates the images (CLIP score, oracle, KID).";
  spec.outputs = "metrics `clip_score`, `clip_score_100`; with `style`: `style_accuracy`, `disaster_accuracy`; with `reference_data`: `clip_i`, `kid`, `kid_std`; images `/images/samples`";
  std::vector<std::string> styles = scene_style_names(), disasters = scene_disaster_names();
  styles.insert(styles.begin(), "");
  spec.params = {
      {"model", ParamType::string, Value("builtin:tiny-sd"), "diffusers folder or builtin:tiny-sd", std::nullopt, {}},
      {"prompt", ParamType::string, Value(""), "the prompt (empty: the scene prompt of style and disaster); {} is a fine-tuned concept", std::nullopt, {}},
      {"finetuned", ParamType::string, Value(""), "stage of the finetune.* job whose result is sampled (empty: model)",
       std::nullopt, {}},
      {"clip_concept", ParamType::string, Value(""),
       "what {} becomes in the prompt clip_score uses (empty: as sampled); without finetuned in both",
       std::nullopt, {}},
      {"negative_prompt", ParamType::string, Value(""), "negative prompt of classifier-free guidance", std::nullopt, {}},
      {"style", ParamType::string, Value(""), "scene style the images should show (enables style/disaster_accuracy)",
       std::nullopt, styles},
      {"disaster", ParamType::string, Value("none"), "scene disaster the images should show", std::nullopt, disasters},
      {"images", ParamType::integer, Value(8), "images per prompt", 1.0, {}},
      {"steps", ParamType::integer, Value(25), "sampler steps", 1.0, {}},
      {"guidance", ParamType::number, Value(7.5), "classifier-free guidance scale (<= 1: none)", 0.0, {}},
      {"sampler", ParamType::string, Value("ddim"), "ddim, euler or ddpm", std::nullopt, {"ddim", "euler", "ddpm"}},
      {"seed", ParamType::integer, Value(0), "seed of the initial noise", 0.0, {}},
      {"evaluate", ParamType::boolean, Value(true), "compute the metrics", std::nullopt, {}},
      {"clip_model", ParamType::string, Value("builtin:tiny-clip"), "CLIP folder for clip_score, clip_i, kid",
       std::nullopt, {}},
      {"oracle", ParamType::string, Value("builtin:scene-oracle"), "classifier for style/disaster_accuracy",
       std::nullopt, {}},
      {"reference_data", ParamType::string, Value(""), "images for clip_i and kid (data reference; empty: none)",
       std::nullopt, {}},
      {"kid_subset_size", ParamType::integer, Value(0), "KID subset size (0: the smaller set's size)", 0.0, {}},
      external_loras_param(), external_embeddings_param(),
  };
  return spec;
}

}  // namespace tunegrid
