// test_training_precision.cpp — mixed precision and gradient checkpointing in the shared
// training loop (workers/methods/mixed_precision.h, workers/models/gradient_checkpoint.h),
// checked on the CPU, where libtorch autocasts in bf16 and fp16 too:
//   * every method trains in bf16 and fp16 with losses close to fp32's (tolerances from each
//     format's unit roundoff, below), its trained tensors and optimizer in fp32, and the
//     frozen weights given back bit-exact after the run;
//   * an fp16 step whose scaled gradients overflow is skipped (weights untouched), counted,
//     and the scale backs off until steps apply again;
//   * gradient checkpointing gives the gradients and the trajectory of the plain run, with
//     hypernetwork dropout drawing the same masks when its segment is recomputed;
//   * a finetune.lora job takes mixed_precision and gradient_checkpointing from its params.
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/function.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <unistd.h>

#include "core/config.h"
#include "core/plan.h"
#include "tests/workers/tiny_finetune.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/methods/mixed_precision.h"
#include "workers/methods/stable_diffusion_base.h"
#include "workers/models/stable_diffusion.h"

using namespace tunegrid;

namespace {

using testing::kTinySD;
using testing::MethodFactory;

std::vector<std::pair<std::string, MethodFactory>> methods() { return testing::every_method(true); }

struct Trained {
  FineTuneRun run;
  std::vector<at::Tensor> before, after;  // the trainable tensors
  bool frozen_weights_restored = true;    // every UNet and text encoder weight back, bit for bit
  bool trainables_in_fp32 = true;
};

std::vector<at::Tensor> copies(const NamedTensors& tensors) {
  std::vector<at::Tensor> out;
  for (const auto& item : tensors) out.push_back(item.second.detach().clone());
  return out;
}

// A run of `make` on the tiny model, `adjust` changing the settings.
Trained train(const std::string& name, const MethodFactory& make, const std::function<void(FineTuneSettings&)>& adjust) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  FineTuneSettings settings = testing::tiny_finetune_settings();
  settings.rescale_augmentation = name == "custom_diffusion";
  adjust(settings);
  const TrainingSet set = make_training_set(model, settings.data, "test");
  const std::unique_ptr<FineTuneMethod> method = make();
  attach_method(*method, model);
  std::vector<std::pair<at::Tensor, at::Tensor>> weights;  // (weight, its value before)
  for (const std::shared_ptr<torch::nn::Module>& module :
       {std::shared_ptr<torch::nn::Module>(model.unet.ptr()), std::shared_ptr<torch::nn::Module>(model.text_encoder.ptr())})
    for (const auto& p : module->parameters()) weights.emplace_back(p, p.detach().clone());
  Trained out;
  out.before = copies(method->trainable());
  out.run = run_finetune(model, *method, settings, set, nullptr, {}, "test");
  out.after = copies(method->trainable());
  for (const auto& item : method->trainable()) out.trainables_in_fp32 &= item.second.scalar_type() == at::kFloat;
  const NamedTensors trainable = method->trainable();
  for (const auto& [weight, value] : weights) {
    bool trained = false;
    for (const auto& item : trainable) trained |= weight.is_same(item.second) || weight.is_alias_of(item.second);
    if (!trained) out.frozen_weights_restored &= weight.scalar_type() == at::kFloat && at::equal(weight, value);
  }
  return out;
}

// How many nodes of the autograd graph behind `output` are checkpointed segments.
int checkpoint_nodes(const at::Tensor& output) {
  std::vector<torch::autograd::Node*> pending = {output.grad_fn().get()};
  std::set<torch::autograd::Node*> seen;
  int count = 0;
  while (!pending.empty()) {
    torch::autograd::Node* node = pending.back();
    pending.pop_back();
    if (!node || !seen.insert(node).second) continue;
    if (node->name().find("CheckpointFunction") != std::string::npos) ++count;
    for (const auto& edge : node->next_edges()) pending.push_back(edge.function.get());
  }
  return count;
}

// cos of the angle between two runs' updates of all trainable tensors.
double update_cosine(const Trained& a, const Trained& b) {
  double dot = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < a.after.size(); ++i) {
    const at::Tensor da = (a.after[i] - a.before[i]).to(at::kDouble), db = (b.after[i] - b.before[i]).to(at::kDouble);
    dot += (da * db).sum().item<double>();
    na += da.pow(2).sum().item<double>();
    nb += db.pow(2).sum().item<double>();
  }
  return dot / std::sqrt(na * nb);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(training_precision)

