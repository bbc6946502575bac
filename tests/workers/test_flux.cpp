// test_flux.cpp — parity of tunegrid's FLUX stack with diffusers 0.42 / transformers 5.23 on the
// tiny random configs made by tests/reference/make_tiny_flux.py: FluxTransformer2DModel (with and
// without the guidance embedder, and its rotary embedding alone), the 16-channel VAE with
// shift_factor, T5EncoderModel (gated-gelu and relu), FlowMatchEulerDiscreteScheduler (μ, the
// pipeline's and the default sigmas, static / linear / terminal-stretched shifting, a trajectory,
// scale_noise), and a whole FluxPipeline run (prompt embeddings, 4 steps, decode; with and
// without true CFG); loading errors that name the key. Tolerances: a model's fp32 forward pass
// (tests/tolerance.h, kModelForwardFloat32); scheduler values are float32 arithmetic done in
// the same order as diffusers', so assert_close's float32 default. FLUX.1-dev's own transformer
// and VAE are checked on their published key names and shapes only.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <functional>

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "tests/golden_tensors.h"
#include "tests/input_error.h"
#include "tests/temp_dir.h"
#include "tests/tolerance.h"
#include "workers/diffusion/flow_match_euler_scheduler.h"
#include "workers/diffusion/flux_pipeline.h"
#include "workers/models/flux.h"
#include "workers/models/model_config.h"

using namespace tunegrid;
using testing::GoldenTensors;
using testing::kFixtureRoot;
namespace fs = std::filesystem;

