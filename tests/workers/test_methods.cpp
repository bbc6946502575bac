// test_methods.cpp — the fine-tuning methods on the tiny random pipeline of
// tests/fixtures/tiny-sd and four builtin hanok scenes: each trains exactly the tensors it
// should (every other weight bitwise unchanged) with the analytic parameter count, lowers
// the loss on fixed noise draws when overfitting, writes artifacts that load back to the
// same outputs; a checkpointed run resumed after an interruption ends bitwise equal to the
// uninterrupted run; bad configurations fail with messages naming the problem.
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <numeric>

#include "tests/input_error.h"
#include "workers/diffusion/ddpm_scheduler.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/methods/custom_diffusion.h"
#include "workers/methods/custom_diffusion_merge.h"
#include "workers/methods/dreambooth.h"
#include "workers/methods/finetune_artifact.h"
#include "workers/methods/hypernetwork.h"
#include "workers/methods/learning_rate_schedule.h"
#include "workers/methods/lora.h"
#include "workers/methods/lora_files.h"
#include "workers/methods/rescale_augmentation.h"
#include "workers/methods/stable_diffusion_base.h"
#include "workers/methods/textual_inversion.h"
#include "workers/methods/training_loop.h"
#include "workers/methods/torch_save_file.h"
#include "workers/data/data_reference.h"
#include "workers/data/image_folder.h"
#include "workers/models/weights.h"

using namespace tunegrid;
using tunegrid::testing::input_error_of;