BOOST_AUTO_TEST_CASE(every_method_trains_in_bf16_and_fp16_close_to_fp32) {
  for (const auto& [name, make] : methods()) {
    const Trained fp32 = train(name, make, [](FineTuneSettings&) {});
    for (const std::string precision : {"bf16", "fp16"}) {
      const Trained low = train(name, make, [&](FineTuneSettings& s) { s.mixed_precision = precision; });
      // A loss is a mean over the UNet's output, which passes through about 24 rounded layers
      // of the tiny model (resnets, attentions, projections, text encoder) — each rounding at
      // most the format's unit roundoff u (bf16 2^-8, fp16 2^-11) relative — so it may move by
      // up to 24·u relative: 9.4 % in bf16, 1.2 % in fp16. Later steps also follow updates
      // that differ, within the same bound as long as training is not chaotic over 3 steps.
      const double tolerance = 24.0 * (precision == "bf16" ? std::ldexp(1.0, -8) : std::ldexp(1.0, -11));
      BOOST_REQUIRE_EQUAL(low.run.loss.size(), fp32.run.loss.size());
      for (std::size_t i = 0; i < fp32.run.loss.size(); ++i)
        BOOST_TEST(std::abs(low.run.loss[i] - fp32.run.loss[i]) <= tolerance * std::abs(fp32.run.loss[i]),
                   name << " " << precision << ": loss at step " << i + 1 << " " << low.run.loss[i] << " vs "
                        << fp32.run.loss[i]);
      // AdamW's update is about ±lr per element whatever the gradient's size: two runs agree
      // on an element's direction unless its gradient is within rounding of zero. Most of the
      // update's mass must agree (cosine 0.9: a quarter of the elements could flip sign).
      const double cosine = update_cosine(low, fp32);
      BOOST_TEST_MESSAGE(name << " " << precision << ": first loss " << low.run.loss[0] << " vs "
                              << fp32.run.loss[0] << ", cosine of the updates " << cosine);
      BOOST_TEST(low.run.loss[0] != fp32.run.loss[0], name << " " << precision << ": autocast did not engage");
      BOOST_TEST(cosine >= 0.9, name << " " << precision << ": cosine of the updates " << cosine);
      BOOST_TEST(low.run.skipped_steps == 0, name << " " << precision);
      BOOST_TEST(low.trainables_in_fp32, name << " " << precision);
      BOOST_TEST(low.frozen_weights_restored, name << " " << precision);
    }
  }
}

BOOST_AUTO_TEST_CASE(an_fp16_overflow_is_skipped_and_counted) {
  const auto all = methods();
  const auto& [name, make] = all.at(2);  // LoRA
  // At a loss scale of 2^40 the scaled gradients overflow fp16 (largest finite 65504): the
  // step is skipped and the weights stay where they were.
  const Trained skipped = train(name, make, [](FineTuneSettings& s) {
    s.mixed_precision = "fp16";
    s.initial_loss_scale = std::ldexp(1.0, 40);
    s.steps = 1;
  });
  BOOST_TEST(skipped.run.skipped_steps == 1);
  for (std::size_t i = 0; i < skipped.before.size(); ++i) BOOST_TEST(at::equal(skipped.after[i], skipped.before[i]));
  BOOST_TEST(std::isfinite(skipped.run.loss.at(0)));  // the loss itself is finite; its scaled gradients are not
  // Halving the scale at every skip, steps apply again within 40 steps; the run trains.
  const Trained recovered = train(name, make, [](FineTuneSettings& s) {
    s.mixed_precision = "fp16";
    s.initial_loss_scale = std::ldexp(1.0, 40);
    s.steps = 40;
  });
  BOOST_TEST_MESSAGE("fp16 from 2^40: " << recovered.run.skipped_steps << " of 40 steps skipped");
  BOOST_TEST(recovered.run.skipped_steps >= 1);
  BOOST_TEST(recovered.run.skipped_steps < 40);
  BOOST_TEST(!at::equal(recovered.after.back(), recovered.before.back()));
  for (const auto& tensor : recovered.after) BOOST_TEST(tensor.isfinite().all().item<bool>());
  // The same with bf16: nothing to scale, nothing skipped.
  const Trained bf16 = train(name, make, [](FineTuneSettings& s) { s.mixed_precision = "bf16"; s.steps = 1; });
  BOOST_TEST(bf16.run.skipped_steps == 0);
}