namespace {

#define CHECK_MODEL_CLOSE(actual, expected) \
  testing::check_close(actual, expected, testing::kModelForwardFloat32, #actual)

// A JSON number or nested list of numbers as a float32 tensor of its shape.
at::Tensor floats(const nlohmann::json& values) {
  std::vector<std::int64_t> shape;
  for (const nlohmann::json* level = &values; level->is_array(); level = &level->front())
    shape.push_back(static_cast<std::int64_t>(level->size()));
  std::vector<double> flat;
  const std::function<void(const nlohmann::json&)> collect = [&](const nlohmann::json& v) {
    if (!v.is_array()) return flat.push_back(v.get<double>());
    for (const auto& item : v) collect(item);
  };
  collect(values);
  return at::tensor(flat, at::kDouble).to(at::kFloat).view(shape);
}

nlohmann::json flow_match_fixture() {
  std::ifstream in(kFixtureRoot / "parity" / "flow_match.json");
  return nlohmann::json::parse(in);
}

FlowMatchSchedulerConfig scheduler_config(const nlohmann::json& config) {
  return FlowMatchSchedulerConfig::from_json(JsonConfig(config, "flow_match.json"));
}

void check_schedule(const FlowMatchEulerScheduler& scheduler, const nlohmann::json& expected, const std::string& what) {
  testing::check_close(scheduler.timesteps(), floats(expected.at("timesteps")), testing::kFloat32, what + " timesteps");
  testing::check_close(scheduler.sigmas(), floats(expected.at("sigmas")), testing::kFloat32, what + " sigmas");
}

FluxTransformerInput transformer_input(const GoldenTensors& golden, bool with_guidance) {
  FluxTransformerInput input;
  input.hidden_states = golden["hidden_states"];
  input.encoder_hidden_states = golden["encoder_hidden_states"];
  input.pooled_projections = golden["pooled_projections"];
  input.timestep = golden["timestep"];
  if (with_guidance) input.guidance = golden["guidance"];
  input.img_ids = golden["img_ids"];
  input.txt_ids = golden["txt_ids"];
  return input;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(flux)

BOOST_AUTO_TEST_CASE(rotary_embedding_matches_diffusers) {
  const GoldenTensors golden("parity", "flux_transformer");
  const RotaryEmbedding rope =
      flux_rotary_embedding(at::cat({golden["txt_ids"], golden["img_ids"]}), {2, 2, 4});
  testing::check_close(rope.cos, golden["rope_cos"], testing::kFloat32, "cos");
  testing::check_close(rope.sin, golden["rope_sin"], testing::kFloat32, "sin");
}

BOOST_AUTO_TEST_CASE(transformer_matches_diffusers) {
  torch::NoGradGuard no_grad;
  const GoldenTensors golden("parity", "flux_transformer");
  FluxTransformer2DModel dev = load_flux_transformer(kFixtureRoot / "tiny-flux" / "transformer");
  BOOST_TEST(dev->config.guidance_embeds);
  CHECK_MODEL_CLOSE(dev->forward(transformer_input(golden, true)), golden["out"]);
  FluxTransformer2DModel schnell = load_flux_transformer(kFixtureRoot / "tiny-flux-schnell" / "transformer");
  BOOST_TEST(!schnell->config.guidance_embeds);
  CHECK_MODEL_CLOSE(schnell->forward(transformer_input(golden, false)), golden["out_schnell"]);
  // A guidance-distilled model called without a guidance scale is refused, not run unguided.
  BOOST_CHECK_THROW(dev->forward(transformer_input(golden, false)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(vae_with_shift_factor_matches_diffusers) {
  torch::NoGradGuard no_grad;
  const GoldenTensors golden("parity", "flux_vae");
  AutoencoderKL vae = load_vae(kFixtureRoot / "tiny-flux" / "vae");
  BOOST_TEST(vae->config.latent_channels == 16);
  BOOST_TEST(vae->config.shift_factor == 0.1159);
  BOOST_TEST(!vae->quant_conv);
  const DiagonalGaussian latent = vae->encode(golden["image"]);
  CHECK_MODEL_CLOSE(latent.mean, golden["mean"]);
  CHECK_MODEL_CLOSE(latent.logvar, golden["logvar"]);
  CHECK_MODEL_CLOSE(vae->decode(golden["mean"]), golden["decoded"]);
  const at::Tensor scaled = (latent.mean - vae->config.shift_factor) * vae->config.scaling_factor;
  CHECK_MODEL_CLOSE(scaled, golden["pipeline_latents"]);
  CHECK_MODEL_CLOSE(vae->decode(golden["pipeline_latents"] / vae->config.scaling_factor + vae->config.shift_factor),
                    golden["pipeline_decoded"]);
}

BOOST_AUTO_TEST_CASE(t5_encoder_matches_transformers) {
  torch::NoGradGuard no_grad;
  const GoldenTensors golden("parity", "t5");
  T5EncoderModel gated = load_t5_encoder(kFixtureRoot / "tiny-flux" / "text_encoder_2");
  BOOST_TEST(gated->config.gated());
  CHECK_MODEL_CLOSE(gated->forward(golden["input_ids"]), golden["gated_gelu"]);
  T5EncoderModel relu = load_t5_encoder(kFixtureRoot / "tiny-t5-relu");
  BOOST_TEST(!relu->config.gated());
  CHECK_MODEL_CLOSE(relu->forward(golden["input_ids"]), golden["relu"]);
}

BOOST_AUTO_TEST_CASE(relative_position_buckets_are_exact_then_logarithmic) {
  // 8 buckets, max distance 16: 4 per direction, 2 exact (0, 1), then log-spaced up to 16.
  const at::Tensor relative = at::arange(-20, 21, at::kLong);
  const at::Tensor buckets = t5_relative_position_bucket(relative, 8, 16);
  const auto bucket = [&](int r) { return buckets[r + 20].item<std::int64_t>(); };
  BOOST_TEST(bucket(0) == 0);
  BOOST_TEST(bucket(1) == 5);   // positive distances use the upper half
  BOOST_TEST(bucket(-1) == 1);
  BOOST_TEST(bucket(-2) == 2);  // 2 + floor(log(2/2) / log(16/2) · 2) = 2
  BOOST_TEST(bucket(-4) == 2);  // 2 + floor(log 2 / log 8 · 2) = 2 + floor(0.667)
  BOOST_TEST(bucket(-8) == 3);  // 2 + floor(log 4 / log 8 · 2) = 2 + 1
  BOOST_TEST(bucket(-20) == 3); // capped at the half's last bucket
  BOOST_TEST(bucket(20) == 7);
}

BOOST_AUTO_TEST_CASE(flow_match_schedules_match_diffusers) {
  const nlohmann::json fixture = flow_match_fixture();
  const FlowMatchSchedulerConfig flux = scheduler_config(fixture.at("flux_config"));
  for (const auto& entry : fixture.at("calculate_shift"))
    BOOST_TEST(flux.mu_for(entry.at("image_seq_len").get<int>()) == entry.at("mu").get<double>(),
               boost::test_tools::tolerance(1e-12));
  for (const auto& entry : fixture.at("flux")) {
    const int steps = entry.at("num_inference_steps");
    const std::string what = fmt::format("{} steps, {} tokens", steps, entry.at("image_seq_len").get<int>());
    FlowMatchEulerScheduler scheduler(flux);
    scheduler.set_flux_timesteps(steps, entry.at("image_seq_len").get<int>());
    check_schedule(scheduler, entry, "pipeline " + what);
    scheduler.set_timesteps(steps, entry.at("mu").get<double>());
    testing::check_close(scheduler.sigmas(), floats(entry.at("default_sigmas")), testing::kFloat32,
                         "default " + what);
  }
  for (const auto& entry : fixture.at("other")) {
    FlowMatchEulerScheduler scheduler(scheduler_config(entry.at("config")));
    const auto& call = entry.at("set_timesteps");
    const std::optional<double> mu = call.contains("mu") ? std::optional<double>(call.at("mu")) : std::nullopt;
    if (call.contains("sigmas"))
      scheduler.set_sigmas(call.at("sigmas").get<std::vector<double>>(), mu);
    else
      scheduler.set_timesteps(call.at("num_inference_steps"), mu);
    check_schedule(scheduler, entry, entry.at("name"));
  }
}

BOOST_AUTO_TEST_CASE(flow_match_trajectory_and_forward_process_match_diffusers) {
  const nlohmann::json fixture = flow_match_fixture();
  const auto& trajectory = fixture.at("trajectory");
  FlowMatchEulerScheduler scheduler(scheduler_config(fixture.at("flux_config")));
  scheduler.set_timesteps(trajectory.at("num_inference_steps"), trajectory.at("mu").get<double>());
  scheduler.set_flux_timesteps(trajectory.at("num_inference_steps"), 16);
  check_schedule(scheduler, trajectory, "trajectory");
  const at::Tensor expected = floats(trajectory.at("prev_samples"));
  at::Tensor sample = floats(trajectory.at("start"));
  for (int i = 0; i < scheduler.num_inference_steps(); ++i) {
    const at::Tensor velocity = 0.1 * sample + 0.01 * scheduler.timesteps()[i] / 1000;  // the script's fake model
    sample = scheduler.step(velocity, i, sample);
    testing::check_close(sample, expected[i], testing::kFloat32, fmt::format("step {}", i));
  }
  const auto& forward = fixture.at("scale_noise");
  scheduler.set_flux_timesteps(forward.at("num_inference_steps"), 16);
  const int index = forward.at("index");
  BOOST_TEST(scheduler.timesteps()[index].item<double>() == forward.at("timestep").get<double>(),
             boost::test_tools::tolerance(1e-6));
  testing::check_close(scheduler.scale_noise(floats(forward.at("sample")), index, floats(forward.at("noise"))),
                       floats(forward.at("out")), testing::kFloat32, "scale_noise");
}

BOOST_AUTO_TEST_CASE(pipeline_matches_diffusers) {
  torch::NoGradGuard no_grad;
  const GoldenTensors golden("parity", "flux_pipeline");
  Flux model = load_flux(kFixtureRoot / "tiny-flux");
  const at::Tensor t5_ids = golden["t5_input_ids"].flatten().contiguous();
  const int length = static_cast<int>(t5_ids.numel());
  BOOST_TEST((model.tokenizer_2->encode("a house in the fire", length) ==
              std::vector<std::int64_t>(t5_ids.data_ptr<std::int64_t>(), t5_ids.data_ptr<std::int64_t>() + length)));
  const FluxPromptEmbeddings prompt = encode_flux_prompts(model, {"a house in the fire"}, length);
  CHECK_MODEL_CLOSE(prompt.t5_states, golden["prompt_embeds"]);
  CHECK_MODEL_CLOSE(prompt.pooled, golden["pooled_prompt_embeds"]);
  const FluxPromptEmbeddings negative = encode_flux_prompts(model, {"blurry"}, length);
  CHECK_MODEL_CLOSE(negative.t5_states, golden["negative_prompt_embeds"]);
  // 32 px through a 2× VAE: a 16 × 16 latent, 64 packed tokens.
  const FluxDenoising four_steps{4, 3.5, 1.0};
  const at::Tensor latents = flux_denoise(model, golden["latents"], 16, 16, prompt, negative, four_steps);
  CHECK_MODEL_CLOSE(latents, golden["image_latent"]);
  const auto pipeline_image = [&](const at::Tensor& packed) {
    return (flux_decode(model, packed, 16, 16) / 2 + 0.5).clamp(0, 1);  // output_type="pt"
  };
  CHECK_MODEL_CLOSE(pipeline_image(latents), golden["image"]);
  const FluxDenoising true_cfg{4, 3.5, 2.0};
  CHECK_MODEL_CLOSE(pipeline_image(flux_denoise(model, golden["latents"], 16, 16, prompt, negative, true_cfg)),
                    golden["image_true_cfg"]);
}

BOOST_AUTO_TEST_CASE(txt2img_draws_seeded_images_of_the_requested_size) {
  Flux model = load_flux(kFixtureRoot / "tiny-flux");
  Txt2ImgOptions options;
  options.prompt = "a house";
  options.steps = 2;
  options.guidance = 3.5;
  options.num_images = 2;
  options.height = 16;
  options.width = 24;
  options.seed = 7;
  options.max_sequence_length = 16;
  const ImageBatch first = flux_txt2img(model, options);
  BOOST_TEST(first.count == 2);
  BOOST_TEST(first.height == 16);
  BOOST_TEST(first.width == 24);
  BOOST_TEST((flux_txt2img(model, options).pixels == first.pixels));
  options.seed = 8;
  BOOST_TEST((flux_txt2img(model, options).pixels != first.pixels));
  options.width = 18;  // not a multiple of 2 × the VAE's factor 2
  BOOST_TEST(testing::input_error_of([&] { flux_txt2img(model, options); }).find("multiple of 4") != std::string::npos);
}

// FLUX.1-dev's published transformer and VAE (tests/reference/make_flux1_layout.py: diffusers on
// the meta device). The VAE is built at full size; the transformer (fp32 ≈ 48 GB) with its 19
// double and 38 single blocks, its text, time and guidance widths as published, but 1 attention
// head of 128 instead of 24: every published size that is a multiple of the 3,072-wide inner
// dimension is then 24 times ours, every other one equal.
BOOST_AUTO_TEST_CASE(flux1_dev_layout_matches_diffusers) {
  const nlohmann::json layout = nlohmann::json::parse(std::ifstream(kFixtureRoot / "parity" / "flux1_dev_layout.json"));
  const auto shapes_of = [](torch::nn::Module& module) {
    std::map<std::string, std::vector<std::int64_t>> out;
    for (const auto& item : module.named_parameters()) out[item.key()] = item.value().sizes().vec();
    return out;
  };
  const auto compare = [](const std::map<std::string, std::vector<std::int64_t>>& ours, const nlohmann::json& theirs,
                          const std::function<std::int64_t(std::int64_t)>& map_size, const std::string& what) {
    BOOST_TEST(ours.size() == theirs.size(), what << ": " << ours.size() << " tensors, published " << theirs.size());
    for (const auto& [key, shape] : theirs.items()) {
      const auto found = ours.find(key);
      BOOST_TEST_REQUIRE((found != ours.end()), what << ": no tensor " << key);
      std::vector<std::int64_t> expected;
      for (const auto size : shape.get<std::vector<std::int64_t>>()) expected.push_back(map_size(size));
      BOOST_TEST((found->second == expected), what << ": " << key);
    }
  };
  nlohmann::json config = layout.at("transformer_config");
  FluxTransformerConfig published = FluxTransformerConfig::from_json(JsonConfig(config, "FLUX.1-dev transformer"));
  BOOST_TEST(published.inner_dim() == 3072);
  config["num_attention_heads"] = 1;
  FluxTransformer2DModel narrow(FluxTransformerConfig::from_json(JsonConfig(config, "narrowed")));
  compare(shapes_of(*narrow), layout.at("transformer"),
          [](std::int64_t size) { return size % 3072 == 0 ? size / 24 : size; }, "transformer");
  AutoencoderKL vae(AutoencoderKLConfig::from_json(JsonConfig(layout.at("vae_config"), "FLUX.1-dev vae")));
  BOOST_TEST(vae->config.shift_factor == 0.1159);
  compare(shapes_of(*vae), layout.at("vae"), [](std::int64_t size) { return size; }, "vae");
}

// A saved folder reloads into the same model: the same transformer output and pipeline image.
// With TUNEGRID_KEEP_SAVED_FLUX=DIR the folder is written there and kept, for
// tests/reference/check_saved_folder_in_diffusers.py to open in FluxPipeline.
BOOST_AUTO_TEST_CASE(saved_folder_reloads_identically) {
  torch::NoGradGuard no_grad;
  testing::TempDir temp("flux-save");
  const char* keep = std::getenv("TUNEGRID_KEEP_SAVED_FLUX");
  const fs::path dir = keep ? fs::path(keep) : temp.path / "saved";
  Flux original = load_flux(kFixtureRoot / "tiny-flux");
  save_flux(original, dir);
  Flux saved = load_flux(dir);
  const GoldenTensors golden("parity", "flux_transformer");
  BOOST_TEST(at::equal(saved.transformer->forward(transformer_input(golden, true)),
                       original.transformer->forward(transformer_input(golden, true))));
  Txt2ImgOptions options;
  options.prompt = "a house in the fire";
  options.steps = 2;
  options.max_sequence_length = 16;
  BOOST_TEST((flux_txt2img(saved, options).pixels == flux_txt2img(original, options).pixels));
  BOOST_TEST(saved.vae->config.shift_factor == original.vae->config.shift_factor);
  BOOST_TEST(saved.scheduler.use_dynamic_shifting);
}

BOOST_AUTO_TEST_CASE(bad_configs_and_folders_are_named) {
  testing::TempDir dir("flux");
  const auto write = [&](const fs::path& file, const nlohmann::json& json) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << json.dump();
  };
  nlohmann::json config = nlohmann::json::parse(std::ifstream(kFixtureRoot / "tiny-flux" / "transformer" / "config.json"));
  config["axes_dims_rope"] = {2, 2, 2};
  write(dir.path / "config.json", config);
  const std::string rope = testing::input_error_of([&] { load_flux_transformer(dir.path); });
  BOOST_TEST(rope.find("axes_dims_rope") != std::string::npos);
  BOOST_TEST(rope.find("attention_head_dim = 8") != std::string::npos);
  const fs::path folder = dir.path / "pipeline";
  fs::copy(kFixtureRoot / "tiny-flux", folder, fs::copy_options::recursive);
  fs::remove_all(folder / "text_encoder_2");
  BOOST_TEST(testing::input_error_of([&] { load_flux(folder); }).find("text_encoder_2/") != std::string::npos);
  fs::remove(folder / "tokenizer_2" / "spiece.model");
  BOOST_TEST(testing::input_error_of([&] { T5Tokenizer{folder / "tokenizer_2"}; }).find("spiece.model") !=
             std::string::npos);
  BOOST_TEST(!is_flux_folder(kFixtureRoot / "tiny-sd"));
  BOOST_TEST(is_flux_folder(kFixtureRoot / "tiny-flux"));
}

BOOST_AUTO_TEST_SUITE_END()
