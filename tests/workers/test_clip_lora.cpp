// test_clip_lora.cpp — DataDream's CLIP-LoRA classifier (workers/eval/clip_lora_classifier.h)
// against transformers 5.23 + peft 0.21 on the tiny random CLIP of tests/fixtures/tiny-clip
// (tests/reference/make_clip_lora_fixtures.py: LoRA r 4, α 8 on q_proj / v_proj of both towers,
// random non-zero factors): logits, loss, gradients and one AdamW step; peft's own adapter
// folder loads to the same logits; our saved folder reloads; and its training loop
// (train_clip_lora_classifier, train_classifier.h): λ = 1 gives the real-only weights exactly.
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/adamw.h>

#include <cstdlib>

#include "tests/golden_tensors.h"
#include "tests/input_error.h"
#include "tests/temp_dir.h"
#include "tests/tolerance.h"
#include "workers/eval/clip_lora_classifier.h"
#include "workers/eval/train_classifier.h"
#include "workers/models/weights.h"

using namespace tunegrid;
using testing::GoldenTensors;
using testing::kFixtureRoot;

namespace {

const std::filesystem::path kTinyClip = kFixtureRoot / "tiny-clip";

CLIPLoRAConfig fixture_config() {
  CLIPLoRAConfig config;
  config.rank = 4;
  config.alpha = 8;
  config.dropout = 0;
  return config;
}

// The fixture's factors under `prefix` ("before.", "after.", "grad.") with the prefix removed.
std::map<std::string, at::Tensor> factors(const GoldenTensors& golden, const std::string& prefix) {
  std::map<std::string, at::Tensor> out;
  for (const auto& name : golden.source.names())
    if (name.rfind(prefix, 0) == 0) out[name.substr(prefix.size())] = golden[name];
  return out;
}

CLIPLoRAClassifier fixture_classifier(const GoldenTensors& golden, std::uint64_t seed = 0) {
  CLIPLoRAClassifier classifier(load_clip_model(kTinyClip), golden["input_ids"], fixture_config(), seed);
  classifier.load_peft_tensors(factors(golden, "before."), "clip_lora.safetensors");
  return classifier;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(clip_lora)

// Two 2-layer towers of width 32 and a cosine: the model-forward bound of tolerance.h. After the
// step the factors move by lr · m̂ / (√v̂ + ε) ≈ ±lr (Adam's first step); the gradients are
// compared first, so a sign flip could only come from a gradient within the bound of zero.
BOOST_AUTO_TEST_CASE(logits_gradients_and_one_adamw_step_match_peft) {
  const GoldenTensors golden("parity", "clip_lora");
  CLIPLoRAClassifier classifier = fixture_classifier(golden);
  classifier.train(true);  // dropout 0: training mode changes nothing
  const at::Tensor logits = classifier.logits(golden["pixel_values"]);
  testing::check_close(logits.detach(), golden["logits"], testing::kModelForwardFloat32, "logits");
  const at::Tensor loss = at::cross_entropy_loss(logits, golden["labels"]);
  testing::check_close(loss.detach().reshape({1}), golden["loss"], testing::kModelForwardFloat32, "loss");
  torch::optim::AdamW optimizer(classifier.parameters(), torch::optim::AdamWOptions(1e-2).weight_decay(1e-4));
  optimizer.zero_grad();
  loss.backward();
  const auto grads = factors(golden, "grad.");
  const auto keys = classifier.peft_tensors();
  const auto parameters = classifier.parameters();
  BOOST_TEST_REQUIRE(keys.size() == parameters.size());
  BOOST_TEST_REQUIRE(grads.size() == parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i)
    testing::check_close(parameters[i].grad(), grads.at(keys[i].first), testing::kModelForwardFloat32,
                         "grad " + keys[i].first);
  optimizer.step();
  const auto after = factors(golden, "after.");
  for (const auto& [key, tensor] : classifier.peft_tensors())
    testing::check_close(tensor, after.at(key), testing::kModelForwardFloat32, "after " + key);
  at::NoGradGuard no_grad;
  testing::check_close(classifier.logits(golden["pixel_values"]), golden["logits_after_step"],
                       testing::kModelForwardFloat32, "logits after the step");
}

BOOST_AUTO_TEST_CASE(peft_adapter_folder_loads_to_the_same_logits) {
  const GoldenTensors golden("parity", "clip_lora");
  const auto dir = kFixtureRoot / "clip-lora-adapter";
  const CLIPLoRAConfig config = read_clip_lora_config(dir);
  BOOST_TEST(config.rank == 4);
  BOOST_TEST(config.alpha == 8.0);
  BOOST_TEST(config.target_modules == (std::vector<std::string>{"q_proj", "v_proj"}));
  CLIPLoRAClassifier classifier(load_clip_model(kTinyClip), golden["input_ids"], config, 0);
  load_clip_lora_adapter(classifier, dir);
  at::NoGradGuard no_grad;
  testing::check_close(classifier.logits(golden["pixel_values"]), golden["logits"], testing::kModelForwardFloat32,
                       "logits from peft's folder");
}

// B = 0 at the start: the classifier is CLIP's zero-shot head, exp(logit_scale) · cosine.
BOOST_AUTO_TEST_CASE(an_untrained_classifier_is_zero_shot_clip) {
  const GoldenTensors golden("parity", "clip_lora");
  CLIPModel clip = load_clip_model(kTinyClip);
  CLIPLoRAClassifier classifier(load_clip_model(kTinyClip), golden["input_ids"], fixture_config(), 3);
  at::NoGradGuard no_grad;
  at::Tensor text = clip->text_embeds(golden["input_ids"]), image = clip->image_embeds(golden["pixel_values"]);
  text = text / text.norm(2, -1, true);
  image = image / image.norm(2, -1, true);
  testing::check_close(classifier.logits(golden["pixel_values"]), clip->logit_scale.exp() * image.matmul(text.t()),
                       testing::kFloat32, "zero-shot logits");
}

// With TUNEGRID_KEEP_SAVED_CLIP_LORA=DIR the folder is written there and kept, for
// tests/reference/check_clip_lora_in_peft.py to open with peft.
BOOST_AUTO_TEST_CASE(saved_folder_reloads_and_bad_factors_are_named) {
  const GoldenTensors golden("parity", "clip_lora");
  testing::TempDir temp("clip-lora-save");
  const char* keep = std::getenv("TUNEGRID_KEEP_SAVED_CLIP_LORA");
  const std::filesystem::path saved = keep ? std::filesystem::path(keep) : temp.path;
  CLIPLoRAClassifier classifier = fixture_classifier(golden);
  classifier.save(saved, "tests/fixtures/tiny-clip");
  const CLIPLoRAConfig config = read_clip_lora_config(saved);
  BOOST_TEST(config.rank == 4);
  BOOST_TEST(config.target_modules == (std::vector<std::string>{"q_proj", "v_proj"}));
  CLIPLoRAClassifier reloaded(load_clip_model(kTinyClip), golden["input_ids"], config, 9);
  load_clip_lora_adapter(reloaded, saved);
  at::NoGradGuard no_grad;
  BOOST_TEST(at::equal(reloaded.logits(golden["pixel_values"]), classifier.logits(golden["pixel_values"])));
  auto tensors = factors(golden, "before.");
  tensors.begin()->second = at::zeros({2, 2});
  BOOST_TEST(testing::input_error_of([&] { reloaded.load_peft_tensors(tensors, "f.safetensors"); })
                 .find("has shape [2, 2], expected") != std::string::npos);
  tensors = factors(golden, "before.");
  tensors["base_model.model.text_model.encoder.layers.0.self_attn.k_proj.lora_A.weight"] = at::zeros({4, 32});
  BOOST_TEST(testing::input_error_of([&] { reloaded.load_peft_tensors(tensors, "f.safetensors"); })
                 .find("k_proj.lora_A.weight' is no LoRA factor") != std::string::npos);
  CLIPLoRAConfig bad = fixture_config();
  bad.target_modules = {"fc1"};
  BOOST_TEST(testing::input_error_of([&] { CLIPLoRAClassifier(load_clip_model(kTinyClip), golden["input_ids"], bad, 0); })
                 .find("'fc1' is not one of q_proj") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(clip_lora_training)

namespace {

// n random images in [−1, 1] at 32 px with labels cycling over 3 classes.
LabelledImages random_images(int n, std::uint64_t seed) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  LabelledImages out;
  out.images = at::rand({n, 3, 32, 32}, generator) * 2 - 1;
  out.labels = {at::arange(n, at::kLong).remainder(3)};
  return out;
}

std::vector<at::Tensor> trained_factors(const LabelledImages& real, const LabelledImages& synthetic, double real_weight,
                                        int steps = 4) {
  const GoldenTensors golden("parity", "clip_lora");
  CLIPLoRAConfig config = fixture_config();
  config.dropout = 0.1;  // the streams must keep dropout's draws apart too
  CLIPLoRAClassifier classifier(load_clip_model(kTinyClip), golden["input_ids"], config, 5);
  ClassifierTrainOptions options;
  options.steps = steps;
  options.batch_size = 4;
  options.lr = 1e-2;
  options.warmup_steps = 1;
  options.seed = 7;
  const std::vector<float> losses = train_clip_lora_classifier(classifier, real, synthetic, options, real_weight);
  BOOST_TEST(losses.size() == static_cast<std::size_t>(steps));
  std::vector<at::Tensor> out;
  for (const auto& [key, tensor] : classifier.peft_tensors()) out.push_back(tensor);
  return out;
}

bool all_equal(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!at::equal(a[i], b[i])) return false;
  return a.size() == b.size();
}

}  // namespace

// λ = 1 weighs the synthetic batches 0: the real stream's batches, augmentation and dropout
// draws are the real-only run's, so the factors are bit-identical; λ = 0.8 moves them.
BOOST_AUTO_TEST_CASE(lambda_one_ignores_the_synthetic_set) {
  const LabelledImages real = random_images(8, 1), synthetic = random_images(12, 2);
  const auto real_only = trained_factors(real, LabelledImages{}, 0.8);
  BOOST_TEST(all_equal(trained_factors(real, synthetic, 1.0), real_only));
  BOOST_TEST(!all_equal(trained_factors(real, synthetic, 0.8), real_only));
  BOOST_TEST(!all_equal(trained_factors(LabelledImages{}, synthetic, 0.8), real_only));
}

BOOST_AUTO_TEST_CASE(zero_steps_train_nothing_and_bad_settings_are_named) {
  const LabelledImages real = random_images(4, 1);
  BOOST_TEST(trained_factors(real, LabelledImages{}, 0.8, 0).size() == 16u);
  const GoldenTensors golden("parity", "clip_lora");
  CLIPLoRAClassifier classifier(load_clip_model(kTinyClip), golden["input_ids"], fixture_config(), 5);
  ClassifierTrainOptions options;
  options.steps = 2;
  BOOST_TEST(testing::input_error_of([&] { train_clip_lora_classifier(classifier, real, real, options, 1.5); })
                 .find("real_weight 1.5 must be in [0, 1]") != std::string::npos);
  BOOST_TEST(testing::input_error_of([&] {
               train_clip_lora_classifier(classifier, LabelledImages{}, LabelledImages{}, options, 0.8);
             }).find("no real and no synthetic images") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