namespace {

const std::filesystem::path kTinySD = std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests/fixtures/tiny-sd";

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("tunegrid-test-methods-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

FineTuneSettings tiny_settings(int steps = 8) {
  FineTuneSettings s;
  s.data.data = "builtin:scenes?style=hanok&count=4&seed=3";
  s.data.prompt_templates = {"a photo of a {}", "a {}"};
  s.steps = steps;
  s.batch_size = 2;
  s.learning_rate = 1e-2;
  s.seed = 7;
  return s;
}

// Every tensor of the pipeline, by name (copies).
std::map<std::string, at::Tensor> snapshot(StableDiffusion& model) {
  std::map<std::string, at::Tensor> out;
  for (const auto& item : model.unet->named_parameters()) out["unet." + item.key()] = item.value().detach().clone();
  for (const auto& item : model.text_encoder->named_parameters())
    out["text_encoder." + item.key()] = item.value().detach().clone();
  for (const auto& item : model.vae->named_parameters()) out["vae." + item.key()] = item.value().detach().clone();
  return out;
}

// Names of the tensors that differ (bitwise) between two snapshots.
std::vector<std::string> changed(const std::map<std::string, at::Tensor>& before,
                                 const std::map<std::string, at::Tensor>& after) {
  std::vector<std::string> out;
  for (const auto& [name, value] : before) {
    const at::Tensor& other = after.at(name);
    if (!value.sizes().equals(other.sizes()) || !at::equal(value, other)) out.push_back(name);
  }
  return out;
}

// Mean denoising loss of the model on the training set under fixed (noise, timestep) draws.
double fixed_draw_loss(StableDiffusion& model, const TrainingSet& set, const std::string& caption) {
  at::NoGradGuard no_grad;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(1234);
  DDPMScheduler scheduler(model.scheduler);
  double total = 0;
  const int rounds = 4;
  for (int round = 0; round < rounds; ++round) {
    const at::Tensor latents = set.mean * model.vae->config.scaling_factor;
    const at::Tensor noise = at::randn(latents.sizes(), generator, latents.options());
    const at::Tensor t = at::randint(0, 1000, {latents.size(0)}, generator, at::TensorOptions(at::kLong));
    const at::Tensor context = encode_prompts(model, {caption}).repeat({latents.size(0), 1, 1});
    const at::Tensor prediction = model.unet->forward(scheduler.add_noise(latents, noise, t), t, context);
    total += (prediction - noise).pow(2).mean().item<double>();
  }
  return total / rounds;
}

// UNet output of fixed inputs under a prompt (for round trips).
at::Tensor unet_output(StableDiffusion& model, const std::string& prompt) {
  at::NoGradGuard no_grad;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(99);
  const auto size = model.unet->config.sample_size;
  const at::Tensor x = at::randn({2, model.unet->config.in_channels, size, size}, generator, at::TensorOptions());
  const at::Tensor t = at::tensor(std::vector<std::int64_t>{10, 500});
  return model.unet->forward(x, t, encode_prompts(model, {prompt, prompt}));
}

// Whether the bytes of `file` contain `text` (torch.save zips store data.pkl uncompressed).
bool file_contains(const std::filesystem::path& file, const std::string& text) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes.find(text) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(methods)

BOOST_AUTO_TEST_CASE(learning_rate_schedules_match_diffusers) {
  LearningRateSchedule s;
  s.peak = 1.0;
  s.warmup_steps = 10;
  s.total_steps = 110;
  BOOST_TEST(s.at(0) == 1.0);  // constant ignores warm-up
  s.name = "constant_with_warmup";
  BOOST_TEST(s.at(0) == 0.0);
  BOOST_TEST(s.at(5) == 0.5);
  BOOST_TEST(s.at(50) == 1.0);
  s.name = "linear";
  BOOST_TEST(s.at(60) == 0.5);
  BOOST_TEST(s.at(110) == 0.0);
  s.name = "cosine";
  BOOST_TEST(s.at(10) == 1.0);
  BOOST_TEST(std::abs(s.at(60) - 0.5) < 1e-12);
  BOOST_TEST(std::abs(s.at(35) - 0.5 * (1 + std::cos(M_PI * 0.25))) < 1e-12);
}

BOOST_AUTO_TEST_CASE(adamw_matches_the_torch_update) {
  // Two steps of torch.optim.AdamW(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
  // on p = [1, -2] with gradients [0.5, 0.25] then [-1, 1], computed by hand from its formula.
  at::Tensor p = at::tensor(std::vector<float>{1.f, -2.f});
  p.set_requires_grad(true);
  AdamW optimizer({{"p", p}}, AdamWOptions{});
  p.mutable_grad() = at::tensor(std::vector<float>{0.5f, 0.25f});
  optimizer.step(0.1);
  // step 1: m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g²: p = p(1 - 0.001) - 0.1 · g/(|g| + 1e-8)
  BOOST_TEST(std::abs(p[0].item<double>() - (1.0 * 0.999 - 0.1)) < 1e-6);
  BOOST_TEST(std::abs(p[1].item<double>() - (-2.0 * 0.999 - 0.1)) < 1e-6);
  const auto state = optimizer.state();
  BOOST_TEST(state.size() == 3u);
  AdamW copy({{"p", p}}, AdamWOptions{});
  std::map<std::string, at::Tensor> saved(state.begin(), state.end());
  copy.load_state(saved, "test");
  at::Tensor q = p.detach().clone();
  p.mutable_grad() = at::tensor(std::vector<float>{-1.f, 1.f});
  optimizer.step(0.1);
  copy.step(0.1);  // the same parameter tensor, stepped by the restored state
  BOOST_TEST(!at::equal(p.detach(), q));
}

BOOST_AUTO_TEST_CASE(textual_inversion_changes_only_the_new_rows) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  TextualInversionConfig config;
  config.num_vectors = 2;
  TextualInversion method(config);
  const FineTuneSettings settings = tiny_settings();
  const TrainingSet set = make_training_set(model, settings.data, "test");
  const auto before_vocab = model.tokenizer->vocab_size();
  method.attach(model);
  BOOST_TEST(model.tokenizer->vocab_size() == before_vocab + 2);
  BOOST_TEST(method.concept_text() == "<hanok> <hanok>_1");
  const auto before = snapshot(model);
  const double loss_before = fixed_draw_loss(model, set, "a photo of a <hanok> <hanok>_1");
  FineTuneSettings long_settings = settings;
  long_settings.steps = 40;
  long_settings.learning_rate = 5e-2;
  run_finetune(model, method, long_settings, set, nullptr, {}, "test");
  const double loss_after = fixed_draw_loss(model, set, "a photo of a <hanok> <hanok>_1");
  BOOST_TEST(loss_after < loss_before, "loss " << loss_before << " -> " << loss_after);
  const auto after = snapshot(model);
  const auto names = changed(before, after);
  BOOST_TEST_REQUIRE(names.size() == 1u);
  BOOST_TEST(names[0] == "text_encoder.text_model.embeddings.token_embedding.weight");
  const auto& w0 = before.at(names[0]);
  const auto& w1 = after.at(names[0]);
  const auto old_rows = static_cast<std::int64_t>(before_vocab);
  BOOST_TEST(at::equal(w0.slice(0, 0, old_rows), w1.slice(0, 0, old_rows)));
  BOOST_TEST(!at::equal(w0.slice(0, old_rows), w1.slice(0, old_rows)));
  BOOST_TEST(method.trainable_parameter_count() == 2 * w0.size(1));

  // Artifacts: both files load back into a fresh pipeline with the same text encoding.
  const auto dir = temp_dir("ti");
  method.save(dir, 40);
  BOOST_TEST(std::filesystem::exists(dir / "learned_embeds.safetensors"));
  BOOST_TEST(std::filesystem::exists(dir / "hanok.pt"));
  // Plain Python objects only: torch.load(weights_only=True) and A1111 refuse TorchScript globals.
  BOOST_TEST(file_contains(dir / "hanok.pt", "_rebuild_tensor_v2"));
  BOOST_TEST(!file_contains(dir / "hanok.pt", "torch.jit"));
  const at::Tensor trained = encode_prompts(model, {"a <hanok> <hanok>_1 house"}).detach();
  for (const char* file : {"learned_embeds.safetensors", "hanok.pt"}) {
    StableDiffusion fresh = load_stable_diffusion(kTinySD);
    const std::string text = load_textual_inversion(fresh, dir / file, "<hanok>");
    BOOST_TEST(text == "<hanok> <hanok>_1");
    BOOST_TEST(at::equal(encode_prompts(fresh, {"a <hanok> <hanok>_1 house"}).detach(), trained), file);
  }
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(lora_trains_only_its_adapters_and_round_trips_in_both_formats) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  LoRAConfig config;
  config.rank = 2;
  config.alpha = 1;  // scale 0.5: the diffusers file must fold it in
  LoRA method(config, 5);
  FineTuneSettings settings = tiny_settings(30);
  const TrainingSet set = make_training_set(model, settings.data, "test");
  const auto before = snapshot(model);
  const at::Tensor base_output = unet_output(model, "a photo of a sks house");
  method.attach(model);
  // B = 0: the adapted model starts as the base model.
  BOOST_TEST(at::equal(unet_output(model, "a photo of a sks house"), base_output));
  std::int64_t analytic = 0;
  for (const auto& adapter : method.adapters()) analytic += config.rank * (adapter.down.size(1) + adapter.up.size(0));
  BOOST_TEST(method.trainable_parameter_count() == analytic);
  // tiny-sd: transformer blocks in down_blocks.1 (2), mid_block (1), up_blocks.0 (3); attn1 and attn2
  // in each, 4 projections per attention = 48 adapters (the 96 tensors peft writes for it).
  BOOST_TEST(method.adapters().size() == 48u);
  BOOST_TEST(!method.trains_text_encoder());  // diffusers' default: the UNet only
  const double loss_before = fixed_draw_loss(model, set, "a photo of a sks house");
  run_finetune(model, method, settings, set, nullptr, {}, "test");
  const double loss_after = fixed_draw_loss(model, set, "a photo of a sks house");
  BOOST_TEST(loss_after < loss_before, "loss " << loss_before << " -> " << loss_after);
  BOOST_TEST(changed(before, snapshot(model)).empty());
  const at::Tensor trained = unet_output(model, "a photo of a sks house");
  BOOST_TEST(!at::allclose(trained, base_output));

  const auto dir = temp_dir("lora");
  method.save(dir, 30);
  for (const char* file : {"pytorch_lora_weights.safetensors", "lora_kohya.safetensors"}) {
    StableDiffusion fresh = load_stable_diffusion(kTinySD);
    install_lora(fresh, read_lora_file(dir / file, fresh), file);
    BOOST_TEST(at::allclose(unet_output(fresh, "a photo of a sks house"), trained, 1e-5, 1e-6), file);
  }
  // Merging gives the same outputs with plain weights.
  StableDiffusion merged = load_stable_diffusion(kTinySD);
  merge_lora(merged, read_lora_file(dir / "lora_kohya.safetensors", merged), "test");
  BOOST_TEST(at::allclose(unet_output(merged, "a photo of a sks house"), trained, 1e-4, 1e-5));
  // kohya keys and alpha.
  std::map<std::string, std::string> metadata;
  const auto kohya = load_tensors(dir / "lora_kohya.safetensors", &metadata);
  BOOST_TEST(kohya.count("lora_unet_mid_block_attentions_0_transformer_blocks_0_attn2_to_out_0.lora_down.weight") == 1u);
  BOOST_TEST(kohya.at("lora_unet_mid_block_attentions_0_transformer_blocks_0_attn2_to_k.alpha").item<float>() == 1.f);
  BOOST_TEST(metadata["ss_network_dim"] == "2");
  const auto peft = load_tensors(dir / "pytorch_lora_weights.safetensors");
  BOOST_TEST(peft.count("unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight") == 1u);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(lora_on_the_text_encoder_trains_with_the_unet_and_round_trips) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  LoRAConfig config;
  config.rank = 2;
  config.alpha = 1;  // scale 0.5
  config.train_text_encoder = true;
  LoRA method(config, 5);
  FineTuneSettings settings = tiny_settings(30);
  const TrainingSet set = make_training_set(model, settings.data, "test");
  const std::string prompt = "a photo of a sks house";
  const auto before = snapshot(model);
  const at::Tensor base_text = encode_prompts(model, {prompt}).detach();
  const at::Tensor base_output = unet_output(model, prompt);
  method.attach(model);
  BOOST_TEST(method.trains_text_encoder());
  BOOST_TEST(at::equal(encode_prompts(model, {prompt}).detach(), base_text));  // B = 0
  BOOST_TEST(at::equal(unet_output(model, prompt), base_output));
  // The UNet's adapters start as without text-encoder adapters (their own seed stream).
  LoRAConfig unet_only = config;
  unet_only.train_text_encoder = false;
  StableDiffusion other = load_stable_diffusion(kTinySD);
  LoRA unet_method(unet_only, 5);
  unet_method.attach(other);
  // tiny-sd's text encoder: 5 layers, hidden 32; q, k, v and out of each = 20 adapters of
  // rank · (32 + 32) parameters, after the UNet's 48.
  std::size_t unet_adapters = 0, text_adapters = 0;
  std::int64_t analytic = 0;
  for (const auto& adapter : method.adapters()) {
    if (adapter.component == LoRAComponent::unet) {
      BOOST_TEST_REQUIRE(unet_adapters < unet_method.adapters().size());
      BOOST_TEST(adapter.module == unet_method.adapters()[unet_adapters].module);
      BOOST_TEST(at::equal(adapter.down, unet_method.adapters()[unet_adapters].down));
      analytic += config.rank * (adapter.down.size(1) + adapter.up.size(0));
      ++unet_adapters;
    } else {
      BOOST_TEST(adapter.module.rfind("text_model.encoder.layers.", 0) == 0, adapter.module);
      ++text_adapters;
    }
  }
  BOOST_TEST(unet_adapters == 48u);
  BOOST_TEST(text_adapters == 20u);
  analytic += 20 * config.rank * (32 + 32);
  BOOST_TEST(method.trainable_parameter_count() == analytic);
  BOOST_TEST(method.trainable_parameter_count() == unet_method.trainable_parameter_count() + 2560);
  const auto names = method.trainable();
  BOOST_TEST(std::count_if(names.begin(), names.end(), [](const auto& item) {
               return item.first.rfind("text_encoder.text_model.encoder.layers.", 0) == 0;
             }) == 40);

  const double loss_before = fixed_draw_loss(model, set, prompt);
  run_finetune(model, method, settings, set, nullptr, {}, "test");
  const double loss_after = fixed_draw_loss(model, set, prompt);
  BOOST_TEST(loss_after < loss_before, "loss " << loss_before << " -> " << loss_after);
  // Every base tensor (UNet, text encoder, VAE) bitwise unchanged; every adapter trained.
  BOOST_TEST(changed(before, snapshot(model)).empty());
  for (const auto& adapter : method.adapters())
    BOOST_TEST(adapter.up.abs().max().item<float>() > 0.f, lora_component_name(adapter.component) << " " << adapter.module);
  const at::Tensor trained_text = encode_prompts(model, {prompt}).detach();
  const at::Tensor trained = unet_output(model, prompt);
  BOOST_TEST(!at::allclose(trained_text, base_text));

  const auto dir = temp_dir("lora-te");
  method.save(dir, 30);
  const auto peft = load_tensors(dir / "pytorch_lora_weights.safetensors");
  BOOST_TEST(peft.count("text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight") == 1u);
  BOOST_TEST(peft.count("text_encoder.text_model.encoder.layers.4.self_attn.out_proj.lora_B.weight") == 1u);
  BOOST_TEST(peft.count("unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight") == 1u);
  BOOST_TEST(peft.size() == 2u * 68u);
  const auto kohya = load_tensors(dir / "lora_kohya.safetensors");
  BOOST_TEST(kohya.count("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight") == 1u);
  BOOST_TEST(kohya.count("lora_te_text_model_encoder_layers_3_self_attn_v_proj.lora_up.weight") == 1u);
  BOOST_TEST(kohya.at("lora_te_text_model_encoder_layers_2_self_attn_out_proj.alpha").item<float>() == 1.f);
  BOOST_TEST(kohya.size() == 3u * 68u);
  // A fresh model with `file`'s adapters installed gives the trained text encoder and UNet.
  auto expect_trained_model = [&](const char* file) {
    StableDiffusion fresh = load_stable_diffusion(kTinySD);
    const auto adapters = read_lora_file(dir / file, fresh);
    BOOST_TEST(adapters.size() == 68u, file);
    install_lora(fresh, adapters, file);
    BOOST_TEST(at::allclose(encode_prompts(fresh, {prompt}).detach(), trained_text, 1e-5, 1e-6), file);
    BOOST_TEST(at::allclose(unet_output(fresh, prompt), trained, 1e-5, 1e-6), file);
  };
  for (const char* file : {"pytorch_lora_weights.safetensors", "lora_kohya.safetensors"}) expect_trained_model(file);
  // diffusers' other layouts of the same factors: lora_linear_layer (convert_state_dict_to_diffusers)
  // and the attention-processor keys (to_q_lora.down, .processor.), with B as written (alpha folded).
  {
    NamedTensors converted_new, converted_old;
    for (const auto& [key, value] : peft) {
      const bool down = key.find(".lora_A.weight") != std::string::npos;
      const std::string base = key.substr(0, key.size() - std::string(".lora_A.weight").size());
      converted_new.emplace_back(base + (down ? ".lora_linear_layer.down.weight" : ".lora_linear_layer.up.weight"),
                                 value);
      std::string old = base;
      for (const auto& [now, before] : std::vector<std::pair<std::string, std::string>>{
               {".to_out.0", ".processor.to_out"}, {".to_q", ".processor.to_q"}, {".to_k", ".processor.to_k"},
               {".to_v", ".processor.to_v"}, {".q_proj", ".to_q"}, {".k_proj", ".to_k"}, {".v_proj", ".to_v"},
               {".out_proj", ".to_out"}})
        if (old.size() > now.size() && old.compare(old.size() - now.size(), now.size(), now) == 0) {
          old = old.substr(0, old.size() - now.size()) + before;
          break;
        }
      converted_old.emplace_back(old + (down ? "_lora.down.weight" : "_lora.up.weight"), value);
    }
    save_tensors(dir / "new.safetensors", converted_new, {});
    save_tensors(dir / "old.safetensors", converted_old, {});
    for (const char* file : {"new.safetensors", "old.safetensors"}) expect_trained_model(file);
  }
  // Merged into the base weights: the same text encoding and UNet outputs.
  StableDiffusion merged = load_stable_diffusion(kTinySD);
  merge_lora(merged, read_lora_file(dir / "lora_kohya.safetensors", merged), "test");
  BOOST_TEST(at::allclose(encode_prompts(merged, {prompt}).detach(), trained_text, 1e-4, 1e-5));
  BOOST_TEST(at::allclose(unet_output(merged, prompt), trained, 1e-4, 1e-5));
  // The artifact as a sample job applies it: both adapter sets.
  write_finetune_manifest(dir, {"lora", kTinySD.string(), "sks house", {}, 30, {}});
  StableDiffusion loaded = load_finetuned(dir);
  BOOST_TEST(at::allclose(encode_prompts(loaded, {prompt}).detach(), trained_text, 1e-5, 1e-6));
  BOOST_TEST(at::allclose(unet_output(loaded, prompt), trained, 1e-5, 1e-6));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(lora_files_with_unsupported_or_misshapen_adapters_are_refused) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  const auto dir = temp_dir("lora-bad-files");
  const at::Tensor down = at::zeros({2, 32}), up = at::zeros({32, 2});
  // kohya's text-encoder MLP adapters are not supported: named with the key.
  save_tensors(dir / "mlp.safetensors",
               {{"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", down},
                {"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", at::zeros({37, 2})}},
               {});
  std::string message = input_error_of([&] { read_lora_file(dir / "mlp.safetensors", model); });
  BOOST_TEST(message.find("lora_te_text_model_encoder_layers_0_mlp_fc1") != std::string::npos, message);
  BOOST_TEST(message.find("q_proj, k_proj, v_proj, out_proj") != std::string::npos, message);
  // A layer the tiny text encoder does not have.
  save_tensors(dir / "layer9.safetensors",
               {{"text_encoder.text_model.encoder.layers.9.self_attn.q_proj.lora_A.weight", down},
                {"text_encoder.text_model.encoder.layers.9.self_attn.q_proj.lora_B.weight", up}},
               {});
  message = input_error_of([&] { read_lora_file(dir / "layer9.safetensors", model); });
  BOOST_TEST(message.find("layers.9.self_attn.q_proj") != std::string::npos, message);
  // Factors of the wrong width for the text encoder's 32 -> 32 projection.
  save_tensors(dir / "wide.safetensors",
               {{"text_encoder.text_model.encoder.layers.1.self_attn.k_proj.lora_A.weight", at::zeros({2, 64})},
                {"text_encoder.text_model.encoder.layers.1.self_attn.k_proj.lora_B.weight", up}},
               {});
  message = input_error_of([&] { install_lora(model, read_lora_file(dir / "wide.safetensors", model), "wide"); });
  BOOST_TEST(message.find("'text_model.encoder.layers.1.self_attn.k_proj' has down [2, 64]") != std::string::npos,
             message);
  BOOST_TEST(message.find("32 -> 32") != std::string::npos, message);
  // An adapter without its B.
  save_tensors(dir / "half.safetensors", {{"lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", down}},
               {});
  message = input_error_of([&] { read_lora_file(dir / "half.safetensors", model); });
  BOOST_TEST(message.find("text_encoder 'text_model.encoder.layers.0.self_attn.q_proj' lacks its up (B)") !=
                 std::string::npos,
             message);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(dreambooth_trains_the_unet_with_prior_preservation) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  DreamBooth method(DreamBoothConfig{});
  FineTuneSettings settings = tiny_settings(20);
  settings.learning_rate = 1e-3;
  settings.data.prompt_templates = {"a photo of {}"};
  const TrainingSet set = make_training_set(model, settings.data, "test");
  // Class images: renders of other houses stand in for base-model samples here.
  const TrainingSet prior = make_training_set(
      model, make_training_set(model, TrainingSetOptions{"builtin:scenes?style=western&count=4", 0, 0, 0.0,
                                                         "template", {"{}"}, ""}, "test").images,
      "a photo of a house");
  const auto before = snapshot(model);
  method.attach(model);
  std::int64_t unet_parameters = 0;
  for (const auto& p : model.unet->parameters()) unet_parameters += p.numel();
  BOOST_TEST(method.trainable_parameter_count() == unet_parameters);
  const double loss_before = fixed_draw_loss(model, set, "a photo of sks house");
  const FineTuneRun run = run_finetune(model, method, settings, set, &prior, {}, "test");
  BOOST_TEST(run.loss.size() == 20u);
  const double loss_after = fixed_draw_loss(model, set, "a photo of sks house");
  BOOST_TEST(loss_after < loss_before, "loss " << loss_before << " -> " << loss_after);
  for (const auto& name : changed(before, snapshot(model))) BOOST_TEST(name.rfind("unet.", 0) == 0, name);

  const auto dir = temp_dir("dreambooth");
  method.save(dir, 20);
  write_finetune_manifest(dir, {"dreambooth", kTinySD.string(), "sks house", {}, 20, {}});
  std::string concept_text;
  StableDiffusion loaded = load_finetuned(dir, &concept_text);
  BOOST_TEST(concept_text == "sks house");
  BOOST_TEST(at::equal(unet_output(loaded, "a photo of sks house"), unet_output(model, "a photo of sks house")));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(hypernetwork_trains_only_its_mlps_and_round_trips) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  HypernetworkConfig config;
  config.activation_func = "relu";
  config.use_dropout = true;
  Hypernetwork method(config, 3);
  FineTuneSettings settings = tiny_settings(30);
  settings.data.prompt_templates = {"a photo of {}"};
  settings.learning_rate = 3e-3;
  const TrainingSet set = make_training_set(model, settings.data, "test");
  const auto before = snapshot(model);
  method.attach(model);
  // tiny-sd: every attention context is 32 wide (self-attention at 32 channels, text 32):
  // one pair of 1-2-1 MLPs, 2 · (32·64 + 64 + 64·32 + 32) numbers.
  BOOST_TEST(method.modules().size() == 1u);
  BOOST_TEST(method.trainable_parameter_count() == 2 * (32 * 64 + 64 + 64 * 32 + 32));
  // Linear, relu, dropout, Linear: A1111's module indices 0 and 3 hold weights.
  BOOST_TEST(method.modules().at(32).first.layers.size() == 4u);
  method.set_training(false);
  const double loss_before = fixed_draw_loss(model, set, "a photo of hanok");
  method.set_training(true);
  run_finetune(model, method, settings, set, nullptr, {}, "test");
  const double loss_after = fixed_draw_loss(model, set, "a photo of hanok");
  BOOST_TEST(loss_after < loss_before, "loss " << loss_before << " -> " << loss_after);
  BOOST_TEST(changed(before, snapshot(model)).empty());
  const at::Tensor trained = unet_output(model, "a photo of hanok");

  const auto dir = temp_dir("hypernetwork");
  method.save(dir, 30);
  StableDiffusion fresh = load_stable_diffusion(kTinySD);
  load_hypernetwork(fresh, dir / "hypernetwork.safetensors");
  BOOST_TEST(at::allclose(unet_output(fresh, "a photo of hanok"), trained, 1e-5, 1e-6));
  // The AUTOMATIC1111 file: {32: [state_k, state_v], fields}.
  BOOST_TEST(!file_contains(dir / "hanok.pt", "torch.jit"));
  const TorchSaveFile a1111 = read_torch_save(dir / "hanok.pt");
  BOOST_TEST(a1111.root.find("activation_func")->text == "relu");
  BOOST_TEST(a1111.root.find("use_dropout")->boolean);
  const PickleValue* states = nullptr;
  for (const auto& [key, value] : a1111.root.entries)
    if (key.kind == PickleValue::Kind::integer && key.integer == 32) states = &value;
  BOOST_REQUIRE(states);
  BOOST_TEST(states->items.size() == 2u);
  const PickleValue* weight = states->items[1].find("linear.3.weight");
  BOOST_REQUIRE(weight);
  BOOST_TEST(at::equal(tensor_of(a1111, *weight, "linear.3.weight"), method.modules().at(32).second.layers[3].weight.detach()));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(hypernetwork_dropout_structure_follows_a1111) {
  // modules/hypernetworks/hypernetwork.py parse_dropout_structure (last_layer_dropout defaults to True).
  HypernetworkConfig c;
  BOOST_TEST(resolved_dropout_structure(c) == (std::vector<double>{0, 0, 0}));
  c.use_dropout = true;
  BOOST_TEST(resolved_dropout_structure(c) == (std::vector<double>{0, 0.3, 0}));
  c.last_layer_dropout = false;
  BOOST_TEST(resolved_dropout_structure(c) == (std::vector<double>{0, 0, 0}));
  c.layer_structure = {1, 2, 2, 1};
  BOOST_TEST(resolved_dropout_structure(c) == (std::vector<double>{0, 0.3, 0, 0}));
  c.last_layer_dropout = true;
  BOOST_TEST(resolved_dropout_structure(c) == (std::vector<double>{0, 0.3, 0.3, 0}));
  c.dropout_structure = {0, 0.1, 0};
  BOOST_TEST(input_error_of([&] { resolved_dropout_structure(c); }).find("one per layer_structure entry") !=
             std::string::npos);
  c.dropout_structure = {0, 0.1, 1.0, 0};
  BOOST_TEST(input_error_of([&] { resolved_dropout_structure(c); }).find("[0, 1)") != std::string::npos);
  c.dropout_structure = {0.2, 0.1, 0.1, 0};
  BOOST_TEST(input_error_of([&] { resolved_dropout_structure(c); }).find("start and end with 0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hypernetwork_with_layer_norm_reloads_from_its_metadata) {
  // Linear activation (no activation modules) with LayerNorm and a 1-2-2-1 structure with
  // dropout: module indices Linear 0, LayerNorm 1, Dropout 2, Linear 3, LayerNorm 4, Linear 5,
  // LayerNorm 6 — the reload must rebuild them from the metadata, not guess from the keys.
  StableDiffusion model = load_stable_diffusion(kTinySD);
  HypernetworkConfig config;
  config.layer_structure = {1, 2, 2, 1};
  config.add_layer_norm = true;
  config.use_dropout = true;
  config.last_layer_dropout = false;
  Hypernetwork method(config, 5);
  method.attach(model);
  const auto& layers = method.modules().at(32).first.layers;
  std::vector<std::string> kinds;
  for (const auto& layer : layers) kinds.push_back(layer.kind);
  BOOST_TEST(kinds == (std::vector<std::string>{"linear", "layer_norm", "dropout", "linear", "layer_norm", "linear",
                                                "layer_norm"}),
             boost::test_tools::per_element());
  // A1111's "Normal" draws LayerNorm scales from N(0, 0.01) too.
  BOOST_TEST(layers[1].weight.abs().max().item<float>() < 0.1f);
  BOOST_TEST(layers[1].weight.std().item<float>() > 0.003f);
  method.set_training(false);
  const at::Tensor expected = unet_output(model, "a photo of hanok");
  const auto dir = temp_dir("hypernetwork-norm");
  method.save(dir, 1);
  StableDiffusion fresh = load_stable_diffusion(kTinySD);
  load_hypernetwork(fresh, dir / "hypernetwork.safetensors");
  BOOST_TEST(at::allclose(unet_output(fresh, "a photo of hanok"), expected, 1e-5, 1e-6));
  // Metadata that does not describe the tensors is an InputError naming the file.
  std::map<std::string, std::string> metadata;
  auto tensors = load_tensors(dir / "hypernetwork.safetensors", &metadata);
  metadata["is_layer_norm"] = "false";
  save_tensors(dir / "wrong.safetensors", NamedTensors(tensors.begin(), tensors.end()), metadata);
  const std::string message = input_error_of([&] { load_hypernetwork(fresh, dir / "wrong.safetensors"); });
  BOOST_TEST(message.find("wrong.safetensors") != std::string::npos, message);
  metadata["is_layer_norm"] = "maybe";
  save_tensors(dir / "garbled.safetensors", NamedTensors(tensors.begin(), tensors.end()), metadata);
  BOOST_TEST(input_error_of([&] { load_hypernetwork(fresh, dir / "garbled.safetensors"); }).find("'is_layer_norm'") !=
             std::string::npos);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(rescale_augmentation_masks_what_it_pastes) {
  // diffusers' CustomDiffusionDataset.preprocess at S = 64, factor 8 (8×8 latent cells).
  const ImageBatch image = load_data_reference("builtin:scenes?count=1&size=64", 64).items[0].image;
  int shrunk = 0, enlarged = 0, kept = 0;
  for (int seed = 0; seed < 60; ++seed) {
    Rng rng(static_cast<std::uint64_t>(seed));
    const RescaledExample example = rescale_augment(image, 8, rng);
    BOOST_TEST_REQUIRE(example.mask.size() == 64u);
    BOOST_TEST(example.image.height == 64);
    const int scale = example.scale, top = example.top, left = example.left;
    BOOST_TEST_REQUIRE(((scale >= 64 / 3 && scale <= 64) || (scale >= 76 && scale < 89)));
    const std::string expected_prefixes = scale < 0.6 * 64 ? "a far away |very small " : scale > 64 ? "zoomed in |close up " : "";
    BOOST_TEST(((example.caption_prefix.empty() && expected_prefixes.empty()) ||
                (!example.caption_prefix.empty() && expected_prefixes.find(example.caption_prefix) != std::string::npos)));
    if (scale > 64) {
      ++enlarged;
      BOOST_TEST((top >= 0 && top <= scale - 64 && left >= 0 && left <= scale - 64));
      BOOST_TEST(std::count(example.mask.begin(), example.mask.end(), 1.f) == 64);
      continue;
    }
    ++(scale < 0.6 * 64 ? shrunk : kept);
    BOOST_TEST((top >= 0 && top <= 64 - scale && left >= 0 && left <= 64 - scale));
    // mask[top//f + 1 : (top + scale)//f - 1, left//f + 1 : (left + scale)//f - 1] = 1, the rest 0
    // (when that is empty, only the cell under the centre of the paste: see the next test)
    const bool empty = (top + scale) / 8 - 1 <= top / 8 + 1 || (left + scale) / 8 - 1 <= left / 8 + 1;
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c) {
        const bool inside = empty ? r == (top + scale / 2) / 8 && c == (left + scale / 2) / 8
                                  : r >= top / 8 + 1 && r < (top + scale) / 8 - 1 && c >= left / 8 + 1 &&
                                        c < (left + scale) / 8 - 1;
        BOOST_TEST(example.mask[static_cast<std::size_t>(r * 8 + c)] == (inside ? 1.f : 0.f));
      }
    // the resized image sits at (top, left); everything else is the zero canvas
    const ImageBatch resized = resize_center_crop(image, scale);
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) {
        const bool pasted = y >= top && y < top + scale && x >= left && x < left + scale;
        const std::uint8_t expected =
            pasted ? resized.pixels[static_cast<std::size_t>(((y - top) * scale + (x - left)) * 3)] : std::uint8_t{128};
        if (example.image.pixels[static_cast<std::size_t>((y * 64 + x) * 3)] != expected) {
          BOOST_TEST(false, "pixel (" << y << ", " << x << ") of seed " << seed);
          y = 64;
          break;
        }
      }
    Rng again(static_cast<std::uint64_t>(seed));
    BOOST_TEST(rescale_augment(image, 8, again).image.pixels == example.image.pixels);  // deterministic
  }
  BOOST_TEST(shrunk > 5);
  BOOST_TEST(enlarged > 5);
  BOOST_TEST(kept > 3);  // [0.6·S, S]: no prefix, but pasted and inset like the small ones
}

BOOST_AUTO_TEST_CASE(rescale_augmentation_keeps_a_cell_where_the_inset_leaves_none) {
  // 32 px, factor 4: a 10-px paste covers at most 3 cells, the one-cell inset none.
  const ImageBatch image = load_data_reference("builtin:scenes?count=1&size=32", 32).items[0].image;
  int tiny = 0;
  for (int seed = 0; seed < 300; ++seed) {
    Rng rng(static_cast<std::uint64_t>(seed));
    const RescaledExample example = rescale_augment(image, 4, rng);
    const auto covered = std::count(example.mask.begin(), example.mask.end(), 1.f);
    BOOST_TEST(covered >= 1);
    if ((example.top + example.scale) / 4 - 1 <= example.top / 4 + 1 ||
        (example.left + example.scale) / 4 - 1 <= example.left / 4 + 1) {
      ++tiny;
      BOOST_TEST(covered == 1);
      const int r = (example.top + example.scale / 2) / 4, c = (example.left + example.scale / 2) / 4;
      BOOST_TEST(example.mask[static_cast<std::size_t>(r * 8 + c)] == 1.f);
    }
  }
  BOOST_TEST(tiny > 0);
}

BOOST_AUTO_TEST_CASE(custom_diffusion_trains_cross_attention_kv_and_its_token) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  CustomDiffusion method(CustomDiffusionConfig{});
  FineTuneSettings settings = tiny_settings(30);
  settings.data.prompt_templates = {"photo of a {}"};
  settings.learning_rate = 3e-3;
  settings.rescale_augmentation = true;
  const TrainingSet set = make_training_set(model, settings.data, "test");
  const auto before = snapshot(model);
  const auto vocab = static_cast<std::int64_t>(model.tokenizer->vocab_size());
  method.attach(model);
  std::int64_t analytic = 32;  // the modifier token's row
  std::vector<std::string> kv;
  for (const auto& item : model.unet->named_parameters())
    if (item.key().find("attn2.to_k.weight") != std::string::npos || item.key().find("attn2.to_v.weight") != std::string::npos) {
      analytic += item.value().numel();
      kv.push_back("unet." + item.key());
    }
  BOOST_TEST(kv.size() == 12u);  // 6 cross-attentions
  BOOST_TEST(method.trainable_parameter_count() == analytic);
  const double loss_before = fixed_draw_loss(model, set, "photo of a <new1> house");
  run_finetune(model, method, settings, set, nullptr, {}, "test");
  const double loss_after = fixed_draw_loss(model, set, "photo of a <new1> house");
  BOOST_TEST(loss_after < loss_before, "loss " << loss_before << " -> " << loss_after);
  const auto after = snapshot(model);
  auto names = changed(before, after);
  std::sort(kv.begin(), kv.end());
  kv.push_back("text_encoder.text_model.embeddings.token_embedding.weight");
  std::sort(kv.begin(), kv.end());
  std::sort(names.begin(), names.end());
  BOOST_TEST(names == kv, boost::test_tools::per_element());
  const auto& rows = after.at("text_encoder.text_model.embeddings.token_embedding.weight");
  BOOST_TEST(at::equal(rows.slice(0, 0, vocab), before.at("text_encoder.text_model.embeddings.token_embedding.weight")));

  const auto dir = temp_dir("custom_diffusion");
  method.save(dir, 30);
  BOOST_TEST(load_tensors(dir / "pytorch_custom_diffusion_weights.safetensors")
                 .count("mid_block.attentions.0.transformer_blocks.0.attn2.processor.to_k_custom_diffusion.weight") == 1u);
  StableDiffusion fresh = load_stable_diffusion(kTinySD);
  BOOST_TEST(load_custom_diffusion(fresh, dir) == std::vector<std::string>{"<new1>"});
  BOOST_TEST(at::equal(unet_output(fresh, "photo of a <new1> house"), unet_output(model, "photo of a <new1> house")));
  std::filesystem::remove_all(dir);
}

// Every method, with what draws randomness in it: accumulation, a cosine schedule, min-SNR,
// flips, the prior batch (DreamBooth, Custom Diffusion), Custom Diffusion's rescaling and
// masks, the hypernetwork's dropout, Textual Inversion's row restoring.
BOOST_AUTO_TEST_CASE(custom_diffusion_trains_two_concepts_jointly) {
  // The paper's joint training (diffusers: --concepts_list, --modifier_token "<new1>+<new2>"):
  // one set of both concepts' images, each captioned with its own concept's text.
  StableDiffusion model = load_stable_diffusion(kTinySD);
  FineTuneSettings settings = tiny_settings(30);
  settings.data.prompt_templates = {"photo of a {}"};
  settings.learning_rate = 3e-3;
  TrainingSetOptions japanese = settings.data;
  japanese.data = "builtin:scenes?style=japanese&count=3&seed=4";
  const TrainingSet hanok_set = make_training_set(model, settings.data, "test");
  const TrainingSet japanese_set = make_training_set(model, japanese, "test");
  TrainingSet hanok_concept = hanok_set, japanese_concept = japanese_set;
  hanok_concept.concept_texts.assign(4, "<new1> house");
  japanese_concept.concept_texts.assign(3, "<new2> house");
  TrainingSet both;
  append_training_set(both, hanok_concept);
  append_training_set(both, japanese_concept);
  BOOST_TEST(both.size() == 7);
  BOOST_TEST(both.mean.size(0) == 7);
  BOOST_TEST(at::equal(both.flipped_mean.slice(0, 4), japanese_set.flipped_mean));
  BOOST_TEST(both.concept_texts == (std::vector<std::string>{"<new1> house", "<new1> house", "<new1> house",
                                                             "<new1> house", "<new2> house", "<new2> house",
                                                             "<new2> house"}),
             boost::test_tools::per_element());
  Rng rng(1);
  BOOST_TEST(training_caption(settings.data, both, 0, "ignored", rng) == "photo of a <new1> house");
  BOOST_TEST(training_caption(settings.data, both, 6, "ignored", rng) == "photo of a <new2> house");

  CustomDiffusionConfig config;
  config.modifier_token = "<new1>+<new2>";
  config.initializer_token = "house+house";
  config.concept_texts = {"<new1> house", "<new2> house"};
  CustomDiffusion method(config);
  BOOST_TEST(method.concept_text() == "<new1> house and <new2> house");
  BOOST_TEST(method.new_tokens() == (std::vector<std::string>{"<new1>", "<new2>"}), boost::test_tools::per_element());
  const auto before = snapshot(model);
  const auto vocab = static_cast<std::int64_t>(model.tokenizer->vocab_size());
  const std::string embedding = "text_encoder.text_model.embeddings.token_embedding.weight";
  method.attach(model);
  std::int64_t kv = 0;
  for (const auto& item : model.unet->named_parameters())
    if (item.key().find("attn2.to_k.weight") != std::string::npos || item.key().find("attn2.to_v.weight") != std::string::npos)
      kv += item.value().numel();
  BOOST_TEST(method.trainable_parameter_count() == kv + 2 * 32);  // two token rows
  const double hanok_before = fixed_draw_loss(model, hanok_set, "photo of a <new1> house");
  const double japanese_before = fixed_draw_loss(model, japanese_set, "photo of a <new2> house");
  run_finetune(model, method, settings, both, nullptr, {}, "test");
  const double hanok_after = fixed_draw_loss(model, hanok_set, "photo of a <new1> house");
  const double japanese_after = fixed_draw_loss(model, japanese_set, "photo of a <new2> house");
  BOOST_TEST(hanok_after < hanok_before, "hanok loss " << hanok_before << " -> " << hanok_after);
  BOOST_TEST(japanese_after < japanese_before, "japanese loss " << japanese_before << " -> " << japanese_after);
  const at::Tensor rows = model.text_encoder->text_model->token_embedding->weight.detach();
  BOOST_TEST(rows.size(0) == vocab + 2);
  BOOST_TEST(at::equal(rows.slice(0, 0, vocab), before.at(embedding)));
  const at::Tensor house = before.at(embedding)[single_token_id(model, "house", "test")];
  BOOST_TEST(!at::equal(rows[vocab], house));  // both new rows trained, apart
  BOOST_TEST(!at::equal(rows[vocab + 1], house));
  BOOST_TEST(!at::equal(rows[vocab], rows[vocab + 1]));

  const auto dir = temp_dir("custom_diffusion_joint");
  method.save(dir, 30);
  StableDiffusion fresh = load_stable_diffusion(kTinySD);
  std::vector<std::string> tokens = load_custom_diffusion(fresh, dir);
  std::sort(tokens.begin(), tokens.end());
  BOOST_TEST(tokens == (std::vector<std::string>{"<new1>", "<new2>"}), boost::test_tools::per_element());
  const std::string prompt = "photo of a <new1> house and a <new2> house";
  BOOST_TEST(at::equal(unet_output(fresh, prompt), unet_output(model, prompt)));
  std::filesystem::remove_all(dir);

  StableDiffusion other = load_stable_diffusion(kTinySD);
  CustomDiffusionConfig one_initializer = config;
  one_initializer.initializer_token = "house";
  BOOST_TEST(input_error_of([&] { CustomDiffusion(one_initializer).attach(other); })
                 .find("has 2 tokens but initializer_token 'house' only 1") != std::string::npos);
  CustomDiffusionConfig unused_token = config;
  unused_token.concept_texts = {"<new1> house", "a house"};
  BOOST_TEST(input_error_of([&] { CustomDiffusion(unused_token).attach(other); })
                 .find("no concept text (<new1> house, a house) contains the modifier_token '<new2>'") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_closed_form_merge_keeps_every_concepts_targets) {
  at::manual_seed(11);
  const auto W = at::randn({6, 4}, at::kDouble), W1 = at::randn({6, 4}, at::kDouble), W2 = at::randn({6, 4}, at::kDouble);
  const auto R = at::randn({50, 4}, at::kDouble);
  MergeConcept a{{{"k", W1}}, at::randn({2, 4}, at::kDouble)}, b{{{"k", W2}}, at::randn({1, 4}, at::kDouble)};
  const auto merged = merge_custom_diffusion({{"k", W}}, {a, b}, R).at("k");
  // The constraints hold: each concept's target features map as its own fine-tuned matrix maps them.
  BOOST_TEST(at::allclose(at::matmul(a.targets, merged.t()), at::matmul(a.targets, W1.t()), 1e-9, 1e-9));
  BOOST_TEST(at::allclose(at::matmul(b.targets, merged.t()), at::matmul(b.targets, W2.t()), 1e-9, 1e-9));
  // And W' is the closest such matrix in the regularization norm: moving along any direction
  // that keeps the constraints (E with E K_tᵀ = 0) only increases ‖(W' − W) Rᵀ‖.
  const auto K = at::cat({a.targets, b.targets});                              // [3, 4]
  const auto null_direction = at::eye(4, at::kDouble) - at::matmul(K.t(), at::matmul(at::inverse(at::matmul(K, K.t())), K));
  const auto E = at::matmul(at::randn({6, 4}, at::kDouble), null_direction);  // E Kᵀ = 0
  const double best = at::matmul(merged - W, R.t()).pow(2).sum().item<double>();
  for (double step : {-0.1, 0.1, 1.0})
    BOOST_TEST(at::matmul(merged + step * E - W, R.t()).pow(2).sum().item<double>() > best);
  // Merging concepts that did not change W gives W back.
  MergeConcept same{{{"k", W}}, a.targets};
  BOOST_TEST(at::allclose(merge_custom_diffusion({{"k", W}}, {same}, R).at("k"), W, 1e-9, 1e-9));
}

BOOST_AUTO_TEST_CASE(a_resumed_run_ends_bitwise_equal_to_an_uninterrupted_one) {
  for (const std::string name :
       {"lora", "lora_text_encoder", "textual_inversion", "dreambooth", "hypernetwork", "custom_diffusion"}) {
    BOOST_TEST_CONTEXT("method " << name) {
      const auto dir = temp_dir("resume-" + name);
      FineTuneSettings settings = tiny_settings(6);
      settings.checkpoint_every = 3;
      settings.gradient_accumulation = 2;
      settings.lr_scheduler = "cosine";
      settings.warmup_steps = 2;
      settings.min_snr_gamma = 5.0;
      settings.rescale_augmentation = name == "custom_diffusion";
      const bool with_prior = name == "dreambooth" || name == "custom_diffusion";
      auto train = [&](const std::filesystem::path& checkpoints, FineTuneRun* run_out) {
        StableDiffusion model = load_stable_diffusion(kTinySD);
        const TrainingSet set = make_training_set(model, settings.data, "test");
        const TrainingSet prior = make_training_set(
            model,
            make_training_set(model, TrainingSetOptions{"builtin:scenes?style=western&count=3", 0, 0, 0.0, "template",
                                                        {"{}"}, ""}, "test").images,
            "a photo of a house");
        std::unique_ptr<FineTuneMethod> method;
        if (name == "lora") method = std::make_unique<LoRA>(LoRAConfig{}, 1);
        if (name == "lora_text_encoder") {
          LoRAConfig config;
          config.train_text_encoder = true;
          config.text_encoder_target_modules = {"q_proj", "v_proj", "out_proj"};
          config.init = "kaiming";
          method = std::make_unique<LoRA>(config, 1);
        }
        if (name == "textual_inversion") method = std::make_unique<TextualInversion>(TextualInversionConfig{});
        if (name == "dreambooth") method = std::make_unique<DreamBooth>(DreamBoothConfig{});
        if (name == "custom_diffusion") method = std::make_unique<CustomDiffusion>(CustomDiffusionConfig{});
        if (name == "hypernetwork") {
          HypernetworkConfig config;
          config.use_dropout = true;
          config.activation_func = "relu";
          method = std::make_unique<Hypernetwork>(config, 1);
        }
        attach_method(*method, model);
        *run_out = run_finetune(model, *method, settings, set, with_prior ? &prior : nullptr, checkpoints, "test");
        std::vector<at::Tensor> out;
        for (const auto& item : method->trainable()) out.push_back(item.second.detach().clone());
        return out;
      };
      FineTuneRun whole, resumed;
      const auto uninterrupted = train(dir / "a", &whole);
      BOOST_TEST(whole.resumed_from == 0);
      BOOST_TEST(std::filesystem::exists(dir / "a" / "step-000003" / "state.safetensors"));
      // The interruption: the run stopped after its step-3 checkpoint.
      std::filesystem::create_directories(dir / "b");
      std::filesystem::copy(dir / "a" / "step-000003", dir / "b" / "step-000003");
      const auto continued = train(dir / "b", &resumed);
      BOOST_TEST(resumed.resumed_from == 3);
      BOOST_TEST(resumed.loss.size() == 6u);
      for (std::size_t i = 0; i < 6 && i < resumed.loss.size(); ++i)
        BOOST_TEST(resumed.loss[i] == whole.loss[i], "loss at step " << i);
      BOOST_TEST_REQUIRE(continued.size() == uninterrupted.size());
      for (std::size_t i = 0; i < continued.size(); ++i) BOOST_TEST(at::equal(continued[i], uninterrupted[i]));
      std::filesystem::remove_all(dir);
    }
  }
}

BOOST_AUTO_TEST_CASE(checkpoints_keep_the_newest_and_refuse_other_settings) {
  const auto dir = temp_dir("checkpoint-rules");
  FineTuneSettings settings = tiny_settings(4);
  settings.checkpoint_every = 1;
  settings.checkpoints_total_limit = 2;
  auto train = [&](const FineTuneSettings& s) {
    StableDiffusion model = load_stable_diffusion(kTinySD);
    const TrainingSet set = make_training_set(model, s.data, "test");
    LoRA method(LoRAConfig{}, 1);
    method.attach(model);
    return run_finetune(model, method, s, set, nullptr, dir / "checkpoints", "job z");
  };
  train(settings);
  std::vector<std::string> kept;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "checkpoints"))
    kept.push_back(entry.path().filename().string());
  std::sort(kept.begin(), kept.end());
  BOOST_TEST(kept == (std::vector<std::string>{"step-000003", "step-000004"}), boost::test_tools::per_element());

  // Another learning rate would not continue the same trajectory: refused, naming the folder.
  FineTuneSettings other = settings;
  other.learning_rate = 5e-3;
  const std::string message = input_error_of([&] { train(other); });
  BOOST_TEST(message.find("other training settings") != std::string::npos, message);
  BOOST_TEST(message.find("step-000004") != std::string::npos, message);

  // Damaged metadata is an InputError, not a std::stoi exception.
  const auto file = dir / "checkpoints" / "step-000004" / "state.safetensors";
  std::map<std::string, std::string> metadata;
  const auto tensors = load_tensors(file, &metadata);
  metadata["step"] = "4x";
  save_tensors(file, NamedTensors(tensors.begin(), tensors.end()), metadata);
  BOOST_TEST(input_error_of([&] { train(settings); }).find("metadata 'step' is '4x'") != std::string::npos);

  // The newest checkpoint is the largest step, not the last name in lexical order.
  const auto numbered = temp_dir("checkpoint-order");
  for (const char* name : {"step-999999", "step-1000000", "step-12x", "other"}) {
    std::filesystem::create_directories(numbered / name);
    std::ofstream(numbered / name / "state.safetensors") << "x";
  }
  BOOST_TEST(latest_checkpoint(numbered).filename().string() == "step-1000000");
  std::filesystem::remove_all(numbered);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(bad_configurations_name_the_problem) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  TextualInversionConfig ti;  // "<hanok>"
  TextualInversion(ti).attach(model);
  BOOST_TEST(input_error_of([&] { TextualInversion(ti).attach(model); }).find("already contains '<hanok>'") !=
             std::string::npos);
  model = load_stable_diffusion(kTinySD);
  TextualInversionConfig ti_init;
  ti_init.initializer_token = "a photo";
  BOOST_TEST(input_error_of([&] { TextualInversion(ti_init).attach(model); }).find("single token") !=
             std::string::npos);
  LoRAConfig rank0;
  rank0.rank = 0;
  BOOST_TEST(input_error_of([&] { LoRA(rank0, 0).attach(model); }).find("rank = 0") != std::string::npos);
  HypernetworkConfig odd;
  odd.layer_structure = {2, 1};
  BOOST_TEST(input_error_of([&] { Hypernetwork(odd, 0).attach(model); }).find("must start and end with 1") !=
             std::string::npos);
  HypernetworkConfig sizes;
  sizes.enable_sizes = {768};
  BOOST_TEST(input_error_of([&] { Hypernetwork(sizes, 0).attach(model); }).find("context widths are 32") !=
             std::string::npos);
  LoRAConfig unknown;
  unknown.target_modules = {"to_qq"};
  const std::string message = input_error_of([&] { LoRA(unknown, 0).attach(model); });
  BOOST_TEST(message.find("unknown target_modules entry 'to_qq'") != std::string::npos, message);
  BOOST_TEST(message.find("to_q") != std::string::npos);
  LoRAConfig text_typo;
  text_typo.train_text_encoder = true;
  text_typo.text_encoder_target_modules = {"q_prj"};
  const std::string text_message = input_error_of([&] { LoRA(text_typo, 0).attach(model); });
  BOOST_TEST(text_message.find("unknown text_encoder_target_modules entry 'q_prj'") != std::string::npos, text_message);
  BOOST_TEST(text_message.find("did you mean 'q_proj'") != std::string::npos, text_message);
  LoRAConfig text_in_unet;
  text_in_unet.target_modules = {"to_q", "v_proj"};
  const std::string unet_message = input_error_of([&] { LoRA(text_in_unet, 0).attach(model); });
  BOOST_TEST(unet_message.find("unknown target_modules entry 'v_proj'") != std::string::npos, unet_message);
  BOOST_TEST(unet_message.find("belongs in text_encoder_target_modules") != std::string::npos, unet_message);
  LoRAConfig no_text_targets;
  no_text_targets.train_text_encoder = true;
  no_text_targets.text_encoder_target_modules.clear();
  BOOST_TEST(input_error_of([&] { LoRA(no_text_targets, 0).attach(model); })
                 .find("text_encoder_target_modules is empty") != std::string::npos);
  CustomDiffusionConfig without_token;
  without_token.concept_text = "a house";
  BOOST_TEST(input_error_of([&] { CustomDiffusion(without_token).attach(model); })
                 .find("does not contain the modifier_token '<new1>'") != std::string::npos);
  FineTuneSettings too_many = tiny_settings();
  too_many.data.train_images = 10;
  BOOST_TEST(input_error_of([&] { make_training_set(model, too_many.data, "job x"); })
                 .find("train_images = 10 but data 'builtin:scenes?style=hanok&count=4&seed=3' has only 4 images") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_nan_loss_stops_the_job_with_the_step) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  const FineTuneSettings settings = tiny_settings(3);
  const TrainingSet set = make_training_set(model, settings.data, "test");
  LoRA method(LoRAConfig{}, 0);
  method.attach(model);
  {
    at::NoGradGuard no_grad;
    method.adapters().front().up.fill_(std::nan(""));
  }
  try {
    run_finetune(model, method, settings, set, nullptr, {}, "job y");
    BOOST_FAIL("expected the NaN loss to stop the run");
  } catch (const std::runtime_error& error) {
    BOOST_TEST(std::string(error.what()).find("job y: the loss is nan at step 1") != std::string::npos, error.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
