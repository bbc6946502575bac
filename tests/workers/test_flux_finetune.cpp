// test_flux_finetune.cpp — FLUX fine-tuning against diffusers' train_dreambooth_lora_flux.py,
// prodigyopt and peft, on the fixtures of tests/reference/make_flux_finetune_fixtures.py (suite
// flux_finetune, parity): one training step with a peft LoRA file loaded (prediction, the loss
// under weighting schemes none / sigma_sqrt / cosmap, two factors' gradients), the training
// schedule's sigmas, Prodigy over six warmup steps in two settings; and (suite flux_lora, unit)
// the noising's own consistency, LoRA files written and read back both ways (peft, kohya's fused
// qkv), merging equal to hooking, and a FluxLoRA run resumed from its checkpoint ending bitwise
// equal to an uninterrupted one. Tolerances: a model's fp32 forward pass (kModelForwardFloat32)
// for predictions, losses and gradients; Prodigy's float32 steps, six of them compounding through
// d, 6 × assert_close's float32 rtol, relative to each parameter's size (one starts at zero).
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include <torch/torch.h>

#include "tests/golden_tensors.h"
#include "tests/input_error.h"
#include "tests/temp_dir.h"
#include "tests/tolerance.h"
#include "workers/methods/flux_base.h"
#include "workers/methods/flux_lora.h"
#include "workers/methods/flux_lora_files.h"
#include "workers/methods/prodigy.h"
#include "workers/methods/training_loop.h"

using namespace tunegrid;
using testing::GoldenTensors;
using testing::kFixtureRoot;
namespace fs = std::filesystem;

