// test_job_kinds.cpp — the benchmark job kinds on a tiny configuration built here, a
// two-step finetune.lora job with and without the text encoder, a base model of an unknown
// family refused, and device selection: CPU
// when no GPU is visible; the GPU case skips with a message on a machine without one.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "core/config.h"
#include "core/plan.h"
#include "tests/input_error.h"
#include "tests/workers/gpu_present.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/jobs/gpu_datasheets.h"
#include "workers/jobs/upstream_artifacts.h"
#include "workers/models/weights.h"
#include "workers/parallel/devices.h"
#include "workers/parallel/torch_libraries.h"

using namespace tunegrid;

namespace {

Plan plan_of(const std::string& text) {
  const KindCatalog kinds = kind_catalog();
  return build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(kinds)

BOOST_AUTO_TEST_CASE(registry_lists_kinds_with_specs) {
  BOOST_TEST(find_job_kind("bench.matmul") != nullptr);
  BOOST_TEST(find_job_kind("bench.noop") != nullptr);
  BOOST_TEST(find_job_kind("bench.nothing") == nullptr);
  for (const auto& kind : job_kinds())
    for (const auto& param : kind.spec.params) {
      Value value = param.default_value;  // every default satisfies its own spec
      BOOST_TEST(check_param(param, value).empty(), kind.spec.name << "." << param.name);
    }
}

// job_kind_list.h is the one registration: each line's spec and kind agree on the name, every
// kind is in the registry exactly once with the spec the command line validates against, and
// the torch-free ones (what a run of only such kinds executes without libtorch) are those the
// list marks so.
BOOST_AUTO_TEST_CASE(one_line_per_kind_registers_spec_and_runner) {
  std::set<std::string> listed, torch_free;
#define TUNEGRID_CHECK_KIND(id, runs_on)                                   \
  BOOST_TEST(id##_spec().name == id##_kind().spec.name, #id);             \
  listed.insert(id##_spec().name);                                        \
  if (std::string(#runs_on) == "torch_free") torch_free.insert(id##_spec().name);
  TUNEGRID_JOB_KINDS(TUNEGRID_CHECK_KIND)
#undef TUNEGRID_CHECK_KIND
  std::set<std::string> registered, specified, base;
  for (const auto& kind : job_kinds()) BOOST_TEST(registered.insert(kind.spec.name).second, kind.spec.name);
  for (const auto& spec : job_kind_specs()) specified.insert(spec.name);
  for (const auto& kind : torch_free_job_kinds()) base.insert(kind.spec.name);
  BOOST_TEST(registered == listed);
  BOOST_TEST(specified == listed);
  BOOST_TEST(base == torch_free);
  BOOST_TEST(torch_free.count("bench.noop") == 1u);
}

BOOST_AUTO_TEST_CASE(matmul_records_gflops_per_size) {
  const Plan plan = plan_of("[grid]\ndtype = [\"float32\", \"float64\"]\n[jobs.mm]\nkind = \"bench.matmul\"\n"
                            "[jobs.mm.params]\nsizes = [8, 16]\nrepeats = 2\nthreads = 1\n");
  for (const auto& job : plan.jobs) {
    JobContext context(job);
    find_job_kind(job.kind)->run(context);
    for (const char* name : {"gflops_8", "gflops_16"}) {
      BOOST_REQUIRE(context.outputs.metrics.count(name));
      BOOST_TEST(context.outputs.metrics.at(name) > 0.0);
    }
    BOOST_TEST(context.outputs.timings.at("matmul_16") > 0.0);
  }
}

BOOST_AUTO_TEST_CASE(matmul_refuses_float16_on_cpu) {
  const Plan plan = plan_of("[jobs.mm]\nkind = \"bench.matmul\"\n[jobs.mm.params]\ndtype = \"float16\"\nsizes = [8]\n");
  JobContext context(plan.jobs.front());
  BOOST_CHECK_THROW(find_job_kind("bench.matmul")->run(context), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(noop_fails_its_first_attempts) {
  const Plan plan = plan_of("[jobs.n]\nkind = \"bench.noop\"\n[jobs.n.params]\nfail_attempts = 2\n");
  JobContext context(plan.jobs.front());
  context.attempt = 2;
  BOOST_CHECK_THROW(find_job_kind("bench.noop")->run(context), std::runtime_error);
  context.attempt = 3;
  BOOST_CHECK_NO_THROW(find_job_kind("bench.noop")->run(context));
}

BOOST_AUTO_TEST_CASE(finetune_lora_adapts_the_text_encoder_when_asked) {
  // Two 2-step jobs on tiny-sd (rank 2): with train_text_encoder its 5 layers × 4 projections
  // add 20 · 2 · (32 + 32) = 2,560 parameters, and the artifact holds their keys.
  const std::string base = "[jobs.lora]\nkind = \"finetune.lora\"\n[jobs.lora.params]\nmodel = \"" +
                           std::string(TUNEGRID_SOURCE_DIR) + "/tests/fixtures/tiny-sd\"\n" +
                           "data = \"builtin:scenes?style=hanok&count=2&seed=3\"\nmax_train_steps = 2\n"
                           "train_batch_size = 2\nrank = 2\n";
  const auto dir = std::filesystem::temp_directory_path() / ("tunegrid-test-kinds-lora-" + std::to_string(::getpid()));
  std::map<bool, double> trainable;
  for (const bool text : {false, true}) {
    const Plan plan = plan_of(base + "train_text_encoder = " + (text ? "true" : "false") + "\n");
    JobContext context(plan.jobs.at(0));
    context.artifacts = dir / (text ? "te" : "unet");
    find_job_kind("finetune.lora")->run(context);
    trainable[text] = context.outputs.metrics.at("trainable_parameters");
    const auto keys = load_tensors(context.artifacts / "pytorch_lora_weights.safetensors");
    BOOST_TEST(keys.count("text_encoder.text_model.encoder.layers.4.self_attn.v_proj.lora_A.weight") == (text ? 1u : 0u));
  }
  BOOST_TEST(trainable[true] - trainable[false] == 2560.0);
  // The text-encoder targets without train_text_encoder would be ignored: refused, naming both keys.
  const Plan plan = plan_of(base + "text_encoder_target_modules = [\"q_proj\"]\n");
  JobContext context(plan.jobs.at(0));
  context.artifacts = dir / "refused";
  const std::string message = testing::input_error_of([&] { find_job_kind("finetune.lora")->run(context); });
  BOOST_TEST(message.find("'text_encoder_target_modules' = [q_proj] has no effect while 'train_text_encoder' is "
                          "false") != std::string::npos,
             message);
  std::filesystem::remove_all(dir);
}

// A base model of a family tunegrid does not fine-tune is refused before anything loads,
// naming model_index.json's key and the pipelines it does fine-tune; a method given a family
// it does not attach to (LoRA for Stable Diffusion on a FLUX folder) is refused by name.
BOOST_AUTO_TEST_CASE(finetune_refuses_a_model_family_it_does_not_know) {
  const auto dir = std::filesystem::temp_directory_path() / ("tunegrid-test-kinds-sd3-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "model_index.json") << "{\"_class_name\": \"StableDiffusion3Pipeline\"}\n";
  const auto message_for = [&](const std::filesystem::path& model) {
    const Plan plan = plan_of("[jobs.lora]\nkind = \"finetune.lora\"\n[jobs.lora.params]\nmodel = \"" +
                              model.string() + "\"\n");
    JobContext context(plan.jobs.at(0));
    context.artifacts = dir / "artifacts";
    return testing::input_error_of([&] { find_job_kind("finetune.lora")->run(context); });
  };
  const std::string unknown = message_for(dir);
  BOOST_TEST(unknown.find("key '_class_name'") != std::string::npos, unknown);
  BOOST_TEST(unknown.find("'StableDiffusion3Pipeline'; tunegrid fine-tunes StableDiffusionPipeline, FluxPipeline "
                          "folders") != std::string::npos,
             unknown);
  const std::string other_family = message_for(std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests/fixtures/tiny-flux");
  BOOST_TEST(other_family.find("lora: fine-tunes no FluxPipeline models") != std::string::npos, other_family);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(upstream_artifacts_needs_exactly_one_job_of_the_stage) {
  const Plan plan = plan_of("[jobs.n]\nkind = \"bench.noop\"\n");
  JobContext context(plan.jobs.front());
  context.upstream = {
      {"lora", "/store/artifacts/a", {}}, {"ti", "/store/artifacts/b", {}}, {"ti", "/store/artifacts/c", {}}};
  BOOST_TEST(upstream_artifacts(context, "lora", "x") == std::filesystem::path("/store/artifacts/a"));
  const std::string none = testing::input_error_of([&] { upstream_artifacts(context, "dreambooth", "sample x"); });
  BOOST_TEST(none.find("sample x: this job needs 0 job(s) of stage 'dreambooth'") != std::string::npos, none);
  const std::string two = testing::input_error_of([&] { upstream_artifacts(context, "ti", "merge y"); });
  BOOST_TEST(two.find("merge y: this job needs 2 job(s) of stage 'ti'") != std::string::npos, two);
}

// The libraries loaded are the pinned ones the build compiled against, from the build's wheel
// : not a libtorch or NCCL found elsewhere on the library path.
BOOST_AUTO_TEST_CASE(loads_the_pinned_libtorch_and_nccl) {
  std::ifstream pins(std::string(TUNEGRID_SOURCE_DIR) + "/cluster/libtorch-requirements.txt");
  std::string line, pinned;
  while (std::getline(pins, line))
    if (line.rfind("torch==", 0) == 0) pinned = line.substr(7);
  BOOST_TEST_REQUIRE(!pinned.empty());
  BOOST_CHECK_NO_THROW(check_torch_library_versions());
  bool nccl_seen = false;
  for (const LibraryVersion& library : torch_library_versions()) {
    BOOST_TEST_INFO(library.name << " " << library.loaded << " from " << library.file);
    if (library.name == "libtorch") {
      BOOST_TEST(library.loaded == pinned);
      BOOST_TEST(library.file == std::filesystem::weakly_canonical(TUNEGRID_TORCH_LIB_DIR "/libtorch_cpu.so").string());
    }
#ifdef TUNEGRID_WITH_NCCL
    if (library.name == "NCCL") {
      nccl_seen = true;
      BOOST_TEST(library.file == std::filesystem::weakly_canonical(TUNEGRID_NCCL_LIB_DIR "/libnccl.so.2").string());
    }
#endif
  }
#ifdef TUNEGRID_WITH_NCCL
  BOOST_TEST(nccl_seen);
#endif
}

BOOST_AUTO_TEST_CASE(a_library_other_than_the_builds_is_refused) {
  const std::vector<LibraryVersion> versions = {{"libtorch", "2.15.0", "2.15.0", "/venv/torch/lib/libtorch_cpu.so"},
                                                {"cuDNN", "9.26.0", "9.27.0", "", false},
                                                {"NCCL", "2.30.7", "2.28.9", "/usr/local/cuda/lib/libnccl.so.2"}};
  try {
    check_library_versions(versions);
    BOOST_FAIL("expected the NCCL 2.28.9 to be refused");
  } catch (const std::runtime_error& error) {
    BOOST_TEST(std::string(error.what()).find("this process loaded NCCL 2.28.9 from /usr/local/cuda/lib/libnccl.so.2, "
                                              "but tunegrid was built against NCCL 2.30.7") == 0,
               error.what());
  }
  BOOST_CHECK_NO_THROW(check_library_versions({versions[0], versions[1]}));  // cuDNN is libtorch's business
}

BOOST_AUTO_TEST_CASE(cpu_when_no_gpu_is_visible) {
  std::cout << describe_torch_libraries();
  if (visible_gpu_count() == 0) {
    BOOST_TEST(device_for_local_rank(0) == "cpu");
    BOOST_TEST(device_for_local_rank(5) == "cpu");
  }
}

BOOST_AUTO_TEST_CASE(gpu_per_local_rank, *boost::unit_test::precondition(testing::GpuPresent())) {
  const int gpus = visible_gpu_count();
  BOOST_TEST(device_for_local_rank(0) == "cuda:0");
  BOOST_TEST(device_for_local_rank(gpus) == "cuda:0");
  BOOST_TEST(device_for_local_rank(gpus + 1) == (gpus > 1 ? "cuda:1" : "cuda:0"));
}

// bench.devices' datasheet peaks (dense TFLOP/s) found from CUDA device names as the driver
// reports them; specific boards before families; what a GPU lacks, or an unknown GPU, has none.
BOOST_AUTO_TEST_CASE(gpu_datasheet_peaks_by_device_name) {
  BOOST_TEST(*datasheet_tflops("NVIDIA H200", "bfloat16") == 989.5);
  BOOST_TEST(*datasheet_tflops("NVIDIA H100 80GB HBM3", "tf32") == 494.5);
  BOOST_TEST(*datasheet_tflops("NVIDIA H100 PCIe", "float16") == 756.5);
  BOOST_TEST(*datasheet_tflops("NVIDIA A100-SXM4-80GB", "float32") == 19.5);
  BOOST_TEST(*datasheet_tflops("NVIDIA L4", "bfloat16") == 121.0);
  BOOST_TEST(*datasheet_tflops("NVIDIA L40S", "bfloat16") == 362.0);
  BOOST_TEST(*datasheet_tflops("Tesla V100-SXM2-32GB", "float16") == 125.0);
  BOOST_TEST(!datasheet_tflops("Tesla V100-SXM2-32GB", "bfloat16"));
  BOOST_TEST(!datasheet_tflops("NVIDIA GeForce RTX 3050", "float32"));
  BOOST_TEST(!datasheet_tflops("", "float32"));
}

BOOST_AUTO_TEST_SUITE_END()
