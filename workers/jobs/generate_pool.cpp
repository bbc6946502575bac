// generate_pool.cpp — `generate.pool`: a class-balanced synthetic image pool, the data side of
// the real:synthetic ratio study (Khrulev, seed 003: a fine-tuned FLUX generates each class's
// images from its class prompt) and of DataDream (Kim et al. 2024, seed 002: a Stable Diffusion
// LoRA fine-tuned per class or per dataset on a few real shots, then N images a class from "a
// {noun} photo of a {class}"; its generate/generate.py). For every class (`classes`; default
// the per-class upstream results' classes, else all 38 aerial classes) `images_per_class`
// images from the class prompt, drawn `batch` at a time from `model` (a FLUX or Stable
// Diffusion folder) or the `finetuned` stage's result (finetune.flux_lora, finetune.lora, …),
// each call with a seed of its own (mix_seed(seed, class, call); class: its aerial index, or a
// hash of its name). When `finetuned` fans in one job per class (a grid axis over classes,
// DataDream_cls), each class is drawn by the job whose `class_axis` coordinate names it, the
// model of one class loaded at a time. Written to the artifact folder as class folders,
// pool/<class>/00000.png … with the prompt in a same-name .txt, which data references read
// class-balanced in any prefix (image_folder.h; `artifact:<stage>` in train.classifier).
// A contact sheet, one row per class of its first 8 images, goes to pool_sheet.png beside the
// pool and into the shard (images/pool_sheet).
#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>

#include "core/errors.h"
#include "core/hash.h"
#include "core/image_io.h"
#include "core/stopwatch.h"
#include "core/text.h"
#include "workers/builtin/builtin_models.h"
#include "workers/data/aerial_world.h"
#include "workers/data/rng.h"
#include "workers/diffusion/flux_pipeline.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/jobs/generate_pool_spec.h"
#include "workers/methods/finetune_artifact.h"