BOOST_AUTO_TEST_CASE(gradient_checkpointing_gives_the_gradients_of_the_plain_run) {
  // One backward through the whole UNet, every weight trainable, with and without
  // checkpointing: the recompute runs the same kernels on the same inputs, so the gradients
  // agree to float32 summation order (the reentrant backward adds the segments' input
  // gradients as separate terms): 1e-5 relative to each gradient's largest element.
  auto gradients = [](bool checkpointing) {
    StableDiffusion model = load_stable_diffusion(kTinySD);
    model.unet->set_gradient_checkpointing(checkpointing);
    at::manual_seed(3);
    const int size = model.unet->config.sample_size;
    const at::Tensor latents = at::randn({2, model.unet->config.in_channels, size, size});
    const at::Tensor context = at::randn({2, 5, model.unet->config.cross_attention_dim});
    const at::Tensor output = model.unet->forward(latents, at::tensor({10, 500}), context);
    // Checkpointed: one segment per resnet and per attention of every block.
    int segments = 0;
    for (const auto& block : *model.unet->down_blocks)
      segments += block->as<DownBlock>()->resnets->size() + block->as<DownBlock>()->attentions->size();
    segments += model.unet->mid_block->resnets->size() + model.unet->mid_block->attentions->size();
    for (const auto& block : *model.unet->up_blocks)
      segments += block->as<UpBlock>()->resnets->size() + block->as<UpBlock>()->attentions->size();
    BOOST_TEST(checkpoint_nodes(output) == (checkpointing ? segments : 0));
    output.pow(2).mean().backward();
    std::vector<at::Tensor> grads;
    for (const auto& p : model.unet->parameters()) grads.push_back(p.grad().clone());
    return grads;
  };
  const std::vector<at::Tensor> plain = gradients(false), checkpointed = gradients(true);
  BOOST_REQUIRE_EQUAL(plain.size(), checkpointed.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const double scale = plain[i].abs().max().item<double>();
    BOOST_TEST((checkpointed[i] - plain[i]).abs().max().item<double>() <= 1e-5 * scale + 1e-12, "tensor " << i);
  }
  // Every method's run, the text encoder checkpointed too where it trains (LoRA) and dropout
  // replayed where it draws (the hypernetwork): the same trajectory.
  for (const auto& [name, make] : methods()) {
    const Trained a = train(name, make, [](FineTuneSettings&) {});
    const Trained b = train(name, make, [](FineTuneSettings& s) { s.gradient_checkpointing = true; });
    for (std::size_t i = 0; i < a.run.loss.size(); ++i)
      BOOST_TEST(std::abs(a.run.loss[i] - b.run.loss[i]) <= 1e-5 * std::abs(a.run.loss[i]), name << " step " << i + 1);
    BOOST_TEST_MESSAGE(name << " checkpointed: loss " << b.run.loss.back() << " vs " << a.run.loss.back()
                            << ", cosine " << update_cosine(a, b));
    BOOST_TEST(update_cosine(a, b) >= 1.0 - 1e-6, name);
    BOOST_TEST(b.frozen_weights_restored, name);
  }
}

BOOST_AUTO_TEST_CASE(a_finetune_job_takes_precision_and_checkpointing_from_its_params) {
  const auto artifacts =
      std::filesystem::temp_directory_path() / ("tunegrid-test-precision-job-" + std::to_string(::getpid()));
  const KindCatalog kinds = kind_catalog();
  auto job_of = [&](const std::string& extra) {
    const std::string text = "[jobs.lora]\nkind = \"finetune.lora\"\n[jobs.lora.params]\nmodel = \"" +
                             kTinySD.string() + "\"\ndata = \"builtin:scenes?style=hanok&count=2&seed=3\"\n" +
                             "train_batch_size = 2\nmax_train_steps = 2\n" + extra;
    return build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  };
  const Job plain = job_of(""), fp16 = job_of("mixed_precision = \"fp16\"\ngradient_checkpointing = true\n");
  // The added parameters at their defaults keep the ids of stores written before them.
  BOOST_TEST(job_of("mixed_precision = \"no\"\ngradient_checkpointing = false\n").id == plain.id);
  BOOST_TEST(fp16.id != plain.id);
  JobContext context(fp16);
  context.artifacts = artifacts;
  find_job_kind("finetune.lora")->run(context);
  BOOST_TEST(context.outputs.metrics.at("skipped_steps") == 0.0);
  BOOST_TEST(context.outputs.metrics.at("samples_per_second") > 0.0);
  BOOST_TEST(context.outputs.loss.size() == 2u);
  BOOST_CHECK_THROW(job_of("mixed_precision = \"fp8\"\n"), std::exception);
  std::filesystem::remove_all(artifacts);
}

BOOST_AUTO_TEST_CASE(a_sample_job_samples_in_its_dtype) {
  const KindCatalog kinds = kind_catalog();
  auto sampled = [&](const std::string& dtype) {
    const std::string text = "[jobs.s]\nkind = \"sample\"\n[jobs.s.params]\nmodel = \"" + kTinySD.string() +
                             "\"\nprompt = \"a hanok\"\nimages = 2\nsteps = 3\nevaluate = false\ndtype = \"" +
                             dtype + "\"\n";
    const Job job = build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
    JobContext context(job);  // holds a reference to the job
    find_job_kind("sample")->run(context);
    return context.outputs.images.at(0);
  };
  const ImageBatch fp32 = sampled("float32"), bf16 = sampled("bfloat16"), fp16 = sampled("float16");
  // The same images up to each format's rounding through ~24 layers and 3 sampler steps: a
  // mean pixel difference of at most 24·u of the 255 levels (bf16: 24, fp16: 3), far below
  // what two different images differ by; and not bit-equal (the dtype was applied).
  for (const auto& [name, low, u] : {std::tuple{"bfloat16", &bf16, std::ldexp(1.0, -8)},
                                     std::tuple{"float16", &fp16, std::ldexp(1.0, -11)}}) {
    double total = 0;
    for (std::size_t i = 0; i < fp32.pixels.size(); ++i) total += std::abs(int(low->pixels[i]) - int(fp32.pixels[i]));
    const double mean = total / static_cast<double>(fp32.pixels.size());
    BOOST_TEST_MESSAGE(name << ": mean pixel difference " << mean);
    BOOST_TEST(mean <= 24.0 * u * 255.0, name);
    BOOST_TEST(low->pixels != fp32.pixels, name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
