// test_methods_parity.cpp — fine-tuning files written by the reference tools load into
// tunegrid with the outputs diffusers computes (fixtures: tests/reference/make_finetune_fixtures.py):
// a peft/diffusers LoRA (pytorch_lora_weights.safetensors), a kohya-ss LoRA with alpha, a
// LoRA on the UNet and the text encoder (peft keys; the text encoder's also in kohya-ss keys)
// and a diffusers textual-inversion embedding (AUTOMATIC1111 .pt files: files_people_bring_draw_
// diffusers_images below and core/test_torch_pickle.cpp).
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include <filesystem>
#include <tuple>

#include "tests/tolerance.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "core/errors.h"
#include "workers/methods/external_adapters.h"
#include "workers/methods/lora.h"
#include "workers/methods/lora_files.h"
#include "workers/methods/textual_inversion.h"
#include "workers/models/weights.h"

using namespace tunegrid;

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests/fixtures";

void check_close(const at::Tensor& actual, const at::Tensor& expected, const std::string& what) {
  testing::check_close(actual, expected, testing::kModelForwardFloat32, what);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(methods_parity)

BOOST_AUTO_TEST_CASE(lora_files_of_peft_and_kohya_give_diffusers_outputs) {
  const auto io = load_tensors(kFixtures / "finetune/io.safetensors");
  for (const auto& [file, expected] :
       {std::pair{"peft_lora/pytorch_lora_weights.safetensors", "expected_peft"},
        std::pair{"kohya_lora.safetensors", "expected_kohya"}}) {
    StableDiffusion model = load_stable_diffusion(kFixtures / "tiny-sd");
    const auto adapters = read_lora_file(kFixtures / "finetune" / file, model);
    BOOST_TEST(adapters.size() == 48u);
    install_lora(model, adapters, file);
    at::NoGradGuard no_grad;
    check_close(model.unet->forward(io.at("x"), io.at("t"), io.at("context")), io.at(expected), file);
  }
}

BOOST_AUTO_TEST_CASE(text_encoder_lora_files_give_diffusers_hidden_states) {
  // save_lora_weights(unet_lora_layers, text_encoder_lora_layers) with peft keys (as transformers 5
  // names the text encoder: text_encoder.encoder.layers.N.self_attn.q_proj.lora_A.weight), and
  // the text-encoder adapters alone in kohya-ss keys with alpha 1 (scale 1/2).
  const auto io = load_tensors(kFixtures / "finetune/io_te.safetensors");
  const std::string prompt = "a photo of a sks house";
  at::NoGradGuard no_grad;
  StableDiffusion base_model = load_stable_diffusion(kFixtures / "tiny-sd");
  const at::Tensor base = encode_prompts(base_model, {prompt});
  for (const auto& [file, expected, unet_adapters] :
       {std::tuple{"peft_te_lora/pytorch_lora_weights.safetensors", "expected_te_peft_text", 48},
        std::tuple{"kohya_te_lora.safetensors", "expected_te_kohya_text", 0}}) {
    StableDiffusion model = load_stable_diffusion(kFixtures / "tiny-sd");
    const auto adapters = read_lora_file(kFixtures / "finetune" / file, model);
    int unet = 0, text = 0;
    for (const auto& adapter : adapters) (adapter.component == LoRAComponent::unet ? unet : text) += 1;
    BOOST_TEST(unet == unet_adapters, file);
    BOOST_TEST(text == 20, file);  // 5 layers × q, k, v, out
    install_lora(model, adapters, file);
    const at::Tensor hidden = encode_prompts(model, {prompt});
    BOOST_TEST((io.at(expected) - base).abs().max().item<double>() > 0.1, file << ": the adapters change the text side");
    check_close(hidden, io.at(expected), file);
    if (unet_adapters > 0)
      check_close(model.unet->forward(io.at("x"), io.at("t"), io.at("context")), io.at("expected_te_peft_unet"), file);
  }
}

BOOST_AUTO_TEST_CASE(a_diffusers_embedding_gives_diffusers_hidden_states) {
  const auto io = load_tensors(kFixtures / "finetune/io.safetensors");
  for (const auto& [file, expected] : {std::pair{"learned_embeds.safetensors", "expected_ti_diffusers"}}) {
    StableDiffusion model = load_stable_diffusion(kFixtures / "tiny-sd");
    const std::string text = load_textual_inversion(model, kFixtures / "finetune" / file, "<cat-toy>");
    BOOST_TEST(text == "<cat-toy> <cat-toy>_1");
    at::NoGradGuard no_grad;
    check_close(encode_prompts(model, {"a " + text + " house"}), io.at(expected), file);
  }
}

// Files people bring (tests/reference/make_external_adapter_fixtures.py): a diffusers LoRA whose
// alphas live only in its lora_adapter_metadata, a kohya-ss LoRA with an .alpha per module, an
// AUTOMATIC1111 embedding written by Python's torch.save; each must draw diffusers' image to
// one level of 255 (the same seed gives the same initial noise; txt2img_matches_diffusers_pipeline).
BOOST_AUTO_TEST_CASE(files_people_bring_draw_diffusers_images) {
  const auto expected = load_tensors(kFixtures / "external/images.safetensors");
  const auto external = kFixtures / "external";
  struct Case {
    const char* name;
    std::vector<LoRAReference> loras;
    std::vector<EmbeddingReference> embeddings;
    const char* prompt;
  };
  const std::vector<Case> cases = {
      {"alpha_lora", {{external / "alpha_lora/pytorch_lora_weights.safetensors", 1.0}}, {}, "a photo of a sks house"},
      {"kohya_alpha", {{external / "kohya_alpha.safetensors", 1.0}}, {}, "a photo of a sks house"},
      {"a1111_embedding", {}, {{external / "hanok-a1111.pt", ""}}, "a photo of hanok-a1111 in the fire"}};
  for (const auto& c : cases) {
    StableDiffusion model = load_stable_diffusion(kFixtures / "tiny-sd");
    const ExternalAdapters adapters = apply_external_adapters(model, c.loras, c.embeddings);
    Txt2ImgOptions options;
    options.prompt = adapters.expand(c.prompt);
    options.steps = 4;
    options.guidance = 7.5;
    options.num_images = 2;
    options.seed = 5;
    const ImageBatch images = txt2img(model, options);
    const at::Tensor ours = at::from_blob(const_cast<std::uint8_t*>(images.pixels.data()),
                                          {images.count, images.height, images.width, 3}, at::kByte);
    const double difference = (ours.to(at::kInt) - expected.at(c.name).to(at::kInt)).abs().max().item<double>();
    BOOST_TEST(difference <= 1.0, c.name << ": images differ from diffusers' by " << difference << "/255");
    StableDiffusion base = load_stable_diffusion(kFixtures / "tiny-sd");
    options.prompt = c.prompt;
    const ImageBatch plain = txt2img(base, options);
    BOOST_TEST(plain.pixels != images.pixels, c.name << ": the file changes nothing");
  }
}

// What the metadata says each adapter's scale is: lora_alpha / r, alpha_pattern for attn2.to_k.
BOOST_AUTO_TEST_CASE(lora_adapter_metadata_sets_each_scale) {
  StableDiffusion model = load_stable_diffusion(kFixtures / "tiny-sd");
  const auto adapters =
      read_lora_file(kFixtures / "external/alpha_lora/pytorch_lora_weights.safetensors", model, 2.0);
  for (const auto& adapter : adapters) {
    const std::string suffix = "attn2.to_k";
    const bool to_k = adapter.module.size() > suffix.size() &&
                      adapter.module.compare(adapter.module.size() - suffix.size(), suffix.size(), suffix) == 0;
    const double expected = 2.0 * (adapter.component == LoRAComponent::text_encoder ? 0.5 : to_k ? 0.5 : 3.0);
    BOOST_TEST(adapter.scale == expected, adapter.module);
  }
}

// What cannot be interpreted is refused, naming the field.
BOOST_AUTO_TEST_CASE(lora_adapter_metadata_it_cannot_interpret_is_refused) {
  const auto source = kFixtures / "external/alpha_lora/pytorch_lora_weights.safetensors";
  std::map<std::string, std::string> metadata;
  const auto tensors = load_tensors(source, &metadata);
  const std::string original = metadata.at("lora_adapter_metadata");
  const auto file = std::filesystem::temp_directory_path() / "tunegrid-metadata-test.safetensors";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\"unet.use_dora\": false", "'use_dora' = true"},
      {"\"unet.r\": 2", "rank 5, but its factors have rank 2"},
      {"\"unet.bias\": \"none\"", "LoRA biases are not implemented"}};
  const std::vector<std::string> replacements = {"\"unet.use_dora\": true", "\"unet.r\": 5", "\"unet.bias\": \"all\""};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::string changed = original;
    const auto at = changed.find(cases[i].first);
    BOOST_REQUIRE(at != std::string::npos);
    changed.replace(at, cases[i].first.size(), replacements[i]);
    metadata["lora_adapter_metadata"] = changed;
    NamedTensors named(tensors.begin(), tensors.end());
    save_tensors(file, named, metadata);
    StableDiffusion model = load_stable_diffusion(kFixtures / "tiny-sd");
    try {
      read_lora_file(file, model);
      BOOST_FAIL("accepted " << replacements[i]);
    } catch (const InputError& error) {
      BOOST_TEST(std::string(error.what()).find(cases[i].second) != std::string::npos, error.what());
    }
  }
  std::filesystem::remove(file);
}

BOOST_AUTO_TEST_SUITE_END()
