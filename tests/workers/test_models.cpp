// test_models.cpp — parity of tunegrid's Stable Diffusion models with diffusers and
// transformers on the tiny random configs made by tests/reference/make_tiny_sd.py: UNet
// (SD 1.x and 2.x layouts, odd latent sizes), VAE encode/decode, CLIP text encoder
// (last, pooled, penultimate), CLIPModel embeddings, the training loss on a fixed batch;
// strict loading errors; a save/load round trip. Tolerance: a model's fp32 forward pass
// (tests/tolerance.h, kModelForwardFloat32).
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include <torch/torch.h>

#include "core/errors.h"
#include "tests/temp_dir.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/models/autoencoder_kl.h"
#include "workers/models/clip_text_model.h"
#include "workers/models/clip_vision_model.h"
#include "workers/models/unet_2d_condition.h"
#include "core/safetensors.h"
#include "tests/input_error.h"
#include "tests/tolerance.h"
#include "workers/models/weights.h"

using namespace tunegrid;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(TUNEGRID_SOURCE_DIR) / "tests" / "fixtures";

struct Golden {
  explicit Golden(const std::string& name) : source(kFixtures / "parity" / (name + ".safetensors")) {}
  at::Tensor operator[](const std::string& key) const { return source.tensor(key); }
  WeightSource source;
};

