// test_device_placement.cpp — jobs compute on the device their model is on. Without a GPU
// here, the device is the fake accelerator (fake_accelerator.h): libtorch's CPU kernels
// behind a second device that refuses, as CUDA does, an operator mixing its tensors with CPU
// tensors and a CPU generator filling its tensors. A fine-tuning run of every method and
// txt2img sampling on it must complete, and give what the same run gives on the CPU: the
// same CPU kernels run underneath, the fake device's copies are exact, and random
// draws are made on the CPU on both (up to the summation order of kernels the fake device
// runs on copies, a rounding difference that training may grow: the tolerances below).
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>

#include "core/config.h"
#include "core/plan.h"
#include "tests/input_error.h"
#include "tests/workers/fake_accelerator.h"
#include "tests/workers/tiny_finetune.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/data/aerial_world.h"
#include "workers/diffusion/flux_pipeline.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/methods/stable_diffusion_base.h"
#include "workers/models/conv_classifier.h"
#include "workers/models/flux.h"
#include "workers/models/stable_diffusion.h"
#include "workers/data/scene_world.h"

using namespace tunegrid;

namespace {

using testing::kTinySD;
using testing::MethodFactory;
constexpr int kSteps = testing::kTinySteps;
constexpr double kLearningRate = testing::kTinyLearningRate;

// Every method; the hypernetwork without dropout (its masks come from the device's own generator).
std::vector<std::pair<std::string, MethodFactory>> methods() { return testing::every_method(false); }

struct RunOnDevice {
  std::vector<float> loss;
  std::vector<at::Tensor> trained;  // copied to the CPU
};

// A 3-step run of `method` with the model on `device`.
RunOnDevice run_on(const c10::Device& device, const std::string& name, const MethodFactory& make) {
  StableDiffusion model = load_stable_diffusion(kTinySD);
  model.to(device);
  FineTuneSettings settings = testing::tiny_finetune_settings();
  settings.rescale_augmentation = name == "custom_diffusion";
  const TrainingSet set = make_training_set(model, settings.data, "test");
  const std::unique_ptr<FineTuneMethod> method = make();
  attach_method(*method, model);
  RunOnDevice out;
  out.loss = run_finetune(model, *method, settings, set, nullptr, {}, "test").loss;
  for (const auto& item : method->trainable()) {
    BOOST_TEST(item.second.device() == device, name << ": " << item.first);
    out.trained.push_back(item.second.detach().cpu());
  }
  return out;
}

// The largest difference of two images' 8-bit values. A float that differs by rounding only
// can round to the neighbouring level (1); more is a different image.
int largest_pixel_difference(const ImageBatch& a, const ImageBatch& b) {
  BOOST_REQUIRE_EQUAL(a.pixels.size(), b.pixels.size());
  int largest = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i)
    largest = std::max(largest, std::abs(static_cast<int>(a.pixels[i]) - static_cast<int>(b.pixels[i])));
  return largest;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(device_placement)

BOOST_AUTO_TEST_CASE(the_fake_accelerator_refuses_what_a_gpu_refuses) {
  const c10::Device fake = testing::fake_accelerator();
  const at::Tensor x = at::randn({2, 3, 8, 8}), w = at::randn({4, 3, 3, 3});
  // Computes as the CPU does, forward and backward.
  const at::Tensor wf = w.to(fake).requires_grad_(true);
  const at::Tensor y = at::conv2d(x.to(fake), wf, {}, 1, 1);
  BOOST_TEST(y.device() == fake);
  BOOST_TEST(at::equal(y.cpu(), at::conv2d(x, w, {}, 1, 1)));
  y.pow(2).mean().backward();
  BOOST_TEST(wf.grad().device() == fake);
  // Refuses a CPU tensor beside a fake one (a 0-dim CPU tensor passes, as a scalar does on CUDA).
  BOOST_CHECK_THROW(at::add(x.to(fake), x), std::exception);
  BOOST_CHECK_NO_THROW(at::add(x.to(fake), at::ones({})));
  // Refuses a CPU generator for a tensor on the device.
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(1);
  BOOST_CHECK_THROW(at::randn({3}, generator, at::TensorOptions().device(fake)), std::exception);
}

BOOST_AUTO_TEST_CASE(every_method_fine_tunes_on_the_models_device) {
  for (const auto& [name, make] : methods()) {
    const RunOnDevice on_cpu = run_on(at::kCPU, name, make);
    const RunOnDevice on_fake = run_on(testing::fake_accelerator(), name, make);
    // The first loss comes from the same weights and draws: only the kernels' summation order
    // may differ (the fake device's copies change memory layouts, and with them the CPU
    // kernels' vector paths), a few float32 ulps. Later losses follow weights that moved.
    BOOST_REQUIRE_EQUAL(on_fake.loss.size(), on_cpu.loss.size());
    for (std::size_t i = 0; i < on_cpu.loss.size(); ++i)
      BOOST_TEST(std::abs(on_fake.loss[i] - on_cpu.loss[i]) <= (i == 0 ? 1e-6 : 1e-4) * std::abs(on_cpu.loss[i]),
                 name << ": loss at step " << i + 1 << " " << on_fake.loss[i] << " vs " << on_cpu.loss[i]);
    // AdamW moves a weight by at most about lr a step whatever its gradient, so this bound
    // only catches a tensor that started elsewhere or did not train like the CPU's; the
    // losses above are what catch a wrong computation.
    const double bound = 2.0 * kSteps * kLearningRate;
    BOOST_REQUIRE_EQUAL(on_fake.trained.size(), on_cpu.trained.size());
    for (std::size_t i = 0; i < on_cpu.trained.size(); ++i)
      BOOST_TEST((on_fake.trained[i] - on_cpu.trained[i]).abs().max().item<double>() <= bound,
                 name << ": trained tensor " << i);
  }
}

// The job places its model on the device the scheduler gives it, validation images and
// checkpoints included, and resumes there; a sample job of its result runs there too.
BOOST_AUTO_TEST_CASE(a_finetune_job_trains_samples_checkpoints_resumes_and_is_sampled_on_its_device) {
  const std::string fake = testing::fake_accelerator().str();
  const auto artifacts =
      std::filesystem::temp_directory_path() / ("tunegrid-test-device-job-" + std::to_string(::getpid()));
  const KindCatalog kinds = kind_catalog();
  // Two steps, a checkpoint after each, validation images after the second.
  const std::string text = "[jobs.lora]\nkind = \"finetune.lora\"\n[jobs.lora.params]\nmodel = \"" +
                           kTinySD.string() + "\"\ndata = \"builtin:scenes?style=hanok&count=2&seed=3\"\n" +
                           "train_batch_size = 2\nmax_train_steps = 2\ncheckpointing_steps = 1\n" +
                           "validation_prompt = \"a {}\"\nvalidation_steps = 2\nnum_validation_images = 1\n";
  const Job first_job = build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  JobContext first(first_job);
  first.device = fake;
  first.artifacts = artifacts;
  find_job_kind("finetune.lora")->run(first);
  BOOST_TEST(first.outputs.images.size() == 1u);  // sample_step_2
  // Without its last checkpoint the job resumes from step 1: state loaded onto the device, step 2 trained there.
  std::filesystem::remove_all(artifacts / "checkpoints" / "step-000002");
  JobContext second(first_job);
  second.device = fake;
  second.artifacts = artifacts;
  find_job_kind("finetune.lora")->run(second);
  BOOST_TEST(second.outputs.metrics.at("resumed_from_step") == 1.0);
  BOOST_TEST(second.outputs.loss == first.outputs.loss, boost::test_tools::per_element());
  BOOST_TEST(std::filesystem::exists(artifacts / "pytorch_lora_weights.safetensors"));
  // A sample job of the result on the device: the adapters read from the file are placed beside the weights.
  const std::string sample_text = "[jobs.s]\nkind = \"sample\"\n[jobs.s.params]\nfinetuned = \"lora\"\n"
                                  "prompt = \"a {}\"\nimages = 1\nsteps = 2\nevaluate = false\n";
  const Job sample_job = build_plan(parse_experiment(sample_text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  JobContext sampled_on_cpu(sample_job), sampled_on_fake(sample_job);
  sampled_on_fake.device = fake;
  for (JobContext* context : {&sampled_on_cpu, &sampled_on_fake}) {
    context->upstream = {{"lora", artifacts, {}}};
    find_job_kind("sample")->run(*context);
  }
  BOOST_TEST(largest_pixel_difference(sampled_on_fake.outputs.images.at(0), sampled_on_cpu.outputs.images.at(0)) <= 1);
  std::filesystem::remove_all(artifacts);
}

BOOST_AUTO_TEST_CASE(a_sample_job_samples_on_its_device) {
  const KindCatalog kinds = kind_catalog();
  const std::string text = "[jobs.s]\nkind = \"sample\"\n[jobs.s.params]\nmodel = \"" + kTinySD.string() +
                           "\"\nprompt = \"a hanok\"\nimages = 2\nsteps = 3\nevaluate = false\n";
  const Job job = build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  JobContext on_cpu(job), on_fake(job);
  on_fake.device = testing::fake_accelerator().str();
  find_job_kind("sample")->run(on_cpu);
  find_job_kind("sample")->run(on_fake);
  BOOST_REQUIRE_EQUAL(on_fake.outputs.images.size(), 1u);
  BOOST_TEST(largest_pixel_difference(on_fake.outputs.images[0], on_cpu.outputs.images[0]) <= 1);
}

// Evaluators for the tests below, in a temporary folder: the tiny CLIP fixture with the tiny
// model's tokenizer, and a scene oracle with random weights (what it predicts does not
// matter here, only that it predicts the same on both devices).
struct Evaluators {
  Evaluators() : dir(std::filesystem::temp_directory_path() / ("tunegrid-test-evaluators-" + std::to_string(::getpid()))) {
    const auto fixtures = kTinySD.parent_path();
    std::filesystem::create_directories(dir / "clip");
    std::filesystem::create_symlink(fixtures / "tiny-clip" / "config.json", dir / "clip" / "config.json");
    std::filesystem::create_symlink(fixtures / "tiny-clip" / "model.safetensors", dir / "clip" / "model.safetensors");
    std::filesystem::create_directory_symlink(kTinySD / "tokenizer", dir / "clip" / "tokenizer");
    ConvClassifierConfig config;
    config.block_out_channels = {8, 16};
    config.heads = {{"style", scene_style_names()}, {"disaster", scene_disaster_names()}};
    ConvClassifier oracle(config);
    init_conv_classifier_weights(oracle, 5);
    save_conv_classifier(oracle, dir / "oracle");
  }
  ~Evaluators() { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
};

// Every metric of two runs of a job, equal up to the rounding of kernels the fake device runs
// on copies. 1e-3 relative (absolute below 1): a sample job's images come from many float32
// UNet passes and are rounded to 8 bits, so a kernel that rounds differently on some CPUs flips
// a few pixels by one level and moves clip_score and KID by ~1e-4 (seen: 2e-5 and 8e-5 on a
// Xeon whose kernels differ between the two paths); a tensor left on the wrong device or a
// skipped step moves them by far more. Accuracies are counts.
void check_same_metrics(const JobContext& on_fake, const JobContext& on_cpu) {
  BOOST_TEST(on_fake.outputs.metrics.size() == on_cpu.outputs.metrics.size());
  for (const auto& [name, value] : on_cpu.outputs.metrics)
    BOOST_TEST(std::abs(on_fake.outputs.metrics.at(name) - value) <= 1e-3 * std::max(1.0, std::abs(value)),
               name << ": " << on_fake.outputs.metrics.at(name) << " on the fake device, " << value << " on the CPU");
}

BOOST_AUTO_TEST_CASE(a_sample_job_evaluates_on_its_device) {
  const Evaluators evaluators;
  const KindCatalog kinds = kind_catalog();
  const std::string text = "[jobs.s]\nkind = \"sample\"\n[jobs.s.params]\nmodel = \"" + kTinySD.string() +
                           "\"\nstyle = \"hanok\"\ndisaster = \"fire\"\nimages = 2\nsteps = 2\n" +
                           "clip_model = \"" + (evaluators.dir / "clip").string() + "\"\noracle = \"" +
                           (evaluators.dir / "oracle").string() +
                           "\"\nreference_data = \"builtin:scenes?count=3&seed=4\"\n";
  const Job job = build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  JobContext on_cpu(job), on_fake(job);
  on_fake.device = testing::fake_accelerator().str();
  find_job_kind("sample")->run(on_cpu);
  find_job_kind("sample")->run(on_fake);
  BOOST_TEST(on_cpu.outputs.metrics.count("kid") == 1u);
  BOOST_TEST(on_cpu.outputs.metrics.count("style_accuracy") == 1u);
  check_same_metrics(on_fake, on_cpu);
}

// A FLUX folder samples through the same kind (FluxPipeline) on its device: `aerial_class` gives the
// prompt and class_accuracy; Stable Diffusion's samplers and dtype are refused by name.
BOOST_AUTO_TEST_CASE(a_flux_sample_job_samples_and_evaluates_on_its_device) {
  const Evaluators evaluators;
  const KindCatalog kinds = kind_catalog();
  const auto flux_dir = kTinySD.parent_path() / "tiny-flux";
  const auto job_with = [&](const std::string& extra) {
    const std::string text = "[jobs.s]\nkind = \"sample\"\n[jobs.s.params]\nmodel = \"" + flux_dir.string() +
                             "\"\naerial_class = \"runway\"\nimages = 2\nsteps = 3\ntrue_cfg = 2.0\n" +
                             "max_sequence_length = 24\nclip_model = \"" + (evaluators.dir / "clip").string() + "\"\n" +
                             extra;
    return build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  };
  const Job job = job_with("");
  JobContext on_cpu(job), on_fake(job);
  on_fake.device = testing::fake_accelerator().str();
  find_job_kind("sample")->run(on_cpu);
  find_job_kind("sample")->run(on_fake);
  BOOST_TEST(largest_pixel_difference(on_fake.outputs.images.at(0), on_cpu.outputs.images.at(0)) <= 1);
  BOOST_TEST(on_cpu.outputs.metrics.count("class_accuracy") == 1u);
  check_same_metrics(on_fake, on_cpu);
  // The images FluxPipeline draws for the class's prompt with these settings.
  Flux model = load_flux(flux_dir);
  Txt2ImgOptions options;
  options.prompt = aerial_prompt(parse_aerial_class("runway", "test"));
  options.num_images = 2;
  options.steps = 3;
  options.true_cfg = 2.0;
  options.max_sequence_length = 24;
  BOOST_TEST(largest_pixel_difference(flux_txt2img(model, options), on_cpu.outputs.images.at(0)) == 0);
  for (const auto& [extra, expected] : std::vector<std::pair<std::string, std::string>>{
           {"sampler = \"euler\"\n", "FlowMatchEulerDiscreteScheduler"}, {"dtype = \"float16\"\n", "float32"}}) {
    const Job refused_job = job_with(extra);
    JobContext refused(refused_job);
    const std::string error = testing::input_error_of([&] { find_job_kind("sample")->run(refused); });
    BOOST_TEST(error.find(expected) != std::string::npos, error);
  }
}

BOOST_AUTO_TEST_CASE(evaluate_classifier_runs_on_its_device) {
  const Evaluators evaluators;
  const KindCatalog kinds = kind_catalog();
  for (const char* classifier : {"oracle", "clip"}) {
    const std::string text = "[jobs.e]\nkind = \"evaluate.classifier\"\n[jobs.e.params]\nclassifier = \"" +
                             (evaluators.dir / classifier).string() +
                             "\"\ndata = \"builtin:scenes?count=6&seed=2\"\nlabel = \"style\"\n";
    const Job job = build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
    JobContext on_cpu(job), on_fake(job);
    on_fake.device = testing::fake_accelerator().str();
    find_job_kind("evaluate.classifier")->run(on_cpu);
    const std::int64_t allocations = testing::fake_allocations();
    find_job_kind("evaluate.classifier")->run(on_fake);
    BOOST_TEST_CONTEXT(classifier) {
      BOOST_TEST(testing::fake_allocations() > allocations);  // the classifier computed on the device
      check_same_metrics(on_fake, on_cpu);
    }
  }
}

BOOST_AUTO_TEST_CASE(txt2img_samples_on_the_models_device) {
  Txt2ImgOptions options;
  options.prompt = "a hanok in the fire";
  options.num_images = 2;
  options.steps = 3;
  options.seed = 11;
  StableDiffusion cpu_model = load_stable_diffusion(kTinySD);
  const ImageBatch on_cpu = txt2img(cpu_model, options);
  StableDiffusion fake_model = load_stable_diffusion(kTinySD);
  fake_model.to(testing::fake_accelerator());
  const ImageBatch on_fake = txt2img(fake_model, options);
  BOOST_TEST(largest_pixel_difference(on_fake, on_cpu) <= 1);
}

BOOST_AUTO_TEST_SUITE_END()
