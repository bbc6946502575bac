// test_flux_finetune.cpp — FLUX fine-tuning against diffusers' train_dreambooth_lora_flux.py,
// prodigyopt and peft, on the fixtures of tests/reference/make_flux_finetune_fixtures.py (suite
// flux_finetune, parity): one training step with a peft LoRA file loaded (prediction, the loss
// under weighting schemes none / sigma_sqrt / cosmap, two factors' gradients), the training
// schedule's sigmas, Prodigy over six warmup steps in two settings; and (suite flux_lora, unit)
// the noising's own consistency, LoRA files written and read back both ways (peft, kohya's fused
// qkv), merging equal to hooking, a FluxLoRA run resumed from its checkpoint ending bitwise
// equal to an uninterrupted one, gradient checkpointing giving the plain run's gradients and
// trajectory, and bf16 / fp16 mixed precision: losses close to fp32's, the frozen weights given
// back, the gradients as far from fp32's as diffusers' are. Tolerances: a model's fp32 forward pass (kModelForwardFloat32)
// for predictions, losses and gradients; Prodigy's float32 steps, six of them compounding through
// d, 6 × assert_close's float32 rtol, relative to each parameter's size (one starts at zero).
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <functional>

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
#include "workers/methods/mixed_precision.h"
#include "workers/methods/training_loop.h"
#include "workers/models/autocast_scope.h"

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

// A 3-step FluxLoRA run on four 16 px hanok scenes, `adjust` changing the settings: its losses,
// its trained tensors before and after, whether they stayed fp32 and every frozen weight came back.
struct FluxRun {
  FineTuneRun run;
  std::vector<at::Tensor> before, after;
  bool trainables_in_fp32 = true, frozen_weights_restored = true;
};

FluxRun train_flux_lora(const std::function<void(FineTuneSettings&)>& adjust) {
  FineTuneSettings settings;
  settings.data.data = "builtin:scenes?style=hanok&count=4&seed=3";
  settings.data.prompt_templates = {"a photo of a {}"};
  settings.data.resolution = 16;
  settings.steps = 3;
  settings.batch_size = 2;
  settings.learning_rate = 1e-3;
  settings.seed = 7;
  adjust(settings);
  FluxBase base(load_flux(kTinyFlux));
  FluxLoRAConfig config;
  config.rank = 2;
  config.train_text_encoder = true;
  config.training.max_sequence_length = 16;
  FluxLoRA method(config, 3);
  const TrainingSet set = base.training_set(settings.data, "test");
  base.attach(method);
  std::vector<std::pair<at::Tensor, at::Tensor>> weights;  // (frozen weight, its value before)
  for (const auto& component : base.training(method)->low_precision_components())
    for (const auto& [name, weight] : component) weights.emplace_back(weight, weight.detach().clone());
  FluxRun out;
  for (const auto& item : method.trainable()) out.before.push_back(item.second.detach().clone());
  out.run = run_finetune(*base.training(method), method, settings, set, nullptr, {}, "test");
  for (const auto& item : method.trainable()) {
    out.after.push_back(item.second.detach().clone());
    out.trainables_in_fp32 &= item.second.scalar_type() == at::kFloat;
  }
  for (const auto& [weight, value] : weights)
    out.frozen_weights_restored &= weight.scalar_type() == at::kFloat && at::equal(weight, value);
  return out;
}

// cos of the angle between two runs' updates of the trainable tensors (every `stride`-th from `first`).
double update_cosine(const FluxRun& a, const FluxRun& b, std::size_t first = 0, std::size_t stride = 1) {
  double dot = 0, na = 0, nb = 0;
  for (std::size_t i = first; i < a.after.size(); i += stride) {
    const at::Tensor da = (a.after[i] - a.before[i]).to(at::kDouble), db = (b.after[i] - b.before[i]).to(at::kDouble);
    dot += (da * db).sum().item<double>();
    na += da.pow(2).sum().item<double>();
    nb += db.pow(2).sum().item<double>();
  }
  return dot / std::sqrt(na * nb);
}

