// generate_pool.cpp — `generate.pool`: a class-balanced synthetic image pool, the data side of the
// real:synthetic ratio study (Khrulev, seed 003: a fine-tuned FLUX generates each class's
// images from its class prompt). For every aerial class (`classes`, default all 38),
// `images_per_class` images from the class prompt, drawn `batch` at a time by FluxPipeline
// (flux_pipeline.h) from `model` or the `finetuned` finetune.flux_lora stage's result, each call
// with a seed of its own (mix_seed(seed, class, call)). Written to the artifact folder as class
// folders, pool/<class>/00000.png … with the prompt in a same-name .txt, which data references
// read class-balanced in any prefix (image_folder.h; `artifact:<stage>` in train.classifier).
// A contact sheet, one row per class of its first 8 images, goes to pool_sheet.png beside the
// pool and into the shard (images/pool_sheet).
// Stable Diffusion generators are not supported here yet.
#include <ATen/ATen.h>
#include <fmt/format.h>

#include <chrono>
#include <fstream>

#include "core/errors.h"
#include "core/image_io.h"
#include "core/stopwatch.h"
#include "core/text.h"
#include "workers/builtin/builtin_models.h"
#include "workers/data/aerial_world.h"
#include "workers/data/rng.h"
#include "workers/diffusion/flux_pipeline.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/jobs/generate_pool_spec.h"
#include "workers/jobs/upstream_artifacts.h"
#include "workers/methods/finetune_artifact.h"

namespace tunegrid {

namespace {

const GeneratePoolParams& params() { return declared_params<GeneratePoolParams>(); }

// The generator on the job's device; `concept_text` receives a fine-tuned artifact's concept.
Flux generator_model(const JobContext& context, std::string& concept_text) {
  const Job& job = context.job;
  const c10::Device device(context.device);
  if (const std::string stage = params().finetuned.of(job); !stage.empty()) {
    const auto dir = upstream_artifacts(context, stage, fmt::format("{} = '{}'", params().finetuned.where(job), stage));
    if (!is_flux_artifact(dir))
      throw InputError(fmt::format("{} = '{}': generate.pool takes finetune.flux_lora results", params().finetuned.where(job),
                                   stage));
    return load_finetuned_flux(dir, &concept_text, device);
  }
  const auto dir = resolve_model_reference(params().model.of(job), params().model.where(job));
  if (!is_flux_folder(dir))
    throw InputError(fmt::format("{} = '{}': generate.pool needs a FLUX folder (Stable Diffusion: not yet)",
                                 params().model.where(job), params().model.of(job)));
  Flux model = load_flux(dir);
  model.to(device);
  return model;
}

// The class's prompt: `prompt` with {} for the class with its article (as the aerial captions
// name it), or the aerial prompt; a fine-tuned concept text replaces "{concept}".
std::string class_prompt(const Job& job, int class_index, const std::string& concept_text) {
  std::string prompt = params().prompt.of(job);
  prompt = prompt.empty() ? aerial_prompt(class_index) : replace_all(prompt, "{}", aerial_subject(class_index));
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

void run_generate_pool(JobContext& context) {
  const Job& job = context.job;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> classes = params().classes.of(job);
  if (classes.empty()) classes = aerial_class_names();
  std::string concept_text;
  Flux model = generator_model(context, concept_text);
  const int per_class = params().images_per_class.of(job), batch = params().batch.of(job);
  Txt2ImgOptions options;
  options.steps = params().steps.of(job);
  options.guidance = params().guidance.of(job);
  options.true_cfg = params().true_cfg.of(job);
  options.max_sequence_length = params().max_sequence_length.of(job);
  const auto pool = context.artifacts / "pool";
  const int sheet_columns = std::min(kSheetColumns, per_class);
  ImageBatch sheet;  // the first sheet_columns images of every class, in class order
  int written = 0;
  for (const auto& name : classes) {
    const int class_index = parse_aerial_class(name, params().classes.where(job));
    options.prompt = class_prompt(job, class_index, concept_text);
    const auto dir = pool / aerial_class_names()[static_cast<std::size_t>(class_index)];
    std::filesystem::create_directories(dir);
    for (int first = 0, call = 0; first < per_class; first += batch, ++call) {
      options.num_images = std::min(batch, per_class - first);
      options.seed = mix_seed(mix_seed(static_cast<std::uint64_t>(params().seed.of(job)), class_index), call);
      const ImageBatch images = flux_txt2img(model, options);
      write_class_images(images, dir, first, options.prompt);
      for (int i = 0; i < images.count && first + i < sheet_columns; ++i) append_image(sheet, image_at(images, i));
      written += options.num_images;
    }
  }
  ImageBatch grid = make_grid(sheet, sheet_columns);
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
