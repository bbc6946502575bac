// test_vit.cpp — parity of tunegrid's ViT classifier (workers/models/vit_classifier.h) with
// transformers 5.23's ViTForImageClassification on a tiny random config (tests/reference/make_tiny_vit.py:
// 32 px, 8 px patches, width 32, 2 layers, 4 heads, 5 classes): logits, last hidden state, the
// cross-entropy loss and two gradients of one step, read from the original layout and from
// transformers 5's module names; a saved folder reloads identically; new models start from
// transformers' initialisation; bad configs are named.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>

#include <torch/torch.h>

#include "tests/golden_tensors.h"
#include "tests/input_error.h"
#include "tests/temp_dir.h"
#include "tests/tolerance.h"
#include "workers/models/vit_classifier.h"

using namespace tunegrid;
using testing::GoldenTensors;
using testing::kFixtureRoot;

BOOST_AUTO_TEST_SUITE(vit)

// A 2-layer forward: the model-forward bound of tolerance.h (its reductions are far shorter than the UNet's).
BOOST_AUTO_TEST_CASE(logits_loss_and_gradients_match_transformers) {
  const GoldenTensors golden("parity", "vit");
  for (const char* folder : {"tiny-vit", "tiny-vit-v5-keys"}) {
    BOOST_TEST_CONTEXT(folder) {
      ViTForImageClassification model = load_vit_classifier(kFixtureRoot / folder);
      BOOST_TEST(model->config.labels == (std::vector<std::string>{"airplane", "beach", "forest", "harbor", "runway"}));
      const at::Tensor pixels = golden["pixel_values"];
      testing::check_close(model->encode(pixels), golden["last_hidden_state"], testing::kModelForwardFloat32,
                           "last hidden state");
      const at::Tensor logits = model->forward(pixels);
      testing::check_close(logits, golden["logits"], testing::kModelForwardFloat32, "logits");
      const at::Tensor loss = at::cross_entropy_loss(logits, golden["labels"]);
      testing::check_close(loss.reshape({1}), golden["loss"], testing::kModelForwardFloat32, "loss");
      loss.backward();
      testing::check_close(model->classifier->weight.grad(), golden["grad_classifier_weight"],
                           testing::kModelForwardFloat32, "classifier gradient");
      const auto& layer0 = model->layers[0]->as<ViTLayer>();
      testing::check_close(layer0->query->weight.grad(), golden["grad_layer0_query_weight"],
                           testing::kModelForwardFloat32, "query gradient");
    }
  }
}

// With TUNEGRID_KEEP_SAVED_VIT=DIR the folder is written there and kept, for
// tests/reference/check_saved_folder_in_diffusers.py to open in transformers.
BOOST_AUTO_TEST_CASE(saved_folder_reloads_identically) {
  torch::NoGradGuard no_grad;
  ViTForImageClassification model = load_vit_classifier(kFixtureRoot / "tiny-vit-v5-keys");
  testing::TempDir temp("vit");
  const char* keep = std::getenv("TUNEGRID_KEEP_SAVED_VIT");
  const std::filesystem::path saved_dir = keep ? std::filesystem::path(keep) : temp.path / "saved";
  save_vit_classifier(model, saved_dir);
  ViTForImageClassification again = load_vit_classifier(saved_dir);
  const at::Tensor pixels = GoldenTensors("parity", "vit")["pixel_values"];
  BOOST_TEST(again->forward(pixels).equal(model->forward(pixels)));
  BOOST_TEST(again->config.labels == model->config.labels);
  // The keys transformers writes (the original layout, also from a transformers-5-keyed folder), nothing else.
  const auto saved = load_tensors(saved_dir / "model.safetensors");
  const auto original = load_tensors(kFixtureRoot / "tiny-vit" / "model.safetensors");
  BOOST_TEST(saved.size() == original.size());
  for (const auto& [key, tensor] : original) BOOST_TEST(saved.count(key) == 1u, key);
}

// A new model starts as transformers' _init_weights leaves it: weights N(0, 0.02²), biases 0,
// layer norms 1. The std of 2,048 draws is within 10 % of 0.02 (6 standard errors).
BOOST_AUTO_TEST_CASE(new_models_start_from_transformers_initialisation) {
  at::manual_seed(3);
  ViTConfig config;
  config.image_size = 32;
  config.patch_size = 8;
  config.hidden_size = 32;
  config.num_hidden_layers = 1;
  config.num_attention_heads = 4;
  config.intermediate_size = 64;
  config.labels = {"a", "b"};
  ViTForImageClassification model(config);
  const auto& layer = model->layers[0]->as<ViTLayer>();
  BOOST_TEST(std::abs(layer->intermediate->weight.std().item<double>() - 0.02) < 0.002);
  BOOST_TEST(std::abs(model->position_embeddings.std().item<double>() - 0.02) < 0.004);
  BOOST_TEST(layer->intermediate->bias.abs().max().item<double>() == 0.0);
  BOOST_TEST(layer->layernorm_before->weight.min().item<double>() == 1.0);
  BOOST_TEST(model->forward(at::zeros({2, 3, 32, 32})).sizes() == (std::vector<std::int64_t>{2, 2}));
}

BOOST_AUTO_TEST_CASE(bad_configs_and_inputs_are_named) {
  testing::TempDir dir("vit-bad");
  std::filesystem::copy_file(kFixtureRoot / "tiny-vit" / "model.safetensors", dir / "model.safetensors");
  const auto with_config = [&](const std::string& text) {
    std::ofstream(dir / "config.json") << text;
    return testing::input_error_of([&] { load_vit_classifier(dir.path); });
  };
  const std::string base = R"("architectures": ["ViTForImageClassification"], "image_size": 32, "patch_size": 8,
      "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64)";
  BOOST_TEST(with_config("{" + base + "}").find("id2label") != std::string::npos);
  BOOST_TEST(with_config("{" + base + R"(, "id2label": {"0": "a", "2": "b"}})").find("id2label") != std::string::npos);
  BOOST_TEST(with_config(R"({"architectures": ["BertModel"]})").find("ViTForImageClassification") !=
             std::string::npos);
  const std::string heads = with_config(R"({"architectures": ["ViTForImageClassification"], "hidden_size": 30,
      "num_attention_heads": 4, "id2label": {"0": "a"}})");
  BOOST_TEST(heads.find("num_attention_heads") != std::string::npos, heads);
  ViTForImageClassification model = load_vit_classifier(kFixtureRoot / "tiny-vit");
  const std::string size = testing::input_error_of([&] { model->forward(at::zeros({1, 3, 16, 16})); });
  BOOST_TEST(size.find("32x32") != std::string::npos, size);
}

BOOST_AUTO_TEST_SUITE_END()
