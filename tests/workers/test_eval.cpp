// test_eval.cpp — the evaluation metrics (workers/eval/) and the conv classifier
// (workers/models/conv_classifier.h): CLIP scores, CLIP-I and accuracies on hand-computed
// vectors; KID and CLIP preprocessing / embeddings / torchmetrics' CLIPScore against golden
// values from tests/reference/make_eval_fixtures.py (torchmetrics 1.9, transformers 5);
// classifier save/load; training on a separable synthetic problem and, as the oracle, on
// rendered scenes (workers/data/scene_world.h).
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/autograd/grad_mode.h>

#include "core/errors.h"
#include "tests/input_error.h"
#include "tests/temp_dir.h"
#include "tests/tolerance.h"
#include "workers/data/data_reference.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/eval/classifier_metrics.h"
#include "workers/eval/clip_evaluator.h"
#include "workers/eval/clip_metrics.h"
#include "workers/eval/clip_preprocess.h"
#include "workers/eval/image_resize.h"
#include "workers/eval/kid.h"
#include "workers/eval/train_classifier.h"
#include "workers/models/conv_classifier.h"
#include "workers/models/weights.h"

using namespace tunegrid;
namespace fs = std::filesystem;
using testing::input_error_of;

namespace {

const fs::path kFixtures = fs::path(TUNEGRID_SOURCE_DIR) / "tests" / "fixtures";

struct Golden {
  explicit Golden(const std::string& name) : source(kFixtures / "eval" / (name + ".safetensors")) {}
  at::Tensor operator[](const std::string& key) const { return source.tensor(key); }
  double scalar(const std::string& key) const { return source.tensor(key).to(at::kDouble).item<double>(); }
  WeightSource source;
};

double max_abs_error(const at::Tensor& a, const at::Tensor& b) {
  BOOST_REQUIRE_MESSAGE(a.sizes() == b.sizes(), "shapes differ: " << a.sizes() << " vs " << b.sizes());
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

struct TempDir : tunegrid::testing::TempDir {
  TempDir() : tunegrid::testing::TempDir("eval") {}
};

at::Tensor rows(std::vector<std::vector<double>> values) {
  std::vector<at::Tensor> out;
  for (auto& row : values) out.push_back(at::tensor(row, at::kDouble));
  return at::stack(out);
}

ImageBatch hwc_batch(const at::Tensor& hwc /*[H, W, 3] uint8*/) {
  const at::Tensor pixels = hwc.contiguous();
  ImageBatch batch;
  batch.key = "fixture";
  batch.count = 1;
  batch.height = static_cast<int>(pixels.size(0));
  batch.width = static_cast<int>(pixels.size(1));
  batch.pixels.assign(pixels.data_ptr<std::uint8_t>(), pixels.data_ptr<std::uint8_t>() + pixels.numel());
  return batch;
}

// A separable synthetic problem: a red, green or blue filled square or ring at a random place and
// size on a noisy grey background. Heads: color (3 classes), shape (2 classes).
ConvClassifierConfig shapes_config() {
  ConvClassifierConfig config;
  config.image_size = 24;
  config.block_out_channels = {16, 32};
  config.heads = {{"color", {"red", "green", "blue"}}, {"shape", {"square", "ring"}}};
  return config;
}

LabelledImages make_shapes(int count, unsigned seed, int size) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 12.0);
  ImageBatch batch;
  batch.count = count;
  batch.height = batch.width = size;
  std::vector<std::int64_t> colors, shapes;
  for (int i = 0; i < count; ++i) {
    const int color = static_cast<int>(rng() % 3), shape = static_cast<int>(rng() % 2);
    colors.push_back(color);
    shapes.push_back(shape);
    const double background = 60 + 120 * unit(rng);
    const double radius = size * (0.2 + 0.12 * unit(rng));
    const double cx = radius + (size - 2 * radius) * unit(rng), cy = radius + (size - 2 * radius) * unit(rng);
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
        const double r2 = dx * dx + dy * dy;
        const bool inside = shape == 0 ? std::max(std::abs(dx), std::abs(dy)) < radius * 0.85
                                       : r2 < radius * radius && r2 > 0.3 * radius * radius;
        for (int c = 0; c < 3; ++c) {
          const double value = inside ? (c == color ? 220.0 : 40.0) : background;
          batch.pixels.push_back(static_cast<std::uint8_t>(std::clamp(value + noise(rng), 0.0, 255.0)));
        }
      }
  }
  LabelledImages data;
  data.images = images_to_tensor(batch);
  data.labels = {at::tensor(colors, at::kLong), at::tensor(shapes, at::kLong)};
  return data;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(eval)

