// test_builtin.cpp — the builtin world's tokenizer and tiny models: every caption word of
// the worlds is one token; each pretraining loop of the "test" recipe lowers its loss and
// writes a folder the loaders read back; the cache builds a model once (inputs first) and
// reuses it; builtin:tiny-flux is a FLUX folder on tiny-sd's parts; builtin references resolve
// or fail with a message naming the problem.
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>

#include "tests/input_error.h"
#include "workers/builtin/builtin_models.h"
#include "workers/builtin/pretrain_tiny_models.h"
#include "workers/data/world_tokenizer.h"
#include "workers/diffusion/flux_pipeline.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/eval/clip_evaluator.h"
#include "workers/models/clip_tokenizer.h"
#include "workers/models/clip_vision_model.h"
#include "workers/models/conv_classifier.h"
#include "workers/models/flux.h"
#include "workers/models/stable_diffusion.h"

using namespace tunegrid;
using tunegrid::testing::input_error_of;

namespace {

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("tunegrid-test-builtin-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

double mean_of(const std::vector<float>& loss, std::size_t from, std::size_t to) {
  return std::accumulate(loss.begin() + static_cast<long>(from), loss.begin() + static_cast<long>(to), 0.0) /
         static_cast<double>(to - from);
}

// The first and last fifth of the steps.
void check_loss_falls(const PretrainReport& report, const std::string& what) {
  const std::size_t n = report.loss.size(), k = std::max<std::size_t>(1, n / 5);
  BOOST_TEST_REQUIRE(n >= 10u, what);
  const double first = mean_of(report.loss, 0, k), last = mean_of(report.loss, n - k, n);
  BOOST_TEST_MESSAGE(what << ": loss " << first << " -> " << last);
  BOOST_TEST(last < first, what << ": loss did not fall: " << first << " -> " << last);
}

// Every test here points the cache at its own directory.
struct CacheDir {
  CacheDir() : dir(temp_dir("cache")) { ::setenv("TUNEGRID_CACHE", dir.c_str(), 1); }
  ~CacheDir() { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
};

// Whether the text tower of the CLIP in `clip_dir` is the text encoder of the pipeline in
// `sd_dir`, weight for weight.
bool is_text_encoder_of(const std::filesystem::path& clip_dir, const std::filesystem::path& sd_dir) {
  CLIPModel clip = load_clip_model(clip_dir);
  StableDiffusion sd = load_stable_diffusion(sd_dir);
  auto tower = clip->text_model->named_parameters();
  for (const auto& item : sd.text_encoder->text_model->named_parameters())
    if (!tower.contains(item.key()) || !item.value().equal(tower[item.key()])) return false;
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(builtin)

BOOST_AUTO_TEST_CASE(world_words_are_single_tokens) {
  const auto dir = temp_dir("tokenizer");
  write_world_tokenizer(dir);
  CLIPTokenizer tokenizer(dir);
  const auto words = world_caption_words();
  BOOST_TEST(words.count("hanok") == 1u);
  BOOST_TEST(words.count("apartment") == 1u);
  for (const auto& [word, count] : words) BOOST_TEST(tokenizer.encode_plain(word).size() == 1u, word);
  // A whole caption: one token per word, no more.
  BOOST_TEST(tokenizer.encode_plain("a hanok on a mountain at dusk").size() == 7u);
  // Outside the world: pieces, but still encodable and decodable.
  BOOST_TEST(tokenizer.encode_plain("zebra").size() > 1u);
  BOOST_TEST(tokenizer.decode(tokenizer.encode_plain("a zebra in the snow")) == "a zebra in the snow");
  // Deterministic: the same merges every time.
  BOOST_TEST(learn_bpe_merges(words) == learn_bpe_merges(words));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(pretraining_lowers_losses_and_writes_loadable_folders) {
  const auto dir = temp_dir("pretrain");
  const PretrainRecipe recipe = pretrain_recipe("test");
  const auto clip = pretrain_tiny_clip(recipe, dir / "clip");
  check_loss_falls(clip, "clip");
  BOOST_TEST(clip.metrics.count("zero_shot_style_accuracy") == 1u);
  CLIPEvaluator evaluator(dir / "clip");  // transformers CLIPModel layout with its tokenizer
  BOOST_TEST(evaluator.text_embeddings({"a hanok"}).size(0) == 1);

  const auto vae = pretrain_tiny_vae(recipe, dir / "vae");
  check_loss_falls(vae, "vae");
  BOOST_TEST(vae.metrics.at("scaling_factor") > 0.0);

  const auto unet = pretrain_tiny_unet(recipe, dir / "clip", dir / "vae", dir / "sd");
  check_loss_falls(unet, "unet");
  StableDiffusion sd = load_stable_diffusion(dir / "sd");
  BOOST_TEST(sd.default_image_size() == recipe.image_size);
  Txt2ImgOptions options;
  options.prompt = "a japanese house in the fire";
  options.steps = 3;
  const ImageBatch image = txt2img(sd, options);
  BOOST_TEST(image.width == 32);
  BOOST_TEST(image.height == 32);

  const auto oracle = pretrain_scene_oracle(recipe, dir / "oracle");
  check_loss_falls(oracle, "oracle");
  BOOST_TEST(load_conv_classifier(dir / "oracle")->config.heads.size() == 2u);
  const PretrainReport reread = read_training_report(dir / "oracle");
  BOOST_TEST(reread.loss.size() == oracle.loss.size());
  BOOST_TEST(reread.metrics.at("style_accuracy") == oracle.metrics.at("style_accuracy"));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(cache_builds_once_inputs_first) {
  CacheDir cache;
  const PretrainRecipe recipe = pretrain_recipe("test");
  // What a killed builder leaves behind is cleared by the next one.
  const auto stale = builtin_model_dir(BuiltinModel::tiny_clip_without_hanok, recipe).string() + ".building-999999";
  std::filesystem::create_directories(stale);
  bool built = false;
  const auto sd = ensure_builtin_model(BuiltinModel::tiny_sd, recipe, &built);
  BOOST_TEST(!std::filesystem::exists(stale));
  BOOST_TEST(built);
  BOOST_TEST(sd.parent_path() == cache.dir);
  BOOST_TEST(std::filesystem::exists(builtin_model_dir(BuiltinModel::tiny_clip_without_hanok, recipe) / "model.safetensors"));
  BOOST_TEST(std::filesystem::exists(builtin_model_dir(BuiltinModel::tiny_vae, recipe) / "config.json"));
  BOOST_TEST(std::filesystem::exists(sd / "model_index.json"));
  // tiny-sd's text encoder is the CLIP trained without hanok scenes, not the judge tiny-clip.
  const auto text_clip = builtin_model_dir(BuiltinModel::tiny_clip_without_hanok, recipe);
  BOOST_TEST(is_text_encoder_of(text_clip, sd));
  BOOST_TEST(!is_text_encoder_of(ensure_builtin_model(BuiltinModel::tiny_clip, recipe), sd));
  BOOST_TEST(resolve_model_reference("builtin:tiny-clip-without-hanok?recipe=test", "--model") == text_clip);
  const auto again = ensure_builtin_model(BuiltinModel::tiny_sd, recipe, &built);
  BOOST_TEST(!built);
  BOOST_TEST(again == sd);
  BOOST_TEST(resolve_model_reference("builtin:tiny-sd?recipe=test", "--model") == sd);
  // No half-built folder is left beside the entries.
  for (const auto& entry : std::filesystem::directory_iterator(cache.dir))
    BOOST_TEST(entry.path().string().find(".building") == std::string::npos, entry.path());
  // Other recipes are other entries.
  BOOST_TEST(builtin_model_dir(BuiltinModel::tiny_sd, pretrain_recipe("default")) != sd);
  // So are other pretraining seeds: `seed=N` trains its own CLIP, to other weights.
  PretrainRecipe seeded = recipe;
  seeded.seed = 1;
  const auto clip0 = builtin_model_dir(BuiltinModel::tiny_clip, recipe);
  const auto clip1 = resolve_model_reference("builtin:tiny-clip?seed=1&recipe=test", "--model");
  BOOST_TEST(clip1 == builtin_model_dir(BuiltinModel::tiny_clip, seeded));
  BOOST_TEST(clip1 != clip0);
  BOOST_TEST(file_bytes(clip1 / "model.safetensors") != file_bytes(clip0 / "model.safetensors"));
  // Models pretrained with pinned kernels ([run] reproducible_kernels) are cached apart from the machine's.
  ::setenv("TUNEGRID_REPRODUCIBLE_KERNELS", "1", 1);
  const auto pinned = builtin_model_dir(BuiltinModel::tiny_clip, recipe);
  ::unsetenv("TUNEGRID_REPRODUCIBLE_KERNELS");
  BOOST_TEST(pinned.string() == clip0.string() + "-portable-kernels");
}

// builtin:tiny-flux: built from tiny-sd's CLIP text tower and VAE, a FluxPipeline folder the
// loader reads back whole, trained below what predicting zero scores, and sampled.
BOOST_AUTO_TEST_CASE(tiny_flux_is_a_flux_folder_on_tiny_sd_parts) {
  CacheDir cache;
  const PretrainRecipe recipe = pretrain_recipe("test");
  bool built = false;
  const auto dir = resolve_model_reference("builtin:tiny-flux?recipe=test", "--model");
  BOOST_TEST(dir == builtin_model_dir(BuiltinModel::tiny_flux, recipe));
  ensure_builtin_model(BuiltinModel::tiny_flux, recipe, &built);
  BOOST_TEST(!built);  // the reference built it
  BOOST_TEST(is_flux_folder(dir));
  Flux flux = load_flux(dir);
  // Its prompt reader is tiny-sd's: the CLIP trained without hanok.
  const auto text_clip = builtin_model_dir(BuiltinModel::tiny_clip_without_hanok, recipe);
  CLIPModel clip = load_clip_model(text_clip);
  auto tower = clip->text_model->named_parameters();
  for (const auto& item : flux.text_encoder->text_model->named_parameters())
    BOOST_TEST(item.value().equal(tower[item.key()]), item.key());
  // The tiny VAE's weights with FLUX's latent normalisation of the aerial latents.
  AutoencoderKL vae = load_vae(builtin_model_dir(BuiltinModel::tiny_vae, recipe));
  auto vae_weights = vae->named_parameters();
  for (const auto& item : flux.vae->named_parameters()) BOOST_TEST(item.value().equal(vae_weights[item.key()]), item.key());
  const PretrainReport report = read_training_report(dir);
  BOOST_TEST(flux.vae->config.shift_factor == report.metrics.at("shift_factor"));
  BOOST_TEST(flux.vae->config.scaling_factor == report.metrics.at("scaling_factor"));
  BOOST_TEST(flux.transformer->config.in_channels == 4 * vae->config.latent_channels);
  BOOST_TEST(!flux.transformer->config.guidance_embeds);
  BOOST_TEST(flux.scheduler.use_dynamic_shifting);
  // T5 reads the world's words without <unk>, and pads to the length it was trained on.
  BOOST_TEST(flux.tokenizer_2->default_max_length() == recipe.flux_max_sequence_length);
  for (const auto& [word, count] : world_caption_words())
    for (const auto id : flux.tokenizer_2->encode_plain(word)) BOOST_TEST(id != 2, word);
  // Predicting zero scores about 2 (ε − x₀ with unit-variance latents): 30 steps learn something.
  check_loss_falls(report, "flux");
  BOOST_TEST(report.metrics.at("flow_loss_held_out") < 1.6);
  Txt2ImgOptions options;
  options.prompt = "an aerial image of a runway";
  options.steps = 3;
  options.true_cfg = 4;
  const ImageBatch image = flux_txt2img(flux, options);
  BOOST_TEST(image.width == recipe.image_size);
  BOOST_TEST(image.height == recipe.image_size);
}

BOOST_AUTO_TEST_CASE(references_fail_with_names) {
  CacheDir cache;
  BOOST_TEST(input_error_of([] { resolve_model_reference("builtin:tiny-sdd", "--model"); }).find("did you mean 'tiny-sd'") !=
             std::string::npos);
  const std::string param = input_error_of([] { resolve_model_reference("builtin:tiny-sd?steps=3", "--model"); });
  BOOST_TEST(param.find("unknown parameter 'steps'") != std::string::npos, param);
  const std::string recipe = input_error_of([] { resolve_model_reference("builtin:tiny-sd?recipe=tset", "--model"); });
  BOOST_TEST(recipe.find("unknown pretraining recipe 'tset'") != std::string::npos, recipe);
  BOOST_TEST(recipe.find("--model") != std::string::npos, recipe);
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"builtin:tiny-sd?seed=-1", "parameter 'seed': '-1' is not a non-negative integer"},
      {"builtin:tiny-sd?seed=one", "parameter 'seed': 'one' is not a non-negative integer"},
      {"builtin:tiny-sd?seed=+1", "parameter 'seed': '+1' is not a non-negative integer"},
      {"builtin:tiny-sd?sed=1", "did you mean 'seed'"},
      {"builtin:tiny-sd?seed=1&seed=2", "parameter 'seed' is given twice"},
      {"builtin:tiny-sd?seed=", "parameter 'seed' has no value"},
  };
  for (const auto& [reference, expected] : seeds) {
    const std::string message = input_error_of([&] { resolve_model_reference(reference, "--model"); });
    BOOST_TEST(message.find(expected) != std::string::npos, message);
    BOOST_TEST(message.find("--model: '" + reference + "'") != std::string::npos, message);
  }
  // Paths are passed through for the loaders to check.
  BOOST_TEST(resolve_model_reference("/some/folder", "--model") == "/some/folder");
  // Nothing was built for the bad references.
  BOOST_TEST(std::filesystem::is_empty(cache.dir));
}

BOOST_AUTO_TEST_SUITE_END()