double max_abs_error(const at::Tensor& a, const at::Tensor& b) {
  BOOST_REQUIRE_MESSAGE(a.sizes() == b.sizes(), "shapes differ: " << a.sizes() << " vs " << b.sizes());
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

#define CHECK_CLOSE_TENSOR(actual, expected) \
  testing::check_close(actual, expected, testing::kModelForwardFloat32, #actual)

using testing::input_error_of;

struct TempDir : tunegrid::testing::TempDir {
  TempDir() : tunegrid::testing::TempDir("models") {}
};

}  // namespace

BOOST_AUTO_TEST_SUITE(models)

BOOST_AUTO_TEST_CASE(unet_matches_diffusers) {
  torch::NoGradGuard no_grad;
  const Golden golden("unet");
  UNet2DConditionModel unet = load_unet(kFixtures / "tiny-sd" / "unet");
  CHECK_CLOSE_TENSOR(unet->forward(golden["sample"], golden["timesteps"], golden["context"]), golden["out"]);
  // Latent sizes that are not a multiple of the downsampling: upsampling follows the skips.
  CHECK_CLOSE_TENSOR(unet->forward(golden["odd_sample"], golden["timesteps"].slice(0, 0, 1),
                                   golden["context"].slice(0, 0, 1)),
                     golden["odd_out"]);
}

BOOST_AUTO_TEST_CASE(unet_sd2_layout_matches_diffusers) {
  torch::NoGradGuard no_grad;
  const Golden golden("unet");
  UNet2DConditionModel unet = load_unet(kFixtures / "tiny-sd-v" / "unet");
  BOOST_TEST(unet->config.use_linear_projection);
  BOOST_TEST((unet->config.num_attention_heads == std::vector<int>{2, 4}));
  CHECK_CLOSE_TENSOR(unet->forward(golden["sample"], golden["timesteps"], golden["context"]), golden["out_v"]);
}

BOOST_AUTO_TEST_CASE(vae_matches_diffusers) {
  torch::NoGradGuard no_grad;
  const Golden golden("vae");
  AutoencoderKL vae = load_vae(kFixtures / "tiny-sd" / "vae");
  const DiagonalGaussian latent = vae->encode(golden["image"]);
  CHECK_CLOSE_TENSOR(latent.mean, golden["mean"]);
  CHECK_CLOSE_TENSOR(latent.logvar, golden["logvar"]);
  CHECK_CLOSE_TENSOR(vae->decode(golden["latent"]), golden["decoded"]);
  BOOST_TEST(vae->downscale_factor() == 2);
  BOOST_TEST(vae->config.scaling_factor == 0.18215);
}

BOOST_AUTO_TEST_CASE(text_encoder_matches_transformers) {
  torch::NoGradGuard no_grad;
  const Golden golden("text_encoder");
  CLIPTextModel text = load_clip_text_model(kFixtures / "tiny-sd" / "text_encoder");
  const CLIPTextOutput out = text->forward(golden["input_ids"]);
  CHECK_CLOSE_TENSOR(out.last_hidden_state, golden["last_hidden_state"]);
  CHECK_CLOSE_TENSOR(out.pooled, golden["pooled"]);
  CHECK_CLOSE_TENSOR(out.hidden_states[out.hidden_states.size() - 2], golden["penultimate"]);
}

BOOST_AUTO_TEST_CASE(clip_model_matches_transformers) {
  torch::NoGradGuard no_grad;
  const Golden golden("clip");
  CLIPModel clip = load_clip_model(kFixtures / "tiny-clip");
  CHECK_CLOSE_TENSOR(clip->text_embeds(golden["input_ids"]), golden["text_embeds"]);
  CHECK_CLOSE_TENSOR(clip->image_embeds(golden["pixel_values"]), golden["image_embeds"]);
  CHECK_CLOSE_TENSOR(clip->logit_scale, golden["logit_scale"].reshape({}));
}

BOOST_AUTO_TEST_CASE(training_loss_matches_diffusers) {
  torch::NoGradGuard no_grad;
  const Golden golden("loss");
  UNet2DConditionModel unet = load_unet(kFixtures / "tiny-sd" / "unet");
  const at::Tensor prediction = unet->forward(golden["noisy"], golden["timesteps"], golden["context"]);
  const at::Tensor loss = at::mse_loss(prediction, golden["noise"]);
  CHECK_CLOSE_TENSOR(loss.reshape({1}), golden["loss"]);
}

BOOST_AUTO_TEST_CASE(sampling_trajectories_match_diffusers) {
  // 6 steps with classifier-free guidance 7.5 through the tiny UNet, DDIM and Euler.
  torch::NoGradGuard no_grad;
  const Golden golden("sampling");
  UNet2DConditionModel unet = load_unet(kFixtures / "tiny-sd" / "unet");
  const SchedulerConfig config = read_scheduler_config(kFixtures / "tiny-sd" / "scheduler" / "scheduler_config.json");
  for (const std::string sampler : {"ddim", "euler"}) {
    auto scheduler = make_sampling_scheduler(sampler, config);
    const at::Tensor final_latents =
        denoise(unet, *scheduler, golden["start"], golden["cond"], golden["uncond"], 7.5, 6);
    BOOST_TEST(max_abs_error(scheduler->timesteps().to(at::kDouble), golden[sampler + "_timesteps"]) == 0.0);
    testing::check_close(final_latents, golden[sampler + "_final"], testing::kModelForwardFloat32, sampler);
  }
}

BOOST_AUTO_TEST_CASE(txt2img_matches_diffusers_pipeline) {
  // StableDiffusionPipeline with torch.Generator().manual_seed(3): libtorch's CPU generator
  // draws the same initial noise, so the images must agree to one level of 255.
  const Golden golden("txt2img");
  StableDiffusion model = load_stable_diffusion(kFixtures / "tiny-sd");
  for (const std::string sampler : {"ddim", "euler"}) {
    Txt2ImgOptions options;
    options.prompt = "a hanok in the fire";
    options.steps = 4;
    options.guidance = 7.5;
    options.num_images = 2;
    options.seed = 3;
    options.sampler = sampler;
    const ImageBatch images = txt2img(model, options);
    const at::Tensor ours = at::from_blob(const_cast<std::uint8_t*>(images.pixels.data()),
                                          {images.count, images.height, images.width, 3}, at::kByte);
    BOOST_TEST(max_abs_error(ours, golden[sampler + "_images"]) <= 1.0, sampler);
  }
}

BOOST_AUTO_TEST_CASE(txt2img_produces_seeded_images) {
  StableDiffusion model = load_stable_diffusion(kFixtures / "tiny-sd");
  Txt2ImgOptions options;
  options.prompt = "a hanok in the fire";
  options.steps = 3;
  options.num_images = 2;
  options.seed = 7;
  const ImageBatch a = txt2img(model, options);
  BOOST_TEST(a.count == 2);
  BOOST_TEST(a.height == 32);
  BOOST_TEST(a.width == 32);
  BOOST_TEST(a.pixels.size() == 2u * 32 * 32 * 3);
  BOOST_TEST((txt2img(model, options).pixels == a.pixels));  // same seed, same images
  options.seed = 8;
  BOOST_TEST((txt2img(model, options).pixels != a.pixels));
}

BOOST_AUTO_TEST_CASE(strict_loading_names_key_and_shapes) {
  TempDir dir;
  fs::copy(kFixtures / "tiny-sd" / "unet", dir.path / "unet");
  // A config that disagrees with the weights: the error names the tensor and both shapes.
  std::ifstream in(dir.path / "unet" / "config.json");
  std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = config.find("\"cross_attention_dim\": 32");
  BOOST_REQUIRE(at != std::string::npos);
  config.replace(at, 25, "\"cross_attention_dim\": 48");
  std::ofstream(dir.path / "unet" / "config.json") << config;
  std::string message = input_error_of([&] { load_unet(dir.path / "unet"); });
  BOOST_TEST(message.find("attn2.to_k.weight") != std::string::npos, message);
  BOOST_TEST(message.find("shape [32, 32]") != std::string::npos, message);
  BOOST_TEST(message.find("expects [32, 48]") != std::string::npos, message);

  // Unknown block types and missing files name the file and key.
  config.replace(config.find("\"CrossAttnDownBlock2D\""), 22, "\"SpatialDownBlock2D\"  ");
  std::ofstream(dir.path / "unet" / "config.json") << config;
  message = input_error_of([&] { load_unet(dir.path / "unet"); });
  BOOST_TEST(message.find("config.json: key 'down_block_types'") != std::string::npos, message);
  BOOST_TEST(message.find("SpatialDownBlock2D") != std::string::npos, message);
  message = input_error_of([&] { load_unet(dir.path / "nowhere"); });
  BOOST_TEST(message.find("config.json") != std::string::npos, message);

  // A truncated weights file is a clear error, not a crash.
  fs::copy(kFixtures / "tiny-sd" / "vae", dir.path / "vae");
  const auto weights = dir.path / "vae" / "diffusion_pytorch_model.safetensors";
  fs::resize_file(weights, fs::file_size(weights) / 2);
  message = input_error_of([&] { load_vae(dir.path / "vae"); });
  BOOST_TEST(message.find("diffusion_pytorch_model.safetensors") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(missing_tensor_is_named) {
  TempDir dir;
  fs::copy(kFixtures / "tiny-sd" / "text_encoder", dir.path / "te");
  // Rewrite the weights without one tensor.
  const WeightSource source(dir.path / "te" / "model.safetensors");
  CLIPTextModel full = load_clip_text_model(dir.path / "te");
  std::vector<at::Tensor> keep;
  std::vector<TensorToWrite> tensors;
  for (const auto& name : source.names()) {
    if (add_text_model_prefix(name) == "text_model.final_layer_norm.weight") continue;
    keep.push_back(source.tensor(name).contiguous());
    TensorToWrite t;
    t.name = name;
    t.dtype = keep.back().scalar_type() == at::kLong ? DType::I64 : DType::F32;
    t.shape.assign(keep.back().sizes().begin(), keep.back().sizes().end());
    t.data = keep.back().data_ptr();
    tensors.push_back(t);
  }
  write_safetensors(dir.path / "te" / "model.safetensors", tensors);
  const std::string message = input_error_of([&] { load_clip_text_model(dir.path / "te"); });
  BOOST_TEST(message.find("text_model.final_layer_norm.weight") != std::string::npos, message);
  BOOST_TEST(message.find("missing") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(saved_unet_reloads_identically) {
  // With TUNEGRID_KEEP_SAVED_UNET=DIR the folder is also written there, for
  // tests/reference/check_saved_unet_in_diffusers.py to open in diffusers.
  torch::NoGradGuard no_grad;
  TempDir dir;
  const Golden golden("unet");
  UNet2DConditionModel unet = load_unet(kFixtures / "tiny-sd" / "unet");
  save_unet(unet, dir.path / "unet");
  if (const char* keep = std::getenv("TUNEGRID_KEEP_SAVED_UNET")) save_unet(unet, keep);
  UNet2DConditionModel again = load_unet(dir.path / "unet");
  const at::Tensor a = unet->forward(golden["sample"], golden["timesteps"], golden["context"]);
  const at::Tensor b = again->forward(golden["sample"], golden["timesteps"], golden["context"]);
  BOOST_TEST(max_abs_error(a, b) == 0.0);
}

BOOST_AUTO_TEST_CASE(saved_folder_reloads_identically) {
  // With TUNEGRID_KEEP_SAVED_MODEL=DIR the folder is also written there, for
  // tests/reference/check_saved_folder_in_diffusers.py to open in diffusers.
  TempDir dir;
  StableDiffusion model = load_stable_diffusion(kFixtures / "tiny-sd");
  save_stable_diffusion(model, dir.path / "model");
  if (const char* keep = std::getenv("TUNEGRID_KEEP_SAVED_MODEL")) save_stable_diffusion(model, keep);
  StableDiffusion again = load_stable_diffusion(dir.path / "model");
  Txt2ImgOptions options;
  options.prompt = "a fire broke out in a hanok";
  options.steps = 2;
  BOOST_TEST((txt2img(model, options).pixels == txt2img(again, options).pixels));
}

BOOST_AUTO_TEST_SUITE_END()
