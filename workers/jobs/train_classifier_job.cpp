// train_classifier_job.cpp — `train.classifier`: an image classifier trained from scratch on a
// mix of real and synthetic images and tested on real ones, as the real:synthetic ratio study
// of Khrulev (seed 003, its Table 2: ViTs on 10,000-image mixes, tested on 2,000 real) does.
// The training set is the first `real` items of real_data followed by the first `synthetic` of
// synthetic_data (builtin data and class folders put class-balanced items first; either may be
// `artifact:<stage>`, e.g. a generate.pool stage's pool); the classes
// are the label's values in the training and test sets, sorted. The architecture is a ViT
// (ViTForImageClassification, transformers' initialisation) or the conv classifier, trained by
// the same loop (train_classifier.h: AdamW, warm-up + cosine, augmentation). Metrics: top-1
// `accuracy` on the test set and `accuracy.<class>` per class, and the confusion matrix in the
// shard (matrices/confusion); the trained model is saved in the artifact folder `classifier/`.
// architecture = "clip" is DataDream's classifier instead (Kim et al. 2024, seed 002;
// clip_lora_classifier.h): the `clip_model` CLIP with LoRA on both towers, logits against the
// classes' `class_prompt` texts, trained on λ·CE(real) + (1 − λ)·CE(synthetic) (train_classifier.h);
// steps = 0 is zero-shot CLIP. Its classifier/ is a peft adapter folder.
#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "core/errors.h"
#include "core/stopwatch.h"
#include "core/text.h"
#include "workers/data/aerial_world.h"
#include "workers/data/data_reference.h"
#include "workers/builtin/builtin_models.h"
#include "workers/eval/classifier_metrics.h"
#include "workers/eval/clip_lora_classifier.h"
#include "workers/eval/metric_names.h"
#include "workers/eval/train_classifier.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/jobs/train_classifier_spec.h"
#include "workers/jobs/upstream_artifacts.h"
#include "workers/models/model_config.h"

