// sample.cpp — `sample`: images of one prompt from a Stable Diffusion model (diffusers'
// StableDiffusionPipeline: `images` per prompt, sampler, steps, guidance, seed) or a FLUX
// model (FluxPipeline: steps, embedded guidance, true_cfg, max_sequence_length), stored as
// /images/samples, then evaluated on the spot (workers/eval; the store's metric names):
//   clip_score, clip_score_100     against the prompt, with `clip_model` (with `clip_concept`:
//                                  the prompt with that text for the concept's "{}")
//   style_accuracy, disaster_accuracy   when `style` is set: the oracle's verdict that the
//                                  images show that style / disaster (`oracle`)
//   class_accuracy                 when `aerial_class` is set: the fraction of images `clip_model`
//                                  assigns to that class, zero-shot over the 38 aerial classes
//   clip_i, kid, kid_std           when `reference_data` is set: image alignment with, and KID
//                                  (CLIP image features) to, those images
// Sampling and evaluation run on the job's device, Stable Diffusion's UNet and text encoder in
// `dtype` (FLUX in float32). The prompt is `prompt`, or when empty the aerial prompt of
// `aerial_class` or the scene world's prompt of (style, disaster). `loras` (either family) and
// `embeddings` (Stable Diffusion) add files people bring (workers/methods/external_adapters.h)
// to whichever model is sampled, so a study can compare Hub LoRAs.
// `finetuned` names a finetune.* stage this job needs: its artifact is applied to its base
// model (workers/methods/finetune_artifact.h) and "{}" in the prompt becomes the concept
// text (a scene prompt's style noun is replaced by "{}" first).
#include <ATen/ATen.h>
#include <fmt/format.h>

#include <chrono>
#include <map>

#include "core/stopwatch.h"
#include "core/errors.h"
#include "core/text.h"
#include "workers/builtin/builtin_models.h"
#include "workers/data/aerial_world.h"
#include "workers/data/data_reference.h"
#include "workers/data/scene_world.h"
#include "workers/diffusion/flux_pipeline.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/eval/classifier_metrics.h"
#include "workers/eval/clip_evaluator.h"
#include "workers/eval/clip_metrics.h"
#include "workers/eval/kid.h"
#include "workers/eval/metric_names.h"
#include "workers/eval/zero_shot.h"
#include "workers/data/zero_shot_prompts.h"
#include "workers/job_kind.h"
#include "workers/jobs/sample_spec.h"
#include "workers/job_specs.h"
#include "workers/jobs/upstream_artifacts.h"
#include "workers/methods/external_adapter_params.h"
#include "workers/methods/external_adapters.h"
#include "workers/methods/finetune_artifact.h"
#include "workers/methods/flux_lora_files.h"
#include "workers/methods/mixed_precision.h"
#include "workers/methods/stable_diffusion_training.h"
#include "workers/models/conv_classifier.h"

