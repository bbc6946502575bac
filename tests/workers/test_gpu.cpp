// test_gpu.cpp — the GPU paths on a real GPU (label `gpu`; every case skips with a message
// when no GPU is visible, as on the machines tunegrid is developed on — what runs here is
// the fake-device and CPU mixed-precision suites, test_device_placement.cpp and
// test_training_precision.cpp). On cuda:0: a LoRA job in fp32, bf16 and fp16 with
// gradient checkpointing trains with losses close to the CPU's (tolerances from the formats'
// unit roundoff, as on the CPU, plus TF32 off so fp32 means fp32), records the device's peak
// memory and the GPU's name in its outputs; a sample job samples and evaluates there.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "core/config.h"
#include "core/plan.h"
#include "tests/workers/gpu_present.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/parallel/device_memory.h"

using namespace tunegrid;

namespace {

const std::filesystem::path kTinySD = std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests/fixtures/tiny-sd";

// A 3-step finetune.lora job of the tiny model with `extra` params, run on `device`.
JobOutputs lora_job(const std::string& device, const std::string& extra) {
  const KindCatalog kinds = kind_catalog();
  const std::string text = "[jobs.lora]\nkind = \"finetune.lora\"\n[jobs.lora.params]\nmodel = \"" +
                           kTinySD.string() + "\"\ndata = \"builtin:scenes?style=hanok&count=4&seed=3\"\n" +
                           "train_batch_size = 2\nmax_train_steps = 3\nlearning_rate = 1e-3\n" + extra;
  const Job job = build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  JobContext context(job);
  context.device = device;
  context.artifacts = std::filesystem::temp_directory_path() /
                      ("tunegrid-test-gpu-" + std::to_string(::getpid()) + "-" + device.substr(0, 3));
  find_job_kind("finetune.lora")->run(context);
  std::filesystem::remove_all(context.artifacts);
  return context.outputs;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gpu, *boost::unit_test::precondition(testing::GpuPresent()))

BOOST_AUTO_TEST_CASE(a_lora_job_trains_on_the_gpu_in_each_precision) {
  const JobOutputs cpu = lora_job("cpu", "");
  for (const std::string precision : {"no", "bf16", "fp16"}) {
    const JobOutputs gpu =
        lora_job("cuda:0", "mixed_precision = \"" + precision + "\"\ngradient_checkpointing = true\n");
    // fp32 on the GPU: other kernels, other summation orders (1e-4 relative after 3 steps);
    // bf16 / fp16: the CPU suite's bound of 24 roundings of the format's unit roundoff.
    const double tolerance = precision == "no"     ? 1e-4
                             : precision == "bf16" ? 24.0 * std::ldexp(1.0, -8)
                                                   : 24.0 * std::ldexp(1.0, -11);
    BOOST_REQUIRE_EQUAL(gpu.loss.size(), cpu.loss.size());
    for (std::size_t i = 0; i < cpu.loss.size(); ++i)
      BOOST_TEST(std::abs(gpu.loss[i] - cpu.loss[i]) <= tolerance * std::abs(cpu.loss[i]),
                 precision << ": loss at step " << i + 1 << " " << gpu.loss[i] << " vs " << cpu.loss[i]);
    BOOST_TEST(gpu.metrics.at("peak_device_allocated_mb") > 0.0, precision);
    BOOST_TEST(gpu.metrics.at("peak_device_reserved_mb") >= gpu.metrics.at("peak_device_allocated_mb"), precision);
    if (precision == "fp16") BOOST_TEST(gpu.metrics.at("skipped_steps") == 0.0);
  }
  BOOST_TEST(!device_facts("cuda:0").at("gpu_name").empty());
}

BOOST_AUTO_TEST_CASE(a_sample_job_samples_on_the_gpu_close_to_the_cpu) {
  const KindCatalog kinds = kind_catalog();
  const std::string text = "[jobs.s]\nkind = \"sample\"\n[jobs.s.params]\nmodel = \"" + kTinySD.string() +
                           "\"\nprompt = \"a hanok\"\nimages = 2\nsteps = 3\nevaluate = false\n";
  const Job job = build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds).jobs.at(0);
  JobContext on_cpu(job), on_gpu(job);
  on_gpu.device = "cuda:0";
  set_allow_tf32(false);
  find_job_kind("sample")->run(on_cpu);
  find_job_kind("sample")->run(on_gpu);
  // Noise is drawn on the CPU for both; only kernel rounding differs, which 3 sampler steps
  // keep at the level of single 8-bit steps on average.
  const auto& a = on_cpu.outputs.images.at(0).pixels;
  const auto& b = on_gpu.outputs.images.at(0).pixels;
  BOOST_REQUIRE_EQUAL(a.size(), b.size());
  double total = 0;
  for (std::size_t i = 0; i < a.size(); ++i) total += std::abs(int(a[i]) - int(b[i]));
  BOOST_TEST(total / static_cast<double>(a.size()) <= 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