namespace {

#define CHECK_MODEL_CLOSE(actual, expected) \
  testing::check_close(actual, expected, testing::kModelForwardFloat32, #actual)

const fs::path kTinyFlux = kFixtureRoot / "tiny-flux";
const fs::path kPeftLoRA = kFixtureRoot / "flux-finetune" / "lora_peft.safetensors";

// The script's loss: per-example mean of weighting·(pred − target)², then the batch mean.
at::Tensor script_loss(const at::Tensor& prediction, const NoisedLatents& input) {
  return ((prediction - input.target).pow(2).mean({1, 2, 3}) * input.weights).mean();
}

NoisedLatents fixture_batch(const GoldenTensors& golden, const std::string& scheme) {
  NoisedLatents input;
  const at::Tensor sigma = golden["sigmas"].view({-1, 1, 1, 1});
  input.noisy = (1.0 - sigma) * golden["latents"] + sigma * golden["noise"];
  input.target = golden["noise"] - golden["latents"];
  input.timesteps = golden["timesteps"];
  input.weights = flux_loss_weights(scheme, golden["sigmas"]);
  return input;
}

// B·A·scale of every adapter, by component and module.
std::map<std::string, at::Tensor> deltas(const std::vector<LoRAAdapter>& adapters) {
  std::map<std::string, at::Tensor> out;
  for (const auto& a : adapters)
    out[std::string(lora_component_name(a.component)) + "." + a.module] =
        at::matmul(a.up.detach(), a.down.detach()) * a.scale;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(flux_finetune)

BOOST_AUTO_TEST_CASE(training_step_matches_diffusers) {
  const GoldenTensors golden("flux-finetune", "training_step");
  Flux model = load_flux(kTinyFlux);
  std::vector<LoRAAdapter> adapters = read_flux_lora_file(kPeftLoRA, model);
  BOOST_TEST(adapters.size() == 30u);  // 2 double blocks × 12 targets + 2 single blocks × q, k, v
  BOOST_TEST(adapters.front().scale == 2.0);  // lora_alpha 4 / r 2, from the header's metadata
  for (auto& adapter : adapters) {
    adapter.down.set_requires_grad(true);
    adapter.up.set_requires_grad(true);
  }
  install_flux_lora(model, adapters, "test");
  FluxTraining training(model, FluxTrainingOptions{});
  training.start_training();
  testing::check_close(FlowMatchEulerScheduler(model.scheduler).sigmas().slice(0, 0, 1000),
                       golden["schedule_sigmas"], testing::kFloat32, "training sigmas");
  const TextContext context{golden["t5_states"], golden["pooled"]};
  const NoisedLatents batch = fixture_batch(golden, "none");
  CHECK_MODEL_CLOSE(batch.noisy, golden["noisy"]);
  const at::Tensor prediction = training.predict(batch, context);
  CHECK_MODEL_CLOSE(prediction.detach(), golden["prediction"]);
  for (const std::string scheme : {"none", "sigma_sqrt", "cosmap"})
    CHECK_MODEL_CLOSE(script_loss(prediction.detach(), fixture_batch(golden, scheme)).reshape({1}),
                      golden["loss_" + scheme]);
  script_loss(prediction, batch).backward();
  for (const auto& adapter : adapters) {
    if (adapter.module == "transformer_blocks.0.attn.to_q")
      CHECK_MODEL_CLOSE(adapter.down.grad(), golden["grad.transformer_blocks.0.attn.to_q.lora_A.weight"]);
    if (adapter.module == "single_transformer_blocks.1.attn.to_v")
      CHECK_MODEL_CLOSE(adapter.up.grad(), golden["grad.single_transformer_blocks.1.attn.to_v.lora_B.weight"]);
  }
}

BOOST_AUTO_TEST_CASE(prodigy_matches_prodigyopt) {
  const GoldenTensors golden("flux-finetune", "prodigy");
  ProdigyOptions flux;  // diffusers' FLUX recipe
  flux.weight_decay = 1e-4;
  flux.use_bias_correction = true;
  flux.safeguard_warmup = true;
  ProdigyOptions coupled;
  coupled.weight_decay = 1e-2;
  coupled.decouple = false;
  for (const auto& [name, options] : {std::pair<std::string, ProdigyOptions>{"flux", flux}, {"coupled", coupled}}) {
    NamedTensors params = {{"a", golden["start.0"].clone()}, {"b", golden["start.1"].clone()}};
    Prodigy prodigy(params, options);
    const at::Tensor lrs = golden["lrs"];
    for (int step = 0; step < lrs.size(0); ++step) {
      for (int i = 0; i < 2; ++i) params[i].second.mutable_grad() = golden[fmt::format("grad.{}.{}", step, i)];
      prodigy.step(lrs[step].item<double>());
      for (int i = 0; i < 2; ++i) {
        // Relative to the parameter's size: the one that starts at zero moves by ~1e-6 only.
        const at::Tensor expected = golden[fmt::format("{}.{}.{}", name, step, i)];
        const double scale = expected.abs().max().item<double>();
        const testing::Tolerance six_steps{6 * testing::kFloat32.rtol * scale, 6 * testing::kFloat32.rtol};
        testing::check_close(params[i].second, expected, six_steps, fmt::format("{} step {} parameter {}", name, step, i));
      }
      BOOST_TEST(prodigy.d() == golden[fmt::format("{}.{}.d", name, step)].item<double>(),
                 boost::test_tools::tolerance(1e-5));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(flux_lora)

BOOST_AUTO_TEST_CASE(training_noise_follows_the_schedule) {
  Flux model = load_flux(kTinyFlux);
  for (const std::string scheme : {"none", "logit_normal", "mode", "sigma_sqrt"}) {
    FluxTrainingOptions options;
    options.weighting_scheme = scheme;
    FluxTraining training(model, options);
    training.start_training();
    const at::Tensor latents = at::randn({4, 16, 8, 8});
    std::vector<ExampleStreams> streams;
    for (int i = 0; i < 4; ++i) streams.push_back(example_streams(7, 0, i));
    const NoisedLatents out = training.add_training_noise(latents, streams);
    const FlowMatchEulerScheduler schedule(model.scheduler);
    for (int r = 0; r < 4; ++r) {
      // The timestep is one of the training schedule's, σ its sigma: noisy = (1 − σ)x + σε, target ε − x.
      const at::Tensor match = (schedule.timesteps() == out.timesteps[r]).nonzero();
      BOOST_TEST_REQUIRE(match.size(0) >= 1);
      const double sigma = schedule.sigmas()[match[0][0]].item<double>();
      const at::Tensor noise = out.target[r] + latents[r];
      BOOST_TEST(at::allclose(out.noisy[r], (1 - sigma) * latents[r] + sigma * noise, 1e-5, 1e-6));
      const double weight = out.weights[r].item<double>();
      BOOST_TEST(weight == (scheme == "sigma_sqrt" ? 1 / (sigma * sigma) : 1.0), boost::test_tools::tolerance(1e-5));
    }
  }
  FluxTrainingOptions bad;
  bad.weighting_scheme = "uniform";
  FluxTraining training(model, bad);
  BOOST_TEST(testing::input_error_of([&] { training.start_training(); }).find("weighting_scheme 'uniform'") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(lora_files_read_back_in_both_formats) {
  testing::TempDir dir("flux-lora-files");
  Flux model = load_flux(kTinyFlux);
  const std::vector<LoRAAdapter> adapters = read_flux_lora_file(kPeftLoRA, model);
  const auto expected = deltas(adapters);
  save_lora_diffusers(adapters, dir.path / "peft.safetensors");
  save_flux_lora_kohya(adapters, dir.path / "kohya.safetensors");
  const auto kohya_tensors = load_tensors(dir.path / "kohya.safetensors");
  BOOST_TEST(kohya_tensors.count("lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight") == 1u);
  BOOST_TEST(kohya_tensors.count("lora_unet_single_blocks_1_linear1.alpha") == 1u);
  BOOST_TEST(kohya_tensors.at("lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight").size(0) == 6);  // 3 × r
  for (const char* file : {"peft.safetensors", "kohya.safetensors"}) {
    BOOST_TEST_CONTEXT(file) {
      const auto back = deltas(read_flux_lora_file(dir.path / file, model));
      for (const auto& [module, delta] : expected) {
        BOOST_TEST_REQUIRE(back.count(module) == 1u, module);
        BOOST_TEST(at::allclose(back.at(module), delta, 1e-6, 1e-7), module);
      }
      // The single blocks' linear1 also holds proj_mlp, written as a zero block: it comes back as no adapter.
      BOOST_TEST(back.size() == expected.size());
    }
  }
  // Merged into the weights, the file gives what the hooked adapters give.
  const GoldenTensors golden("parity", "flux_transformer");
  FluxTransformerInput input;
  input.hidden_states = golden["hidden_states"];
  input.encoder_hidden_states = golden["encoder_hidden_states"];
  input.pooled_projections = golden["pooled_projections"];
  input.timestep = golden["timestep"];
  input.guidance = golden["guidance"];
  input.img_ids = golden["img_ids"];
  input.txt_ids = golden["txt_ids"];
  torch::NoGradGuard no_grad;
  install_flux_lora(model, adapters, "test");
  const at::Tensor hooked = model.transformer->forward(input);
  Flux merged = load_flux(kTinyFlux);
  merge_flux_lora_file(merged, dir.path / "kohya.safetensors");
  CHECK_MODEL_CLOSE(merged.transformer->forward(input), hooked);
  // T5 adapters and unknown names are refused by name.
  save_tensors(dir.path / "t5.safetensors", {{"lora_te3_encoder_block_0_layer_0_SelfAttention_q.lora_down.weight",
                                              at::zeros({2, 32})},
                                             {"lora_te3_encoder_block_0_layer_0_SelfAttention_q.lora_up.weight",
                                              at::zeros({32, 2})}});
  BOOST_TEST(testing::input_error_of([&] { read_flux_lora_file(dir.path / "t5.safetensors", merged); })
                 .find("T5 text encoder") != std::string::npos);
  save_tensors(dir.path / "odd.safetensors", {{"transformer.nowhere.lora_A.weight", at::zeros({2, 32})},
                                              {"transformer.nowhere.lora_B.weight", at::zeros({32, 2})}});
  BOOST_TEST(testing::input_error_of([&] { merge_flux_lora_file(merged, dir.path / "odd.safetensors"); })
                 .find("'nowhere' is not a linear layer") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_resumed_flux_lora_run_ends_bitwise_equal_to_an_uninterrupted_one) {
  testing::TempDir dir("flux-resume");
  FineTuneSettings settings;
  settings.data.data = "builtin:scenes?style=hanok&count=4&seed=3";
  settings.data.prompt_templates = {"a photo of a {}"};
  settings.data.resolution = 16;
  settings.steps = 4;
  settings.batch_size = 2;
  settings.learning_rate = 1.0;
  settings.lr_scheduler = "constant_with_warmup";
  settings.warmup_steps = 2;
  settings.optimizer = "prodigy";
  settings.prodigy.use_bias_correction = true;
  settings.prodigy.safeguard_warmup = true;
  settings.prodigy.weight_decay = 1e-4;
  settings.checkpoint_every = 2;
  settings.seed = 5;
  const auto train = [&](const fs::path& checkpoints, FineTuneRun* run) {
    FluxBase base(load_flux(kTinyFlux));
    FluxLoRAConfig config;
    config.rank = 2;
    config.train_text_encoder = true;
    config.training.weighting_scheme = "logit_normal";
    config.training.max_sequence_length = 16;
    FluxLoRA method(config, 3);
    const TrainingSet set = base.training_set(settings.data, "test");
    base.attach(method);
    const auto family = base.training(method);
    *run = run_finetune(*family, method, settings, set, nullptr, checkpoints, "test");
    std::vector<at::Tensor> out;
    for (const auto& item : method.trainable()) out.push_back(item.second.detach().clone());
    return out;
  };
  FineTuneRun whole, resumed;
  const auto uninterrupted = train(dir.path / "a", &whole);
  BOOST_TEST(whole.loss.size() == 4u);
  for (const float loss : whole.loss) BOOST_TEST(std::isfinite(loss));
  fs::create_directories(dir.path / "b");
  fs::copy(dir.path / "a" / "step-000002", dir.path / "b" / "step-000002");
  const auto continued = train(dir.path / "b", &resumed);
  BOOST_TEST(resumed.resumed_from == 2);
  for (std::size_t i = 0; i < 4 && i < resumed.loss.size(); ++i) BOOST_TEST(resumed.loss[i] == whole.loss[i]);
  BOOST_TEST_REQUIRE(continued.size() == uninterrupted.size());
  bool trained = false;
  for (std::size_t i = 0; i < continued.size(); ++i) {
    BOOST_TEST(at::equal(continued[i], uninterrupted[i]));
    trained = trained || uninterrupted[i].abs().max().item<double>() > 0;
  }
  BOOST_TEST(trained);
}

BOOST_AUTO_TEST_SUITE_END()