namespace tunegrid {

namespace {

const SampleParams& params() { return declared_params<SampleParams>(); }

using namespace metric_names;

// All images of a data set as one batch.
ImageBatch batch_of(const DataSet& data) {
  ImageBatch batch;
  batch.key = "reference";
  for (const auto& item : data.items) {
    batch.height = item.image.height;
    batch.width = item.image.width;
    batch.pixels.insert(batch.pixels.end(), item.image.pixels.begin(), item.image.pixels.end());
    ++batch.count;
  }
  return batch;
}

// The prompt to sample: `prompt`, the aerial prompt of `aerial_class`, or the scene prompt of (style, disaster), where a fine-tuned concept takes the
// style's place: "a hanok in the fire" -> "a {} in the fire".
std::string prompt_of(const Job& job, const std::string& style_name, const std::string& disaster_name) {
  std::string prompt = params().prompt.of(job);
  if (!prompt.empty()) return prompt;
  if (const std::string aerial = params().aerial_class.of(job); !aerial.empty() && style_name.empty())
    return aerial_prompt(parse_aerial_class(aerial, params().aerial_class.where(job)));
  if (style_name.empty())
    throw InputError("sample: set `prompt`, `style` (and `disaster`) for a scene prompt, or `aerial_class`");
  const SceneStyle style = parse_scene_style(style_name, params().style.where(job));
  prompt = scene_prompt(style, parse_scene_disaster(disaster_name, params().disaster.where(job)));
  const std::string noun = scene_style_noun(style);
  if (!params().finetuned.of(job).empty() && prompt.find(noun) != std::string::npos)
    prompt.replace(prompt.find(noun), noun.size(), "{}");
  return prompt;
}

// The pipeline's settings from the job's params; the prompt may still hold "{}".
Txt2ImgOptions sampling_options(const Job& job, const std::string& style_name, const std::string& disaster_name) {
  Txt2ImgOptions options;
  options.prompt = prompt_of(job, style_name, disaster_name);
  options.negative_prompt = params().negative_prompt.of(job);
  options.num_images = params().images.of(job);
  options.steps = params().steps.of(job);
  options.guidance = params().guidance.of(job);
  options.sampler = params().sampler.of(job);
  options.seed = static_cast<std::uint64_t>(params().seed.of(job));
  options.true_cfg = params().true_cfg.of(job);
  options.max_sequence_length = params().max_sequence_length.of(job);
  return options;
}

// What the job samples: the `finetuned` stage's artifact folder, or the `model` folder (builtin references built).
struct SampledSource {
  std::filesystem::path artifact, model_dir;
  bool flux = false;
};

SampledSource sampled_source(const JobContext& context) {
  const Job& job = context.job;
  SampledSource source;
  if (const std::string stage = params().finetuned.of(job); !stage.empty()) {
    source.artifact = upstream_artifacts(context, stage, fmt::format("{} = '{}'", params().finetuned.where(job), stage));
    source.flux = is_flux_artifact(source.artifact);
  } else {
    source.model_dir = resolve_model_reference(params().model.of(job), params().model.where(job));
    source.flux = is_flux_folder(source.model_dir);
  }
  return source;
}

// The model to sample, on the job's device: the `finetuned` stage's artifact on its base model (`concept_text`
// then receives the artifact's concept text), or `model`.
StableDiffusion sampled_model(const JobContext& context, const SampledSource& source, std::string& concept_text) {
  const c10::Device device(context.device);
  if (!source.artifact.empty()) return load_finetuned(source.artifact, &concept_text, device);
  StableDiffusion model = load_stable_diffusion(source.model_dir);
  model.to(device);
  return model;
}

// The oracle's verdicts that the images show `style_name` and `disaster_name`, computed on `device`.
void record_oracle_accuracies(const Job& job, const ImageBatch& images, const std::string& style_name,
                              const std::string& disaster_name, const c10::Device& device,
                              std::map<std::string, double>& metrics) {
  ConvClassifier oracle =
      load_conv_classifier(resolve_model_reference(params().oracle.of(job), params().oracle.where(job)));
  oracle->to(device);
  metrics[kStyleAccuracy] = concept_accuracy(oracle, images, "style", style_name);
  metrics[kDisasterAccuracy] = concept_accuracy(oracle, images, "disaster", disaster_name);
}

// CLIP-I and KID of the images against the `reference` data set (KID's subsets drawn with `seed`).
void record_reference_metrics(const Job& job, CLIPEvaluator& clip, const ImageBatch& images,
                              const at::Tensor& image_embeds, const std::string& reference, std::uint64_t seed,
                              std::map<std::string, double>& metrics) {
  const ImageBatch real = batch_of(load_data_reference(reference, images.height));
  const at::Tensor real_embeds = clip.image_embeddings(real);
  metrics[kCLIPImageAlignment] = clip_image_alignment(image_embeds, real_embeds);
  KIDOptions kid;
  kid.subset_size = params().kid_subset_size.of(job);
  if (kid.subset_size == 0) kid.subset_size = std::min(images.count, real.count);
  kid.seed = seed;
  const KIDResult result = kernel_inception_distance(real_embeds, image_embeds, kid);
  metrics[kKIDMean] = result.mean;
  metrics[kKIDStd] = result.std;
}

// The fraction of images CLIP zero-shot (the aerial class prompts) assigns to `aerial_class`.
double zero_shot_class_accuracy(CLIPEvaluator& clip, const at::Tensor& image_embeds, const std::string& aerial_class) {
  const ZeroShotPrompts zero_shot = zero_shot_prompts("class");
  const auto expected = std::find(zero_shot.classes.begin(), zero_shot.classes.end(), aerial_class);
  return concept_accuracy(zero_shot_logits(clip, image_embeds, zero_shot), expected - zero_shot.classes.begin());
}

// Evaluates the samples on the job's device (timed as "evaluate"): CLIP score against `clip_prompt`, the
// oracle's accuracies when a style is set, and CLIP-I / KID when `reference_data` is set (KID's statistics on
// the CPU, in float64, from the embeddings).
void evaluate_samples(JobContext& context, const ImageBatch& images, const std::string& clip_prompt,
                      const std::string& style_name, const std::string& disaster_name, std::uint64_t seed) {
  const Job& job = context.job;
  const auto start = std::chrono::steady_clock::now();
  const c10::Device device(context.device);
  CLIPEvaluator clip(resolve_model_reference(params().clip_model.of(job), params().clip_model.where(job)), device);
  const at::Tensor image_embeds = clip.image_embeddings(images);
  const at::Tensor text_embeds = clip.text_embeddings({clip_prompt});
  auto& metrics = context.outputs.metrics;
  metrics[kCLIPScore] = clip_score(image_embeds, text_embeds);
  metrics[kCLIPScore100] = clip_score_100(image_embeds, text_embeds);
  if (!style_name.empty()) record_oracle_accuracies(job, images, style_name, disaster_name, device, metrics);
  if (const std::string aerial = params().aerial_class.of(job); !aerial.empty())
    metrics[kClassAccuracy] = zero_shot_class_accuracy(clip, image_embeds, aerial);
  if (const std::string reference = params().reference_data.of(job); !reference.empty())
    record_reference_metrics(job, clip, images, image_embeds, reference, seed, metrics);
  context.outputs.timings["evaluate"] = seconds_since(start);
}

// txt2img with the UNet and text encoder in the job's `dtype` under autocast (their float32
// weights come back afterwards).
ImageBatch sample_in_dtype(const JobContext& context, StableDiffusion& model, const Txt2ImgOptions& options) {
  const auto dtype = sampling_precision_type(params().dtype.of(context.job), params().dtype.where(context.job));
  const FrozenWeightsInLowPrecision weights(low_precision_components(model), {}, dtype);
  const AutocastScope autocast(model.device().type(), dtype);
  return txt2img(model, options);
}

// "{}" in the prompt becomes the fine-tuned concept's text (a new token or identifier);
// `clip_concept` is what it becomes in the prompt CLIP scores (a new token means nothing to
// CLIP), and for the base model in both. Returns the prompt CLIP scores.
std::string insert_concept(const Job& job, Txt2ImgOptions& options, const std::string& concept_text) {
  const std::string clip_concept = params().clip_concept.of(job);
  const std::string clip_text = clip_concept.empty() ? concept_text : clip_concept;
  const std::string clip_prompt = clip_text.empty() ? options.prompt : replace_all(options.prompt, "{}", clip_text);
  if (!concept_text.empty()) options.prompt = replace_all(options.prompt, "{}", concept_text);
  return clip_prompt;
}

// Stable Diffusion: the model with `loras` and `embeddings` merged where they are, sampled in `dtype`.
ImageBatch sample_stable_diffusion(JobContext& context, const SampledSource& source, Txt2ImgOptions& options,
                                   std::string& clip_prompt) {
  const Job& job = context.job;
  const auto start = std::chrono::steady_clock::now();
  std::string concept_text = params().clip_concept.of(job);
  StableDiffusion model = sampled_model(context, source, concept_text);
  const ExternalAdapters adapters = apply_external_adapters(model, params().loras.of(job), params().embeddings.of(job));
  clip_prompt = insert_concept(job, options, concept_text);
  options.prompt = adapters.expand(options.prompt);
  options.negative_prompt = adapters.expand(options.negative_prompt);
  context.outputs.timings["load"] = seconds_since(start);
  const auto sampling = std::chrono::steady_clock::now();
  ImageBatch images = sample_in_dtype(context, model, options);
  context.outputs.timings["sample"] = seconds_since(sampling);
  return images;
}

// FLUX (FluxPipeline, flux_pipeline.h): `loras` merged; `guidance` is embedded by guidance-distilled
// models, `true_cfg` > 1 runs true classifier-free guidance with the negative prompt.
ImageBatch sample_flux(JobContext& context, const SampledSource& source, Txt2ImgOptions& options,
                       std::string& clip_prompt) {
  const Job& job = context.job;
  const auto start = std::chrono::steady_clock::now();
  if (options.sampler != "ddim")
    throw InputError(fmt::format("{} = '{}': FLUX samples with its FlowMatchEulerDiscreteScheduler; sampler chooses "
                                 "among Stable Diffusion's", params().sampler.where(job), options.sampler));
  if (!params().embeddings.of(job).empty())
    throw InputError(fmt::format("{} param 'embeddings': textual inversion embeddings are for Stable Diffusion; "
                                 "FLUX takes loras", job.kind));
  if (params().dtype.of(job) != "float32")
    throw InputError(fmt::format("{} = '{}': FLUX samples in float32 here (the training job has mixed_precision)",
                                 params().dtype.where(job), params().dtype.of(job)));
  std::string concept_text = params().clip_concept.of(job);
  const c10::Device device(context.device);
  Flux model;
  if (!source.artifact.empty()) {
    model = load_finetuned_flux(source.artifact, &concept_text, device);
  } else {
    model = load_flux(source.model_dir);
    model.to(device);
  }
  for (const auto& lora : params().loras.of(job)) merge_flux_lora_file(model, lora.file, lora.scale);
  clip_prompt = insert_concept(job, options, concept_text);
  options.sampler = "flow-match euler";
  context.outputs.timings["load"] = seconds_since(start);
  const auto sampling = std::chrono::steady_clock::now();
  ImageBatch images = flux_txt2img(model, options);
  context.outputs.timings["sample"] = seconds_since(sampling);
  return images;
}

void run_sample(JobContext& context) {
  const Job& job = context.job;
  const std::string style_name = params().style.of(job);
  const std::string disaster_name = params().disaster.of(job);
  Txt2ImgOptions options = sampling_options(job, style_name, disaster_name);
  const SampledSource source = sampled_source(context);
  std::string clip_prompt;
  ImageBatch images = source.flux ? sample_flux(context, source, options, clip_prompt)
                                  : sample_stable_diffusion(context, source, options, clip_prompt);
  images.key = "samples";
  if (params().evaluate.of(job))
    evaluate_samples(context, images, clip_prompt, style_name, disaster_name, options.seed);
  context.outputs.images.push_back(std::move(images));
}

}  // namespace

JobKind sample_kind() {
  JobKind kind;
  kind.spec = sample_spec();
  kind.run = run_sample;
  return kind;
}

}  // namespace tunegrid
