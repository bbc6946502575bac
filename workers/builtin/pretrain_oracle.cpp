// pretrain_oracle.cpp — the builtin scene oracle (see pretrain_tiny_models.h): the conv
// classifier of workers/eval/train_classifier.h trained on labelled renders of every style
// and disaster with blur / noise / shift augmentation (it judges generated images), scored
// on held-out renders; and the training.json every builtin model folder carries.
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/json_file.h"
#include "core/log.h"
#include "workers/builtin/pretrain_tiny_models.h"
#include "workers/eval/train_classifier.h"

namespace tunegrid {

PretrainReport pretrain_scene_oracle(const PretrainRecipe& recipe, const std::filesystem::path& out) {
  const auto start = std::chrono::steady_clock::now();
  SceneOracleOptions options;
  options.train_images = recipe.oracle_images;
  options.data_seed = recipe.seed + 3;
  options.train.steps = recipe.oracle_steps;
  options.train.seed = recipe.seed + 3;
  options.image_size = recipe.image_size;
  PretrainReport report;
  ConvClassifier oracle = train_scene_oracle(options, &report.loss);
  // Held-out renders (another data seed) for the recorded accuracies.
  const std::string reference = "builtin:scenes?count=600&seed=" + std::to_string(recipe.seed + 4000037) +
                                "&size=" + std::to_string(recipe.image_size);
  const LabelledImages held_out = labelled_images(load_data_reference(reference, recipe.image_size), oracle->config);
  const std::vector<double> accuracies = head_accuracies(oracle, held_out);
  for (std::size_t h = 0; h < accuracies.size(); ++h)
    report.metrics[oracle->config.heads[h].name + "_accuracy"] = accuracies[h];
  save_conv_classifier(oracle, out);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_training_report(out, recipe, report);
  log::info("builtin", "scene oracle: held-out style accuracy {:.3f}, disaster accuracy {:.3f} ({:.0f} s)",
            report.metrics["style_accuracy"], report.metrics["disaster_accuracy"], report.seconds);
  return report;
}

void write_training_report(const std::filesystem::path& dir, const PretrainRecipe& recipe,
                           const PretrainReport& report) {
  const nlohmann::json document = {{"recipe", recipe.name},
                                   {"world_version", kBuiltinWorldVersion},
                                   {"seconds", report.seconds},
                                   {"metrics", report.metrics},
                                   {"loss", report.loss}};
  write_file_atomically(dir / "training.json", document.dump() + "\n");
}

PretrainReport read_training_report(const std::filesystem::path& dir) {
  const auto file = dir / "training.json";
  const nlohmann::json document = read_json_file(file, "training report (a builtin model folder carries it)");
  PretrainReport report;
  try {
    report.seconds = document.at("seconds").get<double>();
    report.metrics = document.at("metrics").get<std::map<std::string, double>>();
    report.loss = document.at("loss").get<std::vector<float>>();
  } catch (const nlohmann::json::exception& error) {
    throw InputError(file.string() + ": not a training report: " + error.what());
  }
  return report;
}

}  // namespace tunegrid