namespace tunegrid {

namespace {

const TrainClassifierParams& params() { return declared_params<TrainClassifierParams>(); }

// A data reference, or `artifact:<stage>`: the pool/ (else the whole) artifact folder of the job of
// that stage this one needs (generate.pool writes class folders there).
std::string resolved_reference(const JobContext& context, const std::string& reference, const std::string& where) {
  const std::string prefix = "artifact:";
  if (reference.rfind(prefix, 0) != 0) return reference;
  const auto dir = upstream_artifacts(context, reference.substr(prefix.size()), fmt::format("{} = '{}'", where, reference));
  return (std::filesystem::is_directory(dir / "pool") ? dir / "pool" : dir).string();
}

// The first `count` items of a data reference (-1: all of them; 0: none).
DataSet first_items(const JobContext& context, const std::string& reference, int count, int size,
                    const std::string& where) {
  DataSet set;
  if (count == 0) return set;
  if (reference.empty())
    throw InputError(fmt::format("{}: {} images asked for, but its data reference is empty", where, count));
  set = load_data_reference(resolved_reference(context, reference, where), size);
  if (count > 0) {
    if (set.items.size() < static_cast<std::size_t>(count))
      throw InputError(fmt::format("{}: {} images asked for, but '{}' holds {}", where, count, reference,
                                   set.items.size()));
    set.items.resize(static_cast<std::size_t>(count));
  }
  return set;
}

// Real then synthetic images as one training set.
LabelledImages concatenated(const LabelledImages& real, const LabelledImages& synthetic) {
  if (!real.images.defined()) return synthetic;
  if (!synthetic.images.defined()) return real;
  return {at::cat({real.images, synthetic.images}), {at::cat({real.labels[0], synthetic.labels[0]})}};
}

// The image size of the CLIPModel folder's vision tower.
int clip_image_size(const std::filesystem::path& dir) {
  const JsonConfig json(dir / "config.json");
  if (!json.document().contains("vision_config")) json.fail("vision_config", "a CLIPModel config needs a vision_config");
  return CLIPVisionConfig::from_json(JsonConfig(json.document()["vision_config"], json.source() + " vision_config"))
      .image_size;
}

// The label's values in the sets, sorted; InputError naming the set and item without one.
std::vector<std::string> class_names(const std::vector<const DataSet*>& sets, const std::string& label) {
  std::set<std::string> names;
  for (const DataSet* set : sets)
    for (std::size_t i = 0; i < set->items.size(); ++i) {
      const auto found = set->items[i].labels.find(label);
      if (found == set->items[i].labels.end())
        throw InputError(fmt::format("{}: item {} has no '{}' label to train a classifier on", set->reference, i, label));
      names.insert(found->second);
    }
  if (names.size() < 2) throw InputError(fmt::format("train.classifier: '{}' takes fewer than 2 values", label));
  return {names.begin(), names.end()};
}

// A training class the test set lacks is a misnamed class folder or pool class, not a class to
// learn: InputError naming the set and the class.
void check_trained_classes_are_tested(const std::vector<const DataSet*>& sets, const DataSet& test,
                                      const std::string& label) {
  std::set<std::string> tested;
  for (const auto& item : test.items)
    if (const auto found = item.labels.find(label); found != item.labels.end()) tested.insert(found->second);
  for (const DataSet* set : sets)
    for (const auto& item : set->items)
      if (const auto found = item.labels.find(label); found != item.labels.end() && tested.count(found->second) == 0)
        throw InputError(fmt::format("{}: {} '{}' is not in the test set '{}' (its {}s: {})", set->reference, label,
                                     found->second, test.reference, label, fmt::join(tested, ", ")));
}

ViTConfig vit_config(const Job& job, const std::vector<std::string>& classes) {
  ViTConfig config;
  config.image_size = params().image_size.of(job);
  config.patch_size = params().patch_size.of(job);
  config.hidden_size = params().hidden_size.of(job);
  config.num_hidden_layers = params().num_hidden_layers.of(job);
  config.num_attention_heads = params().num_attention_heads.of(job);
  config.intermediate_size = params().intermediate_size.of(job);
  config.labels = classes;
  if (config.image_size % config.patch_size != 0 || config.hidden_size % config.num_attention_heads != 0)
    throw InputError(fmt::format("{}: patch_size must divide image_size and num_attention_heads hidden_size",
                                 params().patch_size.where(job)));
  return config;
}

// The clip architecture's settings, checked before anything loads; InputError naming the parameter.
CLIPLoRAConfig clip_lora_config(const Job& job) {
  const auto fail = [&](const std::string& where, const std::string& expected) {
    throw InputError(fmt::format("{}: expected {}", where, expected));
  };
  if (params().real_weight.of(job) > 1) fail(params().real_weight.where(job), "λ in [0, 1]");
  if (params().lora_alpha.of(job) <= 0) fail(params().lora_alpha.where(job), "a positive alpha (0 would train nothing)");
  if (params().lora_dropout.of(job) >= 1) fail(params().lora_dropout.where(job), "a dropout probability below 1");
  const auto& targets = params().lora_target_modules.of(job);
  const auto& known = clip_lora_target_names();
  if (targets.empty() || std::any_of(targets.begin(), targets.end(), [&](const std::string& t) {
        return std::find(known.begin(), known.end(), t) == known.end();
      }))
    fail(params().lora_target_modules.where(job), fmt::format("a non-empty list of {}", fmt::join(known, ", ")));
  CLIPLoRAConfig config;
  config.rank = params().lora_rank.of(job);
  config.alpha = params().lora_alpha.of(job);
  config.dropout = params().lora_dropout.of(job);
  config.target_modules = params().lora_target_modules.of(job);
  return config;
}

ClassifierTrainOptions train_options(const Job& job) {
  ClassifierTrainOptions options;
  options.steps = params().steps.of(job);
  options.batch_size = params().batch_size.of(job);
  options.lr = params().learning_rate.of(job);
  options.weight_decay = params().weight_decay.of(job);
  options.warmup_steps = params().warmup_steps.of(job);
  options.augment = params().augment.of(job);
  options.seed = static_cast<std::uint64_t>(params().seed.of(job));
  return options;
}

// Trains the job's ViT or conv classifier on `train` and returns its test-set logits [N, classes]
// on the CPU; the model is saved to DIR.
at::Tensor train_and_classify(JobContext& context, const ConvClassifierConfig& heads, const LabelledImages& train,
                              const LabelledImages& test, const std::filesystem::path& dir) {
  const Job& job = context.job;
  const c10::Device device(context.device);
  const ClassifierTrainOptions options = train_options(job);
  if (options.steps < 1)
    throw InputError(fmt::format("{} = 0: a {} classifier needs at least one step (zero-shot is architecture = 'clip')",
                                 params().steps.where(job), params().architecture.of(job)));
  at::manual_seed(options.seed);
  if (params().architecture.of(job) == "conv") {
    ConvClassifier model(heads);
    init_conv_classifier_weights(model, options.seed);
    model->to(device);
    context.outputs.loss = train_conv_classifier(model, train, options);
    save_conv_classifier(model, dir);
    return classify_tensor(model, test.images)[0].cpu();
  }
  ViTForImageClassification model(vit_config(job, heads.heads[0].classes));
  model->to(device);
  context.outputs.loss = train_vit_classifier(model, train, options);
  save_vit_classifier(model, dir);
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> logits;
  for (std::int64_t i = 0; i < test.images.size(0); i += 256)
    logits.push_back(model->forward(test.images.slice(0, i, i + 256).to(device)).cpu());
  return at::cat(logits);
}

// The same for architecture = "clip": the CLIP-LoRA classifier trained on the real and synthetic
// sets as two streams (train_clip_lora_classifier), saved to DIR as a peft adapter folder.
at::Tensor train_and_classify_clip(JobContext& context, const std::filesystem::path& clip_dir,
                                   const std::vector<std::string>& classes, const LabelledImages& real,
                                   const LabelledImages& synthetic, const LabelledImages& test,
                                   const std::filesystem::path& dir) {
  const Job& job = context.job;
  const c10::Device device(context.device);
  const ClassifierTrainOptions options = train_options(job);
  const std::string& class_prompt = params().class_prompt.of(job);
  if (class_prompt.find("{}") == std::string::npos)
    throw InputError(fmt::format("{} = '{}': expected {{}} where the class goes (every class would get the same text)",
                                 params().class_prompt.where(job), class_prompt));
  std::vector<std::string> prompts;
  for (const auto& name : classes) prompts.push_back(replace_all(class_prompt, "{}", class_subject(name)));
  CLIPLoRAClassifier model = make_clip_lora_classifier(clip_dir, prompts, clip_lora_config(job), options.seed);
  model.to(device);
  context.outputs.loss = train_clip_lora_classifier(model, real, synthetic, options, params().real_weight.of(job));
  model.save(dir, params().clip_model.of(job));
  at::NoGradGuard no_grad;
  const at::Tensor text = model.class_embeddings();
  std::vector<at::Tensor> logits;
  for (std::int64_t i = 0; i < test.images.size(0); i += 256)
    logits.push_back(model.logits(clip_normalise(test.images.slice(0, i, i + 256).to(device)), text).cpu());
  return at::cat(logits);
}

void record_accuracies(JobContext& context, const at::Tensor& logits, const at::Tensor& labels,
                       const std::vector<std::string>& classes) {
  auto& metrics = context.outputs.metrics;
  metrics[metric_names::kAccuracy] = accuracy(logits, labels);
  const at::Tensor correct = logits.argmax(1).eq(labels);
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const at::Tensor of_class = labels.eq(static_cast<std::int64_t>(c));
    const auto count = of_class.sum().item<std::int64_t>();
    if (count > 0)
      metrics["accuracy." + classes[c]] = correct.logical_and(of_class).sum().item<double>() / static_cast<double>(count);
  }
  metrics["test_images"] = static_cast<double>(labels.size(0));
  context.outputs.matrices["confusion"] = confusion_matrix(logits, labels, classes);
}

// The images of a set as classifier inputs; an empty set gives an undefined tensor.
LabelledImages labelled_or_empty(const DataSet& set, const ConvClassifierConfig& heads) {
  return set.items.empty() ? LabelledImages{} : labelled_images(set, heads);
}

void run_train_classifier(JobContext& context) {
  const Job& job = context.job;
  const auto start = std::chrono::steady_clock::now();
  const bool clip = params().architecture.of(job) == "clip";
  if (clip) clip_lora_config(job);  // its checks, before anything loads
  const std::filesystem::path clip_dir =
      clip ? resolve_model_reference(params().clip_model.of(job), params().clip_model.where(job)) : "";
  const int size = clip ? clip_image_size(clip_dir) : params().image_size.of(job);
  const DataSet real =
      first_items(context, params().real_data.of(job), params().real.of(job), size, params().real.where(job));
  const DataSet synthetic = first_items(context, params().synthetic_data.of(job), params().synthetic.of(job), size,
                                        params().synthetic.where(job));
  if (real.items.empty() && synthetic.items.empty() && !(clip && params().steps.of(job) == 0))
    throw InputError("train.classifier: `real` and `synthetic` are both 0: nothing to train on");
  const DataSet test = load_data_reference(params().test_data.of(job), size);
  const std::string label = params().label.of(job);
  check_trained_classes_are_tested({&real, &synthetic}, test, label);
  ConvClassifierConfig heads;
  heads.image_size = size;
  heads.heads = {{label, class_names({&real, &synthetic, &test}, label)}};
  const LabelledImages real_images = labelled_or_empty(real, heads);
  const LabelledImages synthetic_images = labelled_or_empty(synthetic, heads);
  const LabelledImages test_images = labelled_images(test, heads);
  context.outputs.metrics["train_real"] = static_cast<double>(real.items.size());
  context.outputs.metrics["train_synthetic"] = static_cast<double>(synthetic.items.size());
  const auto dir = context.artifacts / "classifier";
  const std::vector<std::string>& classes = heads.heads[0].classes;
  const at::Tensor logits =
      clip ? train_and_classify_clip(context, clip_dir, classes, real_images, synthetic_images, test_images, dir)
           : train_and_classify(context, heads, concatenated(real_images, synthetic_images), test_images, dir);
  record_accuracies(context, logits, test_images.labels[0], classes);
  context.outputs.timings["train"] = seconds_since(start);
}

}  // namespace

JobKind train_classifier_kind() {
  JobKind kind;
  kind.spec = train_classifier_spec();
  kind.run = run_train_classifier;
  return kind;
}

}  // namespace tunegrid