BOOST_AUTO_TEST_CASE(clip_score_is_the_mean_paired_cosine) {
  // cos([3, 0], [1, 1]) = 1/√2; cos([0, 2], [0, 5]) = 1; cos([1, 1], [-1, -1]) = −1.
  const at::Tensor images = rows({{3, 0}, {0, 2}, {1, 1}});
  const at::Tensor texts = rows({{1, 1}, {0, 5}, {-1, -1}});
  BOOST_TEST(clip_score(images, texts) == (1 / std::sqrt(2.0) + 1 - 1) / 3, boost::test_tools::tolerance(1e-12));
  // A single prompt row broadcasts to every image: cos with [1, 0] = 1, 0, 1/√2.
  BOOST_TEST(clip_score(images, rows({{2, 0}})) == (1 + 0 + 1 / std::sqrt(2.0)) / 3,
             boost::test_tools::tolerance(1e-12));
  // float32 inputs (what the evaluator returns) work the same.
  BOOST_TEST(clip_score(images.to(at::kFloat), texts.to(at::kFloat)) == (1 / std::sqrt(2.0)) / 3,
             boost::test_tools::tolerance(1e-6));
  const std::string message = input_error_of([&] { clip_score(images, rows({{1, 0}, {0, 1}})); });
  BOOST_TEST(message.find("[3, 2]") != std::string::npos, message);
  BOOST_TEST(message.find("[2, 2]") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(clip_score_100_clamps_the_mean_like_torchmetrics) {
  // Cosines 0.5 and −0.3: torchmetrics' compute() gives max(100 · mean, 0) = 10 (a per-pair
  // clamp would give 25).
  const at::Tensor images = rows({{1, 0}, {1, 0}});
  const at::Tensor texts = rows({{0.5, std::sqrt(0.75)}, {-0.3, std::sqrt(0.91)}});
  BOOST_TEST(clip_score_100(images, texts) == 10.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(clip_score(images, texts) == 0.1, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(clip_score_100(images, rows({{-1, 0}})) == 0.0);
}

BOOST_AUTO_TEST_CASE(clip_image_alignment_averages_every_pair) {
  // generated [1, 0], [0, 1]; references [1, 0], [1, 1]: cosines 1, 1/√2, 0, 1/√2.
  const at::Tensor generated = rows({{2, 0}, {0, 3}});
  const at::Tensor reference = rows({{1, 0}, {4, 4}});
  BOOST_TEST(clip_image_alignment(generated, reference) == (1 + std::sqrt(2.0)) / 4, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(clip_image_alignment(reference, reference) == (1 + 1 + 2 / std::sqrt(2.0)) / 4,
             boost::test_tools::tolerance(1e-12));
  input_error_of([&] { clip_image_alignment(generated, rows({{1, 0, 0}})); });
}

BOOST_AUTO_TEST_CASE(accuracies) {
  const at::Tensor logits = rows({{0.1, 0.9, 0.0}, {2.0, 1.0, 0.0}, {0.0, 0.0, 3.0}, {0.0, 5.0, 1.0}});
  BOOST_TEST(accuracy(logits, at::tensor(std::vector<std::int64_t>{1, 0, 2, 2})) == 0.75);
  BOOST_TEST(concept_accuracy(logits, 1) == 0.5);
  BOOST_TEST(concept_accuracy(logits, 2) == 0.25);
  input_error_of([&] { concept_accuracy(logits, 3); });
  input_error_of([&] { accuracy(logits, at::tensor(std::vector<std::int64_t>{1, 0})); });
  // Predictions 1, 0, 2, 1 against truth 1, 0, 2, 2: row = truth, column = prediction.
  const CountMatrix confusion = confusion_matrix(logits, at::tensor(std::vector<std::int64_t>{1, 0, 2, 2}), {"a", "b", "c"});
  BOOST_TEST(confusion.labels == (std::vector<std::string>{"a", "b", "c"}));
  BOOST_TEST(confusion.counts == (std::vector<std::int64_t>{1, 0, 0, 0, 1, 0, 0, 1, 1}));
  input_error_of([&] { confusion_matrix(logits, at::tensor(std::vector<std::int64_t>{1, 0, 2, 2}), {"a", "b"}); });
}

BOOST_AUTO_TEST_CASE(kid_matches_torchmetrics) {
  const Golden golden("kid");
  const at::Tensor real = golden["real"], fake = golden["fake"];  // [40, 16] each
  const double expected = golden.scalar("kid_mean");
  BOOST_TEST(std::abs(polynomial_mmd2(real, fake) - expected) <= 1e-6 * std::abs(expected),
             polynomial_mmd2(real, fake) << " vs torchmetrics " << expected);
  // subset_size = the whole set: every subset is a permutation of the full sets.
  KIDOptions options;
  options.subsets = 5;
  options.subset_size = 40;
  const KIDResult kid = kernel_inception_distance(real, fake, options);
  BOOST_TEST(std::abs(kid.mean - expected) <= 1e-6 * std::abs(expected), kid.mean << " vs " << expected);
  BOOST_TEST(kid.std <= 1e-9);
  BOOST_TEST(golden.scalar("kid_std") <= 1e-9);
  // Another kernel: degree 2, gamma 0.5, coef 0.5; float32 inputs.
  const double d2 = golden.scalar("mmd_d2");
  BOOST_TEST(std::abs(polynomial_mmd2(real.to(at::kFloat), fake.to(at::kFloat), 2, 0.5, 0.5) - d2) <=
             1e-5 * std::abs(d2));
}

BOOST_AUTO_TEST_CASE(kid_subset_averaging) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(3);
  const at::Tensor a = at::randn({120, 8}, generator, at::kDouble);
  const at::Tensor b = at::randn({100, 8}, generator, at::kDouble);
  KIDOptions options;
  options.subsets = 20;
  options.subset_size = 50;
  const KIDResult same = kernel_inception_distance(a, a, options);
  const KIDResult similar = kernel_inception_distance(a, b, options);
  const KIDResult shifted = kernel_inception_distance(a, b + 1.0, options);
  // One set against itself: ~0 next to a shift. (Slightly negative: independently drawn subsets
  // share rows, whose k(x, x) enters the cross term but not the within-set terms — torchmetrics
  // behaves the same.)
  BOOST_TEST(std::abs(same.mean) < 0.05 * shifted.mean, same.mean << " vs shifted " << shifted.mean);
  // Two samples of one distribution: the unbiased estimate scatters around 0, far below a shift.
  BOOST_TEST(std::abs(similar.mean) < 3 * similar.std, similar.mean << " ± " << similar.std);
  BOOST_TEST(shifted.mean > 10 * std::abs(similar.mean) + 0.1, shifted.mean << " vs " << similar.mean);
  BOOST_TEST_MESSAGE("KID same " << same.mean << " ± " << same.std << ", similar " << similar.mean << " ± "
                                 << similar.std << ", shifted " << shifted.mean << " ± " << shifted.std);
  BOOST_TEST(same.std >= 0.0);
  BOOST_TEST(shifted.std > 0.0);
  // Deterministic given the seed; another seed draws other subsets.
  const KIDResult again = kernel_inception_distance(a, b + 1.0, options);
  BOOST_TEST(again.mean == shifted.mean);
  BOOST_TEST(again.std == shifted.std);
  options.seed = 7;
  BOOST_TEST(kernel_inception_distance(a, b + 1.0, options).mean != shifted.mean);
  // subset_size larger than a set is refused, naming it.
  options.subset_size = 101;
  const std::string message = input_error_of([&] { kernel_inception_distance(a, b, options); });
  BOOST_TEST(message.find("subset_size") != std::string::npos, message);
  BOOST_TEST(message.find("101") != std::string::npos, message);
  options.subset_size = 100;
  BOOST_TEST(std::isfinite(kernel_inception_distance(a, b, options).mean));
}

BOOST_AUTO_TEST_CASE(clip_preprocess_matches_transformers) {
  const Golden golden("clip_preprocess");
  for (const std::string name : {"down", "up", "same"}) {
    const at::Tensor pixels = clip_pixel_values(hwc_batch(golden["image_" + name]), 32);
    testing::check_close(pixels, golden["pixel_" + name], testing::kFloat32, name + ": CLIP pixel values");
  }
  // Shortest side and center crop geometry.
  const ImageBatch wide = resize_shortest_side(hwc_batch(golden["image_down"]), 32);
  BOOST_TEST(wide.height == 32);
  BOOST_TEST(wide.width == 44);  // int(32 · 56 / 40)
  const ImageBatch crop = center_crop(wide, 32, 32);
  BOOST_TEST(crop.width == 32);
  BOOST_TEST(crop.pixels.size() == 32u * 32u * 3u);
  input_error_of([&] { center_crop(wide, 33, 32); });
}

BOOST_AUTO_TEST_CASE(images_to_tensor_round_trips) {
  const Golden golden("clip_preprocess");
  const ImageBatch image = hwc_batch(golden["image_up"]);
  const at::Tensor x = images_to_tensor(image);  // [1, 3, 14, 20]
  BOOST_TEST((x.sizes() == at::IntArrayRef{1, 3, 14, 20}));
  BOOST_TEST(x.min().item<double>() >= -1.0);
  BOOST_TEST(x.max().item<double>() <= 1.0);
  BOOST_TEST(to_image_batch(x).pixels == image.pixels);
}

BOOST_AUTO_TEST_CASE(clip_evaluator_matches_transformers_and_torchmetrics) {
  // A CLIPModel folder with its tokenizer in a tokenizer/ subfolder.
  TempDir dir;
  fs::create_symlink(kFixtures / "tiny-clip" / "config.json", dir.path / "config.json");
  fs::create_symlink(kFixtures / "tiny-clip" / "model.safetensors", dir.path / "model.safetensors");
  const std::string message = input_error_of([&] { CLIPEvaluator evaluator(dir.path); });
  BOOST_TEST(message.find("vocab.json") != std::string::npos, message);
  fs::create_directory_symlink(kFixtures / "tiny-sd" / "tokenizer", dir.path / "tokenizer");

  const Golden pre("clip_preprocess"), golden("clip");
  CLIPEvaluator evaluator(dir.path, at::kCPU, 2);  // batches of 2: exercises the batching
  BOOST_TEST(evaluator.image_size() == 32);
  std::vector<at::Tensor> image_rows;
  for (const std::string name : {"down", "up", "same"})
    image_rows.push_back(evaluator.image_embeddings(hwc_batch(pre["image_" + name])));
  const at::Tensor images = at::cat(image_rows);  // [3, 16]
  testing::check_close(images, golden["image_embeds"], testing::kModelForwardFloat32, "image embeddings");
  const std::vector<std::string> prompts{"a hanok in the fire", "a red house", "a collapsed apartment building"};
  const at::Tensor texts = evaluator.text_embeddings(prompts);  // [3, 16]
  testing::check_close(texts, golden["text_embeds"], testing::kModelForwardFloat32, "text embeddings");
  // Cosines of the embeddings above: their error, over at most |x|·|y| ≈ 1, carried over.
  testing::check_close(paired_cosines(images, texts), golden["cosines"], testing::kModelForwardFloat32, "cosines");
  // torchmetrics' CLIPScore on this random model: every cosine is negative, so the clamped mean is 0.
  BOOST_TEST(clip_score_100(images, texts) == golden.scalar("clip_score_100"));
  BOOST_TEST(clip_score(images, texts) == golden["cosines"].mean().item<double>(), boost::test_tools::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(conv_classifier_round_trip) {
  torch::NoGradGuard no_grad;
  TempDir dir;
  ConvClassifier model(shapes_config());
  init_conv_classifier_weights(model, 5);
  save_conv_classifier(model, dir.path / "oracle");
  ConvClassifier again = load_conv_classifier(dir.path / "oracle");
  BOOST_TEST(again->config.heads[1].classes[1] == "ring");
  BOOST_TEST((again->config.block_out_channels == std::vector<int>{16, 32}));
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(1);
  const at::Tensor x = at::rand({3, 3, 24, 24}, generator) * 2 - 1;
  const auto a = model->forward(x), b = again->forward(x);
  BOOST_REQUIRE(a.size() == 2u);
  BOOST_TEST((a[0].sizes() == at::IntArrayRef{3, 3}));
  BOOST_TEST((a[1].sizes() == at::IntArrayRef{3, 2}));
  BOOST_TEST(max_abs_error(a[0], b[0]) == 0.0);
  BOOST_TEST(max_abs_error(a[1], b[1]) == 0.0);
  // Other sizes than image_size go through the global pool.
  BOOST_TEST((model->forward(at::zeros({1, 3, 37, 37}))[0].sizes() == at::IntArrayRef{1, 3}));
  // The same seed gives the same weights.
  ConvClassifier twin(shapes_config());
  init_conv_classifier_weights(twin, 5);
  BOOST_TEST(max_abs_error(twin->forward(x)[0], a[0]) == 0.0);

  // A head the weights do not have: the missing tensor is named.
  {
    nlohmann::json config;
    std::ifstream(dir.path / "oracle" / "config.json") >> config;
    config["heads"].push_back({{"name", "size"}, {"classes", {"small", "large"}}});
    std::ofstream(dir.path / "oracle" / "config.json") << config.dump(2);
  }
  std::string message = input_error_of([&] { load_conv_classifier(dir.path / "oracle"); });
  BOOST_TEST(message.find("heads.size.weight") != std::string::npos, message);
  // A newer format and a config error name the key.
  {
    nlohmann::json config;
    std::ifstream(dir.path / "oracle" / "config.json") >> config;
    config["format_version"] = 99;
    std::ofstream(dir.path / "oracle" / "config.json") << config.dump(2);
  }
  message = input_error_of([&] { load_conv_classifier(dir.path / "oracle"); });
  BOOST_TEST(message.find("format_version") != std::string::npos, message);
  ConvClassifierConfig bad = shapes_config();
  bad.heads[0].name = "colour.rgb";
  message = input_error_of([&] { ConvClassifier broken(bad); });
  BOOST_TEST(message.find("colour.rgb") != std::string::npos, message);
  message = input_error_of([&] { concept_accuracy(model, to_image_batch(x), "style", "hanok"); });
  BOOST_TEST(message.find("color, shape") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(augmentation_is_seeded_and_bounded) {
  const LabelledImages data = make_shapes(8, 1, 24);
  ClassifierTrainOptions options;
  at::Generator g1 = at::make_generator<at::CPUGeneratorImpl>(4), g2 = at::make_generator<at::CPUGeneratorImpl>(4);
  const at::Tensor a = augment_images(data.images, options, g1), b = augment_images(data.images, options, g2);
  BOOST_TEST((a.sizes() == data.images.sizes()));
  BOOST_TEST(max_abs_error(a, b) == 0.0);
  BOOST_TEST(a.min().item<double>() >= -1.0);
  BOOST_TEST(a.max().item<double>() <= 1.0);
  BOOST_TEST(max_abs_error(a, data.images) > 0.05);
  // Blur alone keeps a constant image constant and the mean of any image close.
  ClassifierTrainOptions blur_only;
  blur_only.max_shift = 0;
  blur_only.brightness = 0;
  blur_only.noise_std = 0;
  const at::Tensor flat = at::full({2, 3, 16, 16}, 0.25);
  BOOST_TEST(max_abs_error(augment_images(flat, blur_only, g1), flat) <= 1e-6);
}

BOOST_AUTO_TEST_CASE(classifier_learns_a_separable_problem) {
  const LabelledImages train = make_shapes(600, 1, 24), test = make_shapes(200, 2, 24);
  ConvClassifier model(shapes_config());
  init_conv_classifier_weights(model, 0);
  ClassifierTrainOptions options;
  options.steps = 200;
  options.seed = 3;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<float> loss = train_conv_classifier(model, train, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_REQUIRE(loss.size() == 200u);
  BOOST_TEST(loss.back() < loss.front());
  const auto accuracies = head_accuracies(model, test);
  BOOST_TEST_MESSAGE("synthetic shapes: 200 steps in " << seconds << " s; color " << accuracies[0] << ", shape "
                                                       << accuracies[1]);
  BOOST_TEST(accuracies[0] >= 0.95);
  BOOST_TEST(accuracies[1] >= 0.9);
  // The same seed trains the same model.
  ConvClassifier twin(shapes_config());
  init_conv_classifier_weights(twin, 0);
  options.steps = 5;
  ConvClassifier first(shapes_config());
  init_conv_classifier_weights(first, 0);
  BOOST_TEST(train_conv_classifier(twin, train, options) == train_conv_classifier(first, train, options));
}

BOOST_AUTO_TEST_CASE(scene_oracle_reaches_high_accuracy) {
  // The builtin oracle recipe on 32 px renders, judged on held-out renders (another seed).
  SceneOracleOptions options;
  options.train_images = 2000;
  options.train.steps = 500;
  const auto start = std::chrono::steady_clock::now();
  std::vector<float> loss;
  ConvClassifier oracle = train_scene_oracle(options, &loss);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto render_start = std::chrono::steady_clock::now();
  const LabelledImages test =
      labelled_images(load_data_reference("builtin:scenes?count=400&seed=99&size=32", 32), oracle->config);
  const double render_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - render_start).count();
  const auto accuracies = head_accuracies(oracle, test);
  BOOST_TEST_MESSAGE("scene oracle: " << options.train_images << " renders + " << options.train.steps << " steps in "
                                      << seconds << " s (400 renders take " << render_seconds << " s); style "
                                      << accuracies[0] << ", disaster " << accuracies[1] << ", final loss "
                                      << loss.back());
  BOOST_TEST(accuracies[0] >= 0.95);
  BOOST_TEST(accuracies[1] >= 0.95);

  // What a tiny diffusion model decoded by a tiny VAE draws: blurry, noisy, detail lost.
  ClassifierTrainOptions degrade;
  degrade.max_shift = 0;
  degrade.brightness = 0;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(17);
  LabelledImages noisy = test;
  noisy.images = augment_images(test.images, degrade, generator);
  const auto noisy_accuracies = head_accuracies(oracle, noisy);
  LabelledImages coarse = test;  // 32 -> 16 -> 32 px
  const ImageBatch small = resize_bicubic(to_image_batch(test.images), 16, 16);
  coarse.images = images_to_tensor(resize_bicubic(small, 32, 32));
  const auto coarse_accuracies = head_accuracies(oracle, coarse);
  BOOST_TEST_MESSAGE("scene oracle on blurred + noisy renders: style " << noisy_accuracies[0] << ", disaster "
                                                                      << noisy_accuracies[1] << "; on 16 px renders: "
                                                                      << coarse_accuracies[0] << ", "
                                                                      << coarse_accuracies[1]);
  BOOST_TEST(noisy_accuracies[0] >= 0.9);
  BOOST_TEST(noisy_accuracies[1] >= 0.9);
}

BOOST_AUTO_TEST_SUITE_END()
