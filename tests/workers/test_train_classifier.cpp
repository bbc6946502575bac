// test_train_classifier.cpp — `train.classifier` (workers/jobs/train_classifier_job.cpp): a ViT
// and the conv classifier learn four visually distinct aerial classes from builtin renders,
// the saved ViT folder reloads to the same test predictions, mixes take the first `real` and
// `synthetic` items, and impossible mixes are refused by parameter.
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include <fstream>

#include "core/config.h"
#include "core/image_io.h"
#include "core/plan.h"
#include "tests/input_error.h"
#include "tests/temp_dir.h"
#include "workers/data/data_reference.h"
#include "workers/eval/classifier_metrics.h"
#include "workers/eval/train_classifier.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/models/vit_classifier.h"

using namespace tunegrid;

namespace {

const std::string kClasses = "class=airplane,beach,forest,runway";

Job classifier_job(const std::string& extra, int steps = 150,
                   const std::string& test_data = "builtin:aerial?" + kClasses + "&count=40&seed=77") {
  const KindCatalog kinds = kind_catalog();
  const std::string text = "[jobs.c]\nkind = \"train.classifier\"\n[jobs.c.params]\n"
                           "real_data = \"builtin:aerial?" + kClasses + "&count=80&seed=1\"\n"
                           "test_data = \"" + test_data + "\"\n"
                           "hidden_size = 32\nnum_hidden_layers = 2\nintermediate_size = 64\npatch_size = 8\n"
                           "steps = " + std::to_string(steps) + "\nbatch_size = 32\nwarmup_steps = 10\n" + extra;
  return build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
}

JobContext run_job(const Job& job, const std::filesystem::path& artifacts) {
  JobContext context(job);
  context.artifacts = artifacts;
  find_job_kind("train.classifier")->run(context);
  return context;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_classifier)

// Four classes a 32 px render tells apart at a glance (chance 0.25; 1.00 here after 150 steps):
// a classifier that learns gets well above 0.75, one that does not stays near 0.25.
BOOST_AUTO_TEST_CASE(a_vit_learns_aerial_classes_and_saves_a_transformers_folder) {
  testing::TempDir artifacts("train-classifier");
  const Job job = classifier_job("");
  const JobContext context = run_job(job, artifacts.path);
  const auto& metrics = context.outputs.metrics;
  BOOST_TEST(metrics.at("accuracy") >= 0.75);
  BOOST_TEST(metrics.at("train_real") == 80.0);
  BOOST_TEST(metrics.at("test_images") == 40.0);
  for (const char* name : {"airplane", "beach", "forest", "runway"})
    BOOST_TEST(metrics.count(std::string("accuracy.") + name) == 1u, name);
  BOOST_TEST(context.outputs.loss.size() == 150u);
  BOOST_TEST(context.outputs.loss.back() < context.outputs.loss.front());
  // The saved folder: transformers' layout, the classes by name, the same predictions.
  ViTForImageClassification saved = load_vit_classifier(artifacts.path / "classifier");
  BOOST_TEST(saved->config.labels == (std::vector<std::string>{"airplane", "beach", "forest", "runway"}));
  ConvClassifierConfig heads;
  heads.heads = {{"class", saved->config.labels}};
  const LabelledImages test =
      labelled_images(load_data_reference("builtin:aerial?" + kClasses + "&count=40&seed=77", 32), heads);
  at::NoGradGuard no_grad;
  BOOST_TEST(accuracy(saved->forward(test.images), test.labels[0]) == metrics.at("accuracy"));
}

BOOST_AUTO_TEST_CASE(the_conv_classifier_trains_through_the_same_job) {
  testing::TempDir artifacts("train-classifier");
  const JobContext context = run_job(classifier_job("architecture = \"conv\"\n", 100), artifacts.path);
  BOOST_TEST(context.outputs.metrics.at("accuracy") >= 0.75);
  BOOST_TEST(std::filesystem::exists(artifacts.path / "classifier" / "config.json"));
}

BOOST_AUTO_TEST_CASE(mixes_take_prefixes_and_impossible_ones_are_named) {
  testing::TempDir artifacts("train-classifier");
  const std::string synthetic = "synthetic_data = \"builtin:aerial?" + kClasses + "&count=40&seed=2\"\n";
  const JobContext mixed = run_job(classifier_job(synthetic + "real = 60\nsynthetic = 20\n", 5), artifacts.path);
  BOOST_TEST(mixed.outputs.metrics.at("train_real") == 60.0);
  BOOST_TEST(mixed.outputs.metrics.at("train_synthetic") == 20.0);
  const auto error_of = [&](const std::string& extra, const std::string& test_data = "builtin:aerial?count=40") {
    const Job job = classifier_job(extra, 5, test_data);
    return testing::input_error_of([&] { run_job(job, artifacts.path); });
  };
  BOOST_TEST(error_of("real = 0\n").find("nothing to train on") != std::string::npos);
  const std::string too_many = error_of("real = 500\n");
  BOOST_TEST(too_many.find("param 'real'") != std::string::npos, too_many);
  BOOST_TEST(too_many.find("holds 80") != std::string::npos, too_many);
  BOOST_TEST(error_of("synthetic = 5\n").find("param 'synthetic'") != std::string::npos);
  BOOST_TEST(error_of("label = \"disaster\"\n").find("no 'disaster' label") != std::string::npos);
  // A training class the test set lacks (a misnamed pool class or folder) is named.
  const std::string untested = error_of("synthetic_data = \"builtin:aerial?class=harbor&count=4\"\nsynthetic = 2\n",
                                        "builtin:aerial?" + kClasses + "&count=40");
  BOOST_TEST(untested.find("class 'harbor' is not in the test set") != std::string::npos, untested);
}

// generate.pool writes class folders (a seed per call: the two calls of a class differ) that
// train.classifier reads back by `artifact:<stage>`, class-balanced in any prefix.
BOOST_AUTO_TEST_CASE(a_generated_pool_is_synthetic_data_for_the_classifier) {
  testing::TempDir pool_artifacts("generate-pool"), classifier_artifacts("train-classifier");
  const KindCatalog kinds = kind_catalog();
  const std::string flux = (std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests" / "fixtures" / "tiny-flux").string();
  const std::string text = "[jobs.pool]\nkind = \"generate.pool\"\n[jobs.pool.params]\nmodel = \"" + flux +
                           "\"\nclasses = [\"beach\", \"airplane\"]\nimages_per_class = 3\nbatch = 2\nsteps = 2\n"
                           "max_sequence_length = 16\n";
  const Job pool_job = build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  JobContext pool(pool_job);
  pool.artifacts = pool_artifacts.path;
  find_job_kind("generate.pool")->run(pool);
  BOOST_TEST(pool.outputs.metrics.at("images") == 6.0);
  for (const char* name : {"airplane", "beach"})
    for (const char* file : {"00000.png", "00002.png", "00002.txt"})
      BOOST_TEST(std::filesystem::exists(pool_artifacts.path / "pool" / name / file), name << "/" << file);
  BOOST_TEST(read_png(pool_artifacts.path / "pool" / "beach" / "00000.png").pixels !=
             read_png(pool_artifacts.path / "pool" / "beach" / "00002.png").pixels);
  // The contact sheet: a row per class (beach first, as asked) of its 3 images, 2-pixel gaps.
  const ImageBatch beach = read_png(pool_artifacts.path / "pool" / "beach" / "00000.png");
  const ImageBatch sheet = read_png(pool_artifacts.path / "pool_sheet.png");
  BOOST_TEST(sheet.width == 3 * beach.width + 2 * 2);
  BOOST_TEST(sheet.height == 2 * beach.height + 2);
  BOOST_TEST(sheet.pixels[0] == beach.pixels[0]);
  BOOST_REQUIRE(pool.outputs.images.size() == 1u);
  BOOST_TEST(pool.outputs.images[0].key == "pool_sheet");

  // The classifier's shard holds the confusion matrix of its test set.

  const Job job = classifier_job("synthetic_data = \"artifact:pool\"\nsynthetic = 4\nreal = 4\n", 5);
  JobContext context(job);
  context.artifacts = classifier_artifacts.path;
  context.upstream = {{"pool", pool_artifacts.path, {}}};
  find_job_kind("train.classifier")->run(context);
  BOOST_TEST(context.outputs.metrics.at("train_synthetic") == 4.0);
  const CountMatrix& confusion = context.outputs.matrices.at("confusion");
  std::int64_t tested = 0;
  for (auto count : confusion.counts) tested += count;
  BOOST_TEST(tested == static_cast<std::int64_t>(context.outputs.metrics.at("test_images")));
  BOOST_TEST(confusion.counts.size() == confusion.labels.size() * confusion.labels.size());
  const DataSet synthetic = load_data_reference((pool_artifacts.path / "pool").string(), 32);
  BOOST_TEST(synthetic.items.at(0).labels.at("class") == "airplane");
  BOOST_TEST(synthetic.items.at(1).labels.at("class") == "beach");
}

namespace {

const std::string kTinySD = (std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests" / "fixtures" / "tiny-sd").string();

// One step of a LoRA (text encoder too, lr 0.1: its images visibly differ from the base model's)
// on two shots of a scene style, captioned with their class ("a western house"), as DataDream's
// per-class jobs.
void train_class_lora(const std::string& style, const std::filesystem::path& artifacts) {
  const KindCatalog kinds = kind_catalog();
  const std::string text = "[jobs.lora]\nkind = \"finetune.lora\"\n[jobs.lora.params]\nmodel = \"" + kTinySD +
                           "\"\ndata = \"builtin:scenes?style=" + style + "&balance=1&count=2\"\n"
                           "captions = \"class\"\nprompt_templates = [\"{}\"]\ntrain_text_encoder = true\n"
                           "train_batch_size = 2\nmax_train_steps = 1\nlearning_rate = 0.1\nrank = 2\n";
  const Job job = build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  JobContext context(job);  // holds a reference to the job
  context.artifacts = artifacts;
  find_job_kind("finetune.lora")->run(context);
}

Job pool_job(const std::string& extra) {
  const KindCatalog kinds = kind_catalog();
  const std::string text = "[jobs.pool]\nkind = \"generate.pool\"\n[jobs.pool.params]\nfinetuned = \"lora\"\n"
                           "prompt = \"{}\"\nimages_per_class = 2\nbatch = 2\nsteps = 2\n" + extra;
  return build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
}

std::vector<std::uint8_t> pool_pixels(const std::filesystem::path& artifacts, const std::string& class_name) {
  return read_png(artifacts / "pool" / class_name / "00001.png").pixels;
}

}  // namespace

// captions = "class" for a method that learns a token: refused, naming the parameter.
BOOST_AUTO_TEST_CASE(class_captions_are_refused_where_a_token_is_learned) {
  const KindCatalog kinds = kind_catalog();
  const std::string text = "[jobs.ti]\nkind = \"finetune.textual_inversion\"\n[jobs.ti.params]\nmodel = \"" + kTinySD +
                           "\"\ndata = \"builtin:scenes?style=hanok&count=2\"\ncaptions = \"class\"\n";
  const Job job = build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  JobContext context(job);
  testing::TempDir artifacts("ti-class-captions");
  context.artifacts = artifacts.path;
  const std::string message = testing::input_error_of([&] { find_job_kind("finetune.textual_inversion")->run(context); });
  BOOST_TEST(message.find("captions' = 'class': finetune.textual_inversion learns a token") != std::string::npos, message);
}

// DataDream_cls: one LoRA job per class fans in to one generation job, which draws each class
// with the job whose `class` coordinate names it — the same images as a pool drawn by that job
// alone (a class's seeds depend on its name only) — and prompts "a hanok" / "a western house".
BOOST_AUTO_TEST_CASE(per_class_finetuned_jobs_fan_in_to_one_pool) {
  testing::TempDir hanok("lora-hanok"), western("lora-western"), fan_in("pool-fan-in"), alone("pool-alone");
  train_class_lora("hanok", hanok.path);
  train_class_lora("western", western.path);
  const Job fan_in_job = pool_job(""), single_job = pool_job("classes = [\"hanok\", \"western house\"]\n");
  const Job missing_job = pool_job("classes = [\"apartment building\"]\n");
  JobContext pool(fan_in_job);
  pool.artifacts = fan_in.path;
  pool.upstream = {{"lora", hanok.path, {{"class", Value("hanok")}}},
                   {"lora", western.path, {{"class", Value("western house")}}}};
  find_job_kind("generate.pool")->run(pool);
  BOOST_TEST(pool.outputs.metrics.at("images") == 4.0);
  std::ifstream prompt(fan_in.path / "pool" / "western house" / "00000.txt");
  std::string line;
  std::getline(prompt, line);
  BOOST_TEST(line == "a western house");
  // The western LoRA alone, asked for both classes: its western houses are the fan-in's, its hanoks are not.
  JobContext single(single_job);
  single.artifacts = alone.path;
  single.upstream = {{"lora", western.path, {}}};
  find_job_kind("generate.pool")->run(single);
  BOOST_TEST(pool_pixels(alone.path, "western house") == pool_pixels(fan_in.path, "western house"));
  BOOST_TEST(pool_pixels(alone.path, "hanok") != pool_pixels(fan_in.path, "hanok"));
  // Several jobs without the class coordinate, and a class none of them draws, are named.
  JobContext unnamed(fan_in_job);
  unnamed.artifacts = alone.path;
  unnamed.upstream = {{"lora", hanok.path, {}}, {"lora", western.path, {}}};
  BOOST_TEST(testing::input_error_of([&] { find_job_kind("generate.pool")->run(unnamed); })
                 .find("has no 'class' coordinate") != std::string::npos);
  // One per-class job (a grid cut to one class) still draws its class only, not the aerial default.
  testing::TempDir one("pool-one-class");
  JobContext single_class(fan_in_job);
  single_class.artifacts = one.path;
  single_class.upstream = {{"lora", hanok.path, {{"class", Value("hanok")}}}};
  find_job_kind("generate.pool")->run(single_class);
  BOOST_TEST(single_class.outputs.metrics.at("images") == 2.0);
  BOOST_TEST(pool_pixels(one.path, "hanok") == pool_pixels(fan_in.path, "hanok"));
  JobContext missing(missing_job);
  missing.artifacts = alone.path;
  missing.upstream = pool.upstream;
  BOOST_TEST(testing::input_error_of([&] { find_job_kind("generate.pool")->run(missing); })
                 .find("'apartment building' has no fine-tuned job of stage 'lora'") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