// The transformer input of the parity fixture (make_tiny_flux.py), guidance included.
FluxTransformerInput fixture_transformer_input() {
  const GoldenTensors golden("parity", "flux_transformer");
  FluxTransformerInput input;
  input.hidden_states = golden["hidden_states"];
  input.encoder_hidden_states = golden["encoder_hidden_states"];
  input.pooled_projections = golden["pooled_projections"];
  input.timestep = golden["timestep"];
  input.guidance = golden["guidance"];
  input.img_ids = golden["img_ids"];
  input.txt_ids = golden["txt_ids"];
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
  const FluxTransformerInput input = fixture_transformer_input();
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

BOOST_AUTO_TEST_CASE(gradient_checkpointing_gives_the_gradients_and_trajectory_of_the_plain_run) {
  // One backward through the whole transformer, every weight trainable: the recompute runs the
  // same kernels on the same inputs, so the gradients agree to float32 summation order (1e-5
  // relative to each gradient's largest element, as the UNet's check in training_precision).
  const auto gradients = [&](bool checkpointing) {
    FluxTransformer2DModel transformer = load_flux_transformer(kTinyFlux / "transformer");
    transformer->gradient_checkpointing = checkpointing;
    transformer->forward(fixture_transformer_input()).pow(2).mean().backward();
    std::vector<at::Tensor> grads;
    for (const auto& p : transformer->parameters()) grads.push_back(p.grad().clone());
    return grads;
  };
  const auto plain = gradients(false), checkpointed = gradients(true);
  BOOST_REQUIRE_EQUAL(plain.size(), checkpointed.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const double scale = plain[i].abs().max().item<double>();
    BOOST_TEST((checkpointed[i] - plain[i]).abs().max().item<double>() <= 1e-5 * scale + 1e-12, "tensor " << i);
  }
  // A FluxLoRA run with the transformer's blocks and CLIP's layers checkpointed: the same trajectory.
  const FluxRun a = train_flux_lora([](FineTuneSettings&) {});
  const FluxRun b = train_flux_lora([](FineTuneSettings& s) { s.gradient_checkpointing = true; });
  for (std::size_t i = 0; i < a.run.loss.size(); ++i)
    BOOST_TEST(std::abs(a.run.loss[i] - b.run.loss[i]) <= 1e-5 * std::abs(a.run.loss[i]), "step " << i + 1);
  BOOST_TEST(update_cosine(a, b) >= 1.0 - 1e-6);
}

// The gradients of one training step with the fixture's LoRA (A and B both non-zero) under
// autocast in `precision` ("no": fp32), on the latents and noise of make_flux_finetune_fixtures.py.
std::vector<at::Tensor> lora_gradients(const std::string& precision) {
  const GoldenTensors golden("flux-finetune", "training_step");
  Flux model = load_flux(kTinyFlux);
  std::vector<LoRAAdapter> adapters = read_flux_lora_file(kPeftLoRA, model);
  for (auto& adapter : adapters) {
    adapter.down.set_requires_grad(true);
    adapter.up.set_requires_grad(true);
  }
  install_flux_lora(model, adapters, "test");
  FluxTraining training(model, FluxTrainingOptions{});
  training.start_training();
  // σ = 0.5 and 0.25: t / 1000 is exact in bf16 and fp16. FLUX rounds the timestep to the
  // activations' type before its sinusoidal embedding multiplies it by up to 1,000 rad (diffusers
  // too: in bf16 only ~500 timesteps are told apart), so another σ would move the conditioning by
  // far more than any layer's rounding.
  const at::Tensor sigmas = at::tensor({0.5f, 0.25f});
  NoisedLatents batch;
  const at::Tensor sigma = sigmas.view({-1, 1, 1, 1});
  batch.noisy = (1.0 - sigma) * golden["latents"] + sigma * golden["noise"];
  batch.target = golden["noise"] - golden["latents"];
  batch.timesteps = sigmas * 1000;
  batch.weights = flux_loss_weights("none", sigmas);
  at::Tensor prediction;
  {
    const AutocastScope autocast(c10::kCPU, low_precision_type(precision, "test"));
    prediction = training.predict(batch, TextContext{golden["t5_states"], golden["pooled"]});
  }
  script_loss(prediction.to(at::kFloat), batch).backward();
  std::vector<at::Tensor> grads;
  for (const auto& adapter : adapters) {
    grads.push_back(adapter.down.grad().flatten());
    grads.push_back(adapter.up.grad().flatten());
  }
  return grads;
}

double cosine(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  const at::Tensor x = at::cat(a).to(at::kDouble), y = at::cat(b).to(at::kDouble);
  return (x * y).sum().item<double>() / std::sqrt(x.pow(2).sum().item<double>() * y.pow(2).sum().item<double>());
}

BOOST_AUTO_TEST_CASE(flux_lora_trains_in_bf16_and_fp16_close_to_fp32) {
  const FluxRun fp32 = train_flux_lora([](FineTuneSettings&) {});
  const std::vector<at::Tensor> fp32_gradients = lora_gradients("no");
  for (const std::string precision : {"bf16", "fp16"}) {
    const FluxRun low = train_flux_lora([&](FineTuneSettings& s) { s.mixed_precision = precision; });
    // The tiny transformer's output passes through about 24 rounded layers (2 double blocks of
    // ~8 projections and norms, 2 single blocks of ~4, the embedders, CLIP and T5 besides), each
    // rounding at most the format's unit roundoff u relative: the loss may move by 24·u (bf16
    // 9.4 %, fp16 1.2 %), the bound the UNet's methods are held to (training_precision).
    const double u = precision == "bf16" ? std::ldexp(1.0, -8) : std::ldexp(1.0, -11);
    BOOST_REQUIRE_EQUAL(low.run.loss.size(), fp32.run.loss.size());
    for (std::size_t i = 0; i < fp32.run.loss.size(); ++i)
      BOOST_TEST(std::abs(low.run.loss[i] - fp32.run.loss[i]) <= 24 * u * std::abs(fp32.run.loss[i]),
                 precision << ": loss at step " << i + 1 << " " << low.run.loss[i] << " vs " << fp32.run.loss[i]);
    BOOST_TEST(low.run.loss[0] != fp32.run.loss[0], precision << ": autocast did not engage");
    BOOST_TEST(low.run.skipped_steps == 0, precision);
    BOOST_TEST(low.trainables_in_fp32, precision);
    BOOST_TEST(low.frozen_weights_restored, precision);
    // The gradients, not AdamW's updates (a LoRA's B starts at zero, so its first updates are
    // ±lr by the sign of each gradient element: any rounding flips the elements near zero).
    // Under autocast the LoRA factors' gradients move away from fp32's by a cosine that
    // diffusers' own model shows too (make_flux_finetune_fixtures.py: bf16 0.928, fp16
    // 0.999998 here): the deviation 1 − cos must be diffusers' within a quarter of it (+ 1e-3
    // for the fp16 case, where both are ~2e-6).
    const GoldenTensors golden("flux-finetune", "training_step");
    const double ours = 1 - cosine(lora_gradients(precision), fp32_gradients);
    const double theirs = 1 - golden.scalar("autocast_cosine_" + precision);
    BOOST_TEST_MESSAGE(precision << ": 1 − cosine of the gradients " << ours << " (diffusers " << theirs
                                 << "); cosine of the 3-step updates " << update_cosine(low, fp32));
    BOOST_TEST(std::abs(ours - theirs) <= 0.25 * theirs + 1e-3, precision << ": 1 − cosine " << ours << ", diffusers "
                                                                          << theirs);
  }
}

BOOST_AUTO_TEST_SUITE_END()
