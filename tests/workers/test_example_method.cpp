// test_example_method.cpp — "how to add a fine-tuning method" (README), shown by doing it: a
// small method that exists only here, bias tuning (BitFit, Ben Zaken et al. 2022: train the
// UNet's bias vectors, nothing else), written as a method of workers/methods/ is, in the three
// parts a real one puts in its own files:
//   1. the method (bias_tuning.h / .cpp): a FineTuneMethod — what trains, what it writes;
//   2. its parameters (bias_tuning_job.h), declared once: the shared ones with its defaults,
//      then its own; the spec (bias_tuning_job_spec.cpp) publishes them;
//   3. its job kind (bias_tuning_job.cpp): the job's parameters into the method.
// plus, in the project, one line in workers/job_kind_list.h. The shared loop, the job
// runner and the scheduler are not touched. The test plans an experiment that names the kind
// (unknown parameters are refused from the declaration alone) and runs its job.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/config.h"
#include "core/plan.h"
#include "workers/job_specs.h"
#include "workers/methods/finetune_artifact.h"
#include "workers/methods/finetune_job.h"
#include "workers/methods/stable_diffusion_base.h"
#include "workers/models/weights.h"

namespace tunegrid {
namespace {

// ---- 1. the method ----------------------------------------------------------------------
struct BiasTuningConfig {
  std::string concept_text = "hanok";
};

class BiasTuning : public FineTuneMethod, public AttachesTo<StableDiffusion> {
 public:
  explicit BiasTuning(BiasTuningConfig config) : config_(std::move(config)) {}
  std::string name() const override { return "bias_tuning"; }
  void attach(StableDiffusion& model) override {
    freeze_all(model);
    for (const auto& item : model.unet->named_parameters())
      if (item.key().size() > 5 && item.key().compare(item.key().size() - 5, 5, ".bias") == 0) {
        item.value().set_requires_grad(true);
        biases_.emplace_back("unet." + item.key(), item.value());
      }
  }
  NamedTensors trainable() override { return biases_; }
  std::string concept_text() const override { return config_.concept_text; }
  void save(const std::filesystem::path& dir, int) override { save_tensors(dir / "unet_biases.safetensors", biases_); }

 private:
  BiasTuningConfig config_;
  NamedTensors biases_;
};

// ---- 2. its parameters ------------------------------------------------------------------
struct BiasTuningJobParams : FineTuneParams {
  BiasTuningJobParams() : FineTuneParams({200, 4, 1e-3, 0, 0.5, {"a photo of {}"}}) {}
  Param<std::string> instance_text{*this, "instance_text", "hanok", "what {} in prompt templates becomes"};
};

KindSpec finetune_bias_tuning_spec() {
  return finetune_kind_spec("bias_tuning", "BitFit: trains the UNet's bias vectors.", BiasTuningJobParams());
}

// ---- 3. its job kind --------------------------------------------------------------------
JobKind finetune_bias_tuning_kind() {
  auto params = std::make_shared<const BiasTuningJobParams>();
  return finetune_kind(finetune_bias_tuning_spec(), params, [params](const Job& job, const FineTuneSettings&) {
    MethodJob method_job;
    method_job.method = std::make_unique<BiasTuning>(BiasTuningConfig{params->instance_text.of(job)});
    return method_job;
  });
}

// ---- the test ---------------------------------------------------------------------------
Plan plan_with_example_kind(const std::string& params) {
  KindCatalog kinds = kind_catalog();
  kinds["finetune.bias_tuning"] = finetune_bias_tuning_spec();
  const std::string text = "[jobs.bitfit]\nkind = \"finetune.bias_tuning\"\n[jobs.bitfit.params]\nmodel = \"" +
                           std::string(TUNEGRID_SOURCE_DIR) + "/tests/fixtures/tiny-sd\"\n" + params;
  return build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds);
}

}  // namespace
}  // namespace tunegrid

using namespace tunegrid;

BOOST_AUTO_TEST_SUITE(example_method)

BOOST_AUTO_TEST_CASE(a_method_added_outside_the_shared_code_plans_and_trains) {
  // The spec the command line would check: shared parameters with this method's defaults, then its own.
  const KindSpec spec = finetune_bias_tuning_spec();
  BOOST_TEST(spec.find("learning_rate")->default_value.as_number() == 1e-3);
  BOOST_TEST(spec.params.back().name == "instance_text");
  BOOST_CHECK_THROW(plan_with_example_kind("rank = 4\n"), std::exception);  // a LoRA parameter: not this kind's

  const Plan plan = plan_with_example_kind(
      "data = \"builtin:scenes?style=hanok&count=2&seed=3\"\nmax_train_steps = 2\ntrain_batch_size = 2\n");
  JobContext context(plan.jobs.at(0));
  context.artifacts = std::filesystem::temp_directory_path() / ("tunegrid-test-bitfit-" + std::to_string(::getpid()));
  finetune_bias_tuning_kind().run(context);

  // Every UNet bias trained, nothing else: counted here from the base model, compared with what moved.
  StableDiffusion base = load_stable_diffusion(std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests/fixtures/tiny-sd");
  const auto trained = load_tensors(context.artifacts / "unet_biases.safetensors");
  std::int64_t bias_numbers = 0;
  std::size_t moved = 0;
  for (const auto& item : base.unet->named_parameters()) {
    const auto found = trained.find("unet." + item.key());
    BOOST_TEST((found != trained.end()) == (item.key().find(".bias") == item.key().size() - 5), item.key());
    if (found == trained.end()) continue;
    bias_numbers += item.value().numel();
    if (!found->second.equal(item.value())) ++moved;
  }
  BOOST_TEST(context.outputs.metrics.at("trainable_parameters") == static_cast<double>(bias_numbers));
  BOOST_TEST(moved == trained.size());
  BOOST_TEST(context.outputs.loss.size() == 2u);
  const FineTuneManifest manifest = read_finetune_manifest(context.artifacts);
  BOOST_TEST(manifest.method == "bias_tuning");
  BOOST_TEST(manifest.concept_text == "hanok");
  std::filesystem::remove_all(context.artifacts);
}

BOOST_AUTO_TEST_SUITE_END()
