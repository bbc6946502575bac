// test_methods_parity.cpp — fine-tuning files written by the reference tools load into
// tunegrid with the outputs diffusers computes (fixtures: tests/reference/make_finetune_fixtures.py):
// a peft/diffusers LoRA (pytorch_lora_weights.safetensors), a kohya-ss LoRA with alpha and a
// diffusers textual-inversion embedding. (AUTOMATIC1111 .pt embeddings written by Python's
// torch.save use the SETITEM pickle opcode, which libtorch 1.13's unpickler lacks: only .pt
// files written by libtorch, such as tunegrid's own, are read so far.)
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include <filesystem>

#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/methods/lora.h"
#include "workers/methods/lora_files.h"
#include "workers/methods/textual_inversion.h"
#include "workers/models/weights.h"

using namespace tunegrid;

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests/fixtures";

void check_close(const at::Tensor& actual, const at::Tensor& expected, const std::string& what) {
  BOOST_TEST_REQUIRE(actual.sizes().equals(expected.sizes()), what);
  const double error = (actual - expected).abs().max().item<double>();
  BOOST_TEST(error < 1e-4, what << ": max |difference| " << error);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(methods_parity)

BOOST_AUTO_TEST_CASE(lora_files_of_peft_and_kohya_give_diffusers_outputs) {
  const auto io = load_tensors(kFixtures / "finetune/io.safetensors");
  for (const auto& [file, expected] :
       {std::pair{"peft_lora/pytorch_lora_weights.safetensors", "expected_peft"},
        std::pair{"kohya_lora.safetensors", "expected_kohya"}}) {
    StableDiffusion model = load_stable_diffusion(kFixtures / "tiny-sd");
    const auto adapters = read_lora_file(kFixtures / "finetune" / file, model.unet);
    BOOST_TEST(adapters.size() == 48u);
    install_lora(model.unet, adapters, file);
    at::NoGradGuard no_grad;
    check_close(model.unet->forward(io.at("x"), io.at("t"), io.at("context")), io.at(expected), file);
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
