// evaluate_classifier.cpp — `evaluate.classifier`: top-1 `accuracy` of a classifier on a
// labelled data set (a builtin: reference; the label to predict is `label`: style,
// disaster, terrain, time for scenes, class for aerial). The classifier is a conv
// classifier folder (e.g. builtin:scene-oracle; its head named like the label) or a CLIP
// folder (e.g. builtin:tiny-clip) used zero-shot: each image gets the class of the prompt
// (zero_shot_prompts.h: style, disaster, class) with the highest cosine (zero_shot.h).
#include <ATen/ATen.h>
#include <fmt/format.h>

#include <chrono>

#include "core/errors.h"
#include "workers/builtin/builtin_models.h"
#include "workers/data/aerial_world.h"
#include "workers/data/data_reference.h"
#include "workers/data/scene_world.h"
#include "workers/data/zero_shot_prompts.h"
#include "workers/eval/classifier_metrics.h"
#include "workers/eval/clip_evaluator.h"
#include "workers/eval/metric_names.h"
#include "workers/eval/zero_shot.h"
#include "workers/jobs/evaluate_classifier_spec.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/models/conv_classifier.h"

namespace tunegrid {

namespace {

using namespace metric_names;

// Class names of a label of the builtin worlds.
std::vector<std::string> label_classes(const std::string& label) {
  if (label == "style") return scene_style_names();
  if (label == "disaster") return scene_disaster_names();
  if (label == "terrain") return scene_terrain_names();
  if (label == "time") return scene_time_names();
  return aerial_class_names();
}

void run_evaluate_classifier(JobContext& context) {
  const Job& job = context.job;
  const auto start = std::chrono::steady_clock::now();
  const EvaluateClassifierParams params;
  const std::string label = params.label.of(job);
  const DataSet data = load_data_reference(params.data.of(job), params.size.of(job));
  const auto classes = label_classes(label);
  ImageBatch images;
  images.key = "test";
  std::vector<std::int64_t> truth;
  for (const auto& item : data.items) {
    const auto found = item.labels.find(label);
    if (found == item.labels.end())
      throw InputError("evaluate.classifier: data '" + data.reference + "' has no label '" + label + "'");
    const auto known = std::find(classes.begin(), classes.end(), found->second);
    if (known == classes.end())
      throw InputError(fmt::format("evaluate.classifier: data '{}' has {} '{}', not one of the classifier's {} classes",
                                   data.reference, label, found->second, label));
    truth.push_back(known - classes.begin());
    images.height = item.image.height;
    images.width = item.image.width;
    images.pixels.insert(images.pixels.end(), item.image.pixels.begin(), item.image.pixels.end());
    ++images.count;
  }
  const auto dir = resolve_model_reference(params.classifier.of(job), params.classifier.where(job));
  const c10::Device device(context.device);  // the classifier computes there; logits come back to the CPU
  at::Tensor logits;
  // A CLIP folder carries its tokenizer; a conv classifier folder does not.
  const bool conv = !std::filesystem::exists(dir / "vocab.json") && !std::filesystem::exists(dir / "tokenizer");
  if (conv) {
    ConvClassifier model = load_conv_classifier(dir);
    model->to(device);
    const auto head = model->config.head_index(label);
    logits = classify_images(model, images)[head];
    // The head's classes may be ordered differently from the world's names.
    const auto& head_classes = model->config.heads[head].classes;
    std::vector<std::int64_t> remapped;
    for (auto t : truth) {
      const auto at = std::find(head_classes.begin(), head_classes.end(), classes[static_cast<std::size_t>(t)]);
      remapped.push_back(at - head_classes.begin());
    }
    truth = remapped;
  } else {
    CLIPEvaluator clip(dir, device);
    const ZeroShotPrompts zero_shot = zero_shot_prompts(label);
    if (zero_shot.classes != classes)
      throw InputError("evaluate.classifier: zero-shot prompts do not cover the classes of '" + label + "'");
    logits = zero_shot_logits(clip, clip.image_embeddings(images), zero_shot);
  }
  context.outputs.metrics[kAccuracy] = accuracy(logits, at::tensor(truth));
  context.outputs.metrics["test_images"] = images.count;
  context.outputs.timings["evaluate"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

JobKind evaluate_classifier_kind() {
  JobKind kind;
  kind.spec = evaluate_classifier_spec();
  kind.run = run_evaluate_classifier;
  return kind;
}

}  // namespace tunegrid