namespace tunegrid {

namespace {

const GeneratePoolParams& params() { return declared_params<GeneratePoolParams>(); }

// A loaded generator: text-to-image with the family's pipeline, and a fine-tuned result's concept text.
struct Generator {
  std::function<ImageBatch(const Txt2ImgOptions&)> txt2img;
  std::string concept_text;
};

Generator flux_generator(Flux model, std::string concept_text) {
  return {[model](const Txt2ImgOptions& options) mutable { return flux_txt2img(model, options); },
          std::move(concept_text)};
}

Generator stable_diffusion_generator(StableDiffusion model, std::string concept_text) {
  return {[model](const Txt2ImgOptions& options) mutable { return txt2img(model, options); }, std::move(concept_text)};
}

// A fine-tuning job's result on its base model, on `device`.
Generator finetuned_generator(const std::filesystem::path& artifacts, const c10::Device& device) {
  std::string concept_text;
  if (is_flux_artifact(artifacts)) {
    Flux model = load_finetuned_flux(artifacts, &concept_text, device);
    return flux_generator(std::move(model), concept_text);
  }
  StableDiffusion model = load_finetuned(artifacts, &concept_text, device);
  return stable_diffusion_generator(std::move(model), concept_text);
}

Generator base_generator(const Job& job, const c10::Device& device) {
  const auto dir = resolve_model_reference(params().model.of(job), params().model.where(job));
  if (is_flux_folder(dir)) {
    Flux model = load_flux(dir);
    model.to(device);
    return flux_generator(std::move(model), "");
  }
  StableDiffusion model = load_stable_diffusion(dir);
  model.to(device);
  return stable_diffusion_generator(std::move(model), "");
}

// The `finetuned` stage's jobs among the upstream ones, in plan order.
std::vector<const UpstreamJob*> finetuned_jobs(const JobContext& context) {
  std::vector<const UpstreamJob*> jobs;
  for (const UpstreamJob& upstream : context.upstream)
    if (upstream.stage == params().finetuned.of(context.job)) jobs.push_back(&upstream);
  if (jobs.empty())
    throw InputError(fmt::format("{} = '{}': this job needs no job of that stage (add it to `needs`)",
                                 params().finetuned.where(context.job), params().finetuned.of(context.job)));
  return jobs;
}

// The per-class fine-tuning jobs' classes (their `class_axis` coordinates) and artifact
// folders, in plan order.
struct PerClassResults {
  std::vector<std::string> classes;
  std::map<std::string, std::filesystem::path> artifacts;
};

// The upstream job's coordinate on `axis`; nullptr without one.
const Value* coordinate_on(const UpstreamJob& upstream, const std::string& axis) {
  for (const auto& [name, value] : upstream.coordinates)
    if (name == axis) return &value;
  return nullptr;
}

PerClassResults per_class_results(const JobContext& context, const std::vector<const UpstreamJob*>& jobs) {
  const Job& job = context.job;
  const std::string axis = params().class_axis.of(job);
  PerClassResults results;
  for (const UpstreamJob* upstream : jobs) {
    const Value* coordinate = coordinate_on(*upstream, axis);
    if (!coordinate)
      throw InputError(fmt::format("{} = '{}': {} jobs of that stage fan in, but one has no '{}' coordinate to say "
                                   "which class it draws ({} names the axis)", params().finetuned.where(job),
                                   params().finetuned.of(job), jobs.size(), axis, params().class_axis.where(job)));
    const std::string name = display_text(*coordinate);
    if (!results.artifacts.emplace(name, upstream->artifacts).second)
      throw InputError(fmt::format("{} = '{}': two jobs of that stage have {} = '{}'; expected one per class",
                                   params().finetuned.where(job), params().finetuned.of(job), axis, name));
    results.classes.push_back(name);
  }
  return results;
}

// Several finetuned jobs, or one with a `class_axis` coordinate (a per-class grid cut to one
// class), draw a class each.
bool fans_in_per_class(const JobContext& context, const std::vector<const UpstreamJob*>& jobs) {
  return jobs.size() > 1 || (jobs.size() == 1 && coordinate_on(*jobs[0], params().class_axis.of(context.job)));
}

// The classes to draw, in order: `classes`, else the per-class results' classes, else the aerial world's.
std::vector<std::string> pool_classes(const Job& job, const PerClassResults& per_class) {
  std::vector<std::string> classes = params().classes.of(job);
  if (classes.empty()) classes = per_class.classes;
  if (classes.empty()) classes = aerial_class_names();
  for (const auto& name : classes) {
    if (name.empty() || name.find('/') != std::string::npos || name.front() == '.')
      throw InputError(fmt::format("{}: class '{}' cannot name a class folder",
                                   params().classes.of(job).empty() && !per_class.classes.empty()
                                       ? fmt::format("grid axis '{}' of stage '{}'", params().class_axis.of(job),
                                                     params().finetuned.of(job))
                                       : params().classes.where(job),
                                   name));
    if (!per_class.classes.empty() && per_class.artifacts.count(name) == 0)
      throw InputError(fmt::format("{}: class '{}' has no fine-tuned job of stage '{}' ({} = '{}' in none of them)",
                                   params().classes.where(job), name, params().finetuned.of(job),
                                   params().class_axis.of(job), name));
  }
  return classes;
}

// "{}" becomes the class with its article ("a runway", "an apartment building"; aerial
// classes as their captions name them), "{concept}" a fine-tuned result's concept text.
std::string class_prompt(const Job& job, const std::string& name, const std::string& concept_text) {
  const std::string subject = class_subject(name);
  std::string prompt = params().prompt.of(job);
  prompt = prompt.empty() ? "an aerial image of " + subject : replace_all(prompt, "{}", subject);
  return concept_text.empty() ? prompt : replace_all(prompt, "{concept}", concept_text);
}

constexpr int kSheetColumns = 8;

void append_image(ImageBatch& into, const ImageBatch& image) {
  into.height = image.height, into.width = image.width;
  into.pixels.insert(into.pixels.end(), image.pixels.begin(), image.pixels.end());
  ++into.count;
}

void write_class_images(const ImageBatch& images, const std::filesystem::path& dir, int first, const std::string& prompt) {
  for (int i = 0; i < images.count; ++i) {
    const auto stem = dir / fmt::format("{:05d}", first + i);
    write_png(stem.string() + ".png", images, i);
    std::ofstream(stem.string() + ".txt") << prompt << "\n";
  }
}

Txt2ImgOptions sampling_options(const Job& job) {
  Txt2ImgOptions options;
  options.steps = params().steps.of(job);
  options.guidance = params().guidance.of(job);
  options.true_cfg = params().true_cfg.of(job);
  options.max_sequence_length = params().max_sequence_length.of(job);
  return options;
}

// What a class's seeds mix in: its aerial index for aerial classes (the seeds their pools always
// had), else a hash of its name, so that a class's images do not depend on the other classes.
std::uint64_t class_seed_key(const std::string& name) {
  const auto& aerial = aerial_class_names();
  const auto found = std::find(aerial.begin(), aerial.end(), name);
  return found != aerial.end() ? static_cast<std::uint64_t>(found - aerial.begin()) : fnv1a64(name);
}

// One class's images into pool/<class>/, its first images onto the sheet; returns how many.
int generate_class(const Job& job, Generator& generator, const std::string& name,
                   const std::filesystem::path& pool, ImageBatch& sheet) {
  Txt2ImgOptions options = sampling_options(job);
  options.prompt = class_prompt(job, name, generator.concept_text);
  const auto dir = pool / name;
  std::filesystem::create_directories(dir);
  const int per_class = params().images_per_class.of(job), batch = params().batch.of(job);
  const int sheet_columns = std::min(kSheetColumns, per_class);
  for (int first = 0, call = 0; first < per_class; first += batch, ++call) {
    options.num_images = std::min(batch, per_class - first);
    options.seed = mix_seed(mix_seed(static_cast<std::uint64_t>(params().seed.of(job)), class_seed_key(name)), call);
    const ImageBatch images = generator.txt2img(options);
    write_class_images(images, dir, first, options.prompt);
    for (int i = 0; i < images.count && first + i < sheet_columns; ++i) append_image(sheet, image_at(images, i));
  }
  return per_class;
}

void run_generate_pool(JobContext& context) {
  const Job& job = context.job;
  const auto start = std::chrono::steady_clock::now();
  const c10::Device device(context.device);
  std::vector<const UpstreamJob*> finetuned;
  if (!params().finetuned.of(job).empty()) finetuned = finetuned_jobs(context);
  const PerClassResults per_class = fans_in_per_class(context, finetuned) ? per_class_results(context, finetuned)
                                                                          : PerClassResults{};
  const std::vector<std::string> classes = pool_classes(job, per_class);
  std::optional<Generator> shared;  // one generator for every class unless per-class results fan in
  if (per_class.classes.empty())
    shared = finetuned.empty() ? base_generator(job, device) : finetuned_generator(finetuned[0]->artifacts, device);
  ImageBatch sheet;  // the first images of every class, in class order
  int written = 0;
  for (const auto& name : classes) {
    Generator generator = shared ? *shared : finetuned_generator(per_class.artifacts.at(name), device);
    written += generate_class(job, generator, name, context.artifacts / "pool", sheet);
  }
  ImageBatch grid = make_grid(sheet, std::min(kSheetColumns, params().images_per_class.of(job)));
  grid.key = "pool_sheet";
  write_png(context.artifacts / "pool_sheet.png", grid);
  context.outputs.images.push_back(std::move(grid));
  context.outputs.metrics["images"] = written;
  context.outputs.timings["generate"] = seconds_since(start);
}

}  // namespace

JobKind generate_pool_kind() {
  JobKind kind;
  kind.spec = generate_pool_spec();
  kind.run = run_generate_pool;
  return kind;
}

}  // namespace tunegrid
