// test_methods_parity.cpp — fine-tuning files written by the reference tools load into
// tunegrid with the outputs diffusers computes (fixtures: tests/reference/make_finetune_fixtures.py):
// a peft/diffusers LoRA (pytorch_lora_weights.safetensors), a kohya-ss LoRA with alpha, a
// LoRA on the UNet and the text encoder (peft keys; the text encoder's also in kohya-ss keys)
// and a diffusers textual-inversion embedding. (AUTOMATIC1111 .pt embeddings written by Python's
// torch.save use the SETITEM pickle opcode, which libtorch 1.13's unpickler lacks: only .pt
// files written by libtorch, such as tunegrid's own, are read so far.)
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include <filesystem>
#include <tuple>

#include "tests/tolerance.h"
#include "workers/diffusion/txt2img_pipeline.h"
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

BOOST_AUTO_TEST_SUITE_END()
