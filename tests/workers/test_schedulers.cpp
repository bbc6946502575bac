// test_schedulers.cpp — parity of workers/diffusion/ (noise schedules, DDPM / DDIM / Euler-discrete
// schedulers, scheduler_config.json reading) with diffusers, against the fixtures that
// tests/reference/make_scheduler_fixtures.py writes into tests/fixtures/schedulers/. Timesteps must match
// exactly, the noise schedule bit for bit, everything else within 1e-4 absolute (plus 1e-6 relative, which
// only matters for values above 100, e.g. Euler latents at σ ≈ 4096).
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/errors.h"
#include "workers/diffusion/ddim_scheduler.h"
#include "workers/diffusion/ddpm_scheduler.h"
#include "workers/diffusion/euler_discrete_scheduler.h"
#include "workers/diffusion/noise_schedule.h"
#include "workers/diffusion/sampling_scheduler.h"
#include "workers/diffusion/scheduler_config.h"

using namespace tunegrid;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path fixture_dir = fs::path(TUNEGRID_SOURCE_DIR) / "tests" / "fixtures" / "schedulers";
const std::vector<std::string> fixture_names = {"sd1", "sd2_v", "cosine_sample", "zsnr_v"};
constexpr double abs_tolerance = 1e-4;
constexpr double rel_tolerance = 1e-6;

const json& fixture(const std::string& name) {
  static std::map<std::string, json> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    std::ifstream in(fixture_dir / (name + ".json"));
    BOOST_REQUIRE_MESSAGE(in, "missing fixture " << (fixture_dir / (name + ".json")).string()
                                                 << " (run tests/reference/make_scheduler_fixtures.py)");
    it = cache.emplace(name, json::parse(in)).first;
  }
  return it->second;
}

json config_json(const std::string& name) {
  std::ifstream in(fixture_dir / name / "scheduler_config.json");
  BOOST_REQUIRE(in);
  return json::parse(in);
}

// The fixture's config with `overrides` applied, read through scheduler_config_from_json.
SchedulerConfig config_with(const std::string& name, const json& overrides = json::object()) {
  json document = config_json(name);
  for (const auto& [key, value] : overrides.items()) document[key] = value;
  return scheduler_config_from_json(document, name + " + " + overrides.dump());
}

at::Tensor tensor_of(const json& values, std::vector<std::int64_t> shape = {}) {
  std::vector<float> data = values.get<std::vector<float>>();
  at::Tensor tensor = at::tensor(at::ArrayRef<float>(data), at::kFloat);
  return shape.empty() ? tensor : tensor.reshape(shape);
}

std::vector<float> floats_of(const at::Tensor& tensor) {
  const at::Tensor flat = tensor.to(at::kFloat).contiguous().reshape({-1});
  return std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
}

// Checks |actual − expected| ≤ abs_tolerance + rel_tolerance·|expected| element-wise, reporting the worst element.
void check_close(const at::Tensor& actual, const json& expected, const std::string& what,
                 double absolute = abs_tolerance, double relative = rel_tolerance) {
  const std::vector<float> got = floats_of(actual);
  const std::vector<float> want = expected.get<std::vector<float>>();
  BOOST_REQUIRE_MESSAGE(got.size() == want.size(), what << ": " << got.size() << " values, expected " << want.size());
  double worst = 0.0;
  std::size_t worst_index = 0;
  bool ok = true;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double diff = std::fabs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
    const bool nan_match = std::isnan(got[i]) && std::isnan(want[i]);
    if (!nan_match && !(diff <= absolute + relative * std::fabs(static_cast<double>(want[i])))) ok = false;
    if (!nan_match && !(diff <= worst)) {
      worst = diff;
      worst_index = i;
    }
  }
  BOOST_TEST_MESSAGE(what << ": max |diff| " << worst);
  BOOST_TEST(ok, what << ": max |diff| " << worst << " at [" << worst_index << "] (got " << got[worst_index]
                      << ", expected " << want[worst_index] << ")");
}

std::size_t count_bit_mismatches(const std::vector<float>& got, const json& expected) {
  const std::vector<float> want = expected.get<std::vector<float>>();
  if (got.size() != want.size()) return std::max(got.size(), want.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < got.size(); ++i) mismatches += got[i] != want[i];
  return mismatches;
}

// The deterministic stand-in for a UNet used by the fixtures: eps(x, t) = 0.1·x + 0.01·t/1000.
at::Tensor fake_model(const at::Tensor& x, double t) { return x * 0.1 + 0.01 * t / 1000; }

fs::path write_temp_config(const std::string& file_name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / "tunegrid_test_schedulers";
  fs::create_directories(dir);
  const fs::path path = dir / file_name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(schedulers)

BOOST_AUTO_TEST_CASE(config_resolves_like_diffusers) {
  for (const std::string& name : fixture_names) {
    BOOST_TEST_CONTEXT("fixture " << name) {
      const SchedulerConfig config = read_scheduler_config(fixture_dir / name / "scheduler_config.json");
      const json& ddim = fixture(name)["resolved"]["ddim"];
      const json& euler = fixture(name)["resolved"]["euler"];
      const json& ddpm = fixture(name)["resolved"]["ddpm"];
      BOOST_TEST(config.num_train_timesteps == ddim["num_train_timesteps"].get<std::int64_t>());
      BOOST_TEST(config.beta_start == ddim["beta_start"].get<double>());
      BOOST_TEST(config.beta_end == ddim["beta_end"].get<double>());
      BOOST_TEST(config.beta_schedule == ddim["beta_schedule"].get<std::string>());
      BOOST_TEST(config.prediction_type == ddim["prediction_type"].get<std::string>());
      BOOST_TEST(config.steps_offset == ddim["steps_offset"].get<std::int64_t>());
      BOOST_TEST(config.set_alpha_to_one == ddim["set_alpha_to_one"].get<bool>());
      BOOST_TEST(config.clip_sample == ddim["clip_sample"].get<bool>());
      BOOST_TEST(config.clip_sample_range == ddim["clip_sample_range"].get<double>());
      BOOST_TEST(config.thresholding == ddim["thresholding"].get<bool>());
      BOOST_TEST(config.rescale_betas_zero_snr == ddim["rescale_betas_zero_snr"].get<bool>());
      BOOST_TEST(config.variance_type == ddpm["variance_type"].get<std::string>());
      BOOST_TEST(config.timestep_spacing_or("leading") == ddim["timestep_spacing"].get<std::string>());
      BOOST_TEST(config.timestep_spacing_or("leading") == ddpm["timestep_spacing"].get<std::string>());
      BOOST_TEST(config.timestep_spacing_or("linspace") == euler["timestep_spacing"].get<std::string>());
      BOOST_TEST(config.interpolation_type == euler["interpolation_type"].get<std::string>());
      BOOST_TEST(config.final_sigmas_type == euler["final_sigmas_type"].get<std::string>());
      BOOST_TEST(config.timestep_type == euler["timestep_type"].get<std::string>());
      BOOST_TEST(config.use_karras_sigmas == euler["use_karras_sigmas"].get<bool>());
      BOOST_TEST(!config.sigma_min.has_value());
    }
  }
  // Unknown class names and keys are fine; an empty object gives diffusers' defaults.
  const SchedulerConfig defaults = read_scheduler_config(
      write_temp_config("defaults.json", R"({"_class_name": "LMSDiscreteScheduler", "skip_prk_steps": true})"));
  BOOST_TEST(defaults.class_name == "LMSDiscreteScheduler");
  BOOST_TEST(defaults.num_train_timesteps == 1000);
  BOOST_TEST(defaults.beta_start == 0.0001);
  BOOST_TEST(defaults.beta_end == 0.02);
  BOOST_TEST(defaults.beta_schedule == "linear");
  BOOST_TEST(defaults.prediction_type == "epsilon");
  BOOST_TEST(!defaults.timestep_spacing.has_value());
  BOOST_TEST(defaults.clip_sample);
  BOOST_TEST(defaults.set_alpha_to_one);
  BOOST_TEST(!defaults.rescale_betas_zero_snr);
}

BOOST_AUTO_TEST_CASE(config_errors_name_file_and_key) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"beta_schedule": "foo"})", "beta_schedule"},
      {R"({"num_train_timesteps": "1000"})", "num_train_timesteps"},
      {R"({"num_train_timesteps": 1000.5})", "num_train_timesteps"},
      {R"({"beta_start": "small"})", "beta_start"},
      {R"({"clip_sample": 1})", "clip_sample"},
      {R"({"prediction_type": "x0"})", "prediction_type"},
      {R"({"timestep_spacing": "middle"})", "timestep_spacing"},
      {R"({"use_beta_sigmas": true})", "use_beta_sigmas"},
      {R"({"use_karras_sigmas": true, "use_exponential_sigmas": true})", "use_exponential_sigmas"},
      {R"({"interpolation_type": "cubic"})", "interpolation_type"},
      {R"({"trained_betas": [0.1, 0.2]})", "trained_betas"},
      {R"({"trained_betas": "none"})", "trained_betas"},
      {R"({"_class_name": 3})", "_class_name"},
      {R"({"steps_offset": -1})", "steps_offset"},
      {R"({"final_sigmas_type": "one"})", "final_sigmas_type"},
  };
  int index = 0;
  for (const auto& [text, key] : cases) {
    const fs::path path = write_temp_config("bad_" + std::to_string(index++) + ".json", text);
    BOOST_TEST_CONTEXT(text) {
      try {
        read_scheduler_config(path);
        BOOST_ERROR("no InputError for " << text);
      } catch (const InputError& error) {
        const std::string message = error.what();
        BOOST_TEST(message.find(path.string()) != std::string::npos, message);
        BOOST_TEST(message.find("\"" + key + "\"") != std::string::npos, message);
      }
    }
  }
  for (const std::string& text : {std::string("{\"beta_start\": "), std::string("[1, 2]")}) {
    const fs::path path = write_temp_config("malformed.json", text);
    try {
      read_scheduler_config(path);
      BOOST_ERROR("no InputError for " << text);
    } catch (const InputError& error) {
      BOOST_TEST(std::string(error.what()).find(path.string()) != std::string::npos, error.what());
    }
  }
  BOOST_CHECK_THROW(read_scheduler_config(fixture_dir / "no_such_dir" / "scheduler_config.json"), InputError);
  BOOST_CHECK_THROW(make_sampling_scheduler("heun", SchedulerConfig{}), InputError);
  SchedulerConfig learned;
  learned.variance_type = "learned_range";
  BOOST_CHECK_THROW(DDPMScheduler{learned}, InputError);
}

BOOST_AUTO_TEST_CASE(noise_schedule_bit_exact) {
  for (const std::string& name : fixture_names) {
    BOOST_TEST_CONTEXT("fixture " << name) {
      const SchedulerConfig config = config_with(name);
      const NoiseSchedule schedule = make_noise_schedule(config);
      const EulerDiscreteScheduler euler(config);
      check_close(schedule.betas_tensor(), fixture(name)["betas"], "betas");
      check_close(schedule.alphas_cumprod_tensor(), fixture(name)["alphas_cumprod"], "alphas_cumprod");
      if (!config.rescale_betas_zero_snr) {
        BOOST_TEST(count_bit_mismatches(schedule.betas, fixture(name)["betas"]) == 0u);
        BOOST_TEST(count_bit_mismatches(schedule.alphas_cumprod, fixture(name)["alphas_cumprod"]) == 0u);
        BOOST_TEST(count_bit_mismatches(euler.schedule().alphas_cumprod, fixture(name)["euler_alphas_cumprod"]) == 0u);
      } else {
        // rescale_zero_terminal_snr takes a float32 sqrt; recent torch's CPU sqrt is not always correctly
        // rounded (about 0.5% of values are 1 ulp off), so here the match is to within a few ulp.
        check_close(schedule.betas_tensor(), fixture(name)["betas"], "betas (ulp)", 1e-6, 0.0);
        check_close(schedule.alphas_cumprod_tensor(), fixture(name)["alphas_cumprod"], "alphas_cumprod (ulp)", 1e-9,
                    1e-6);
        check_close(euler.schedule().alphas_cumprod_tensor(), fixture(name)["euler_alphas_cumprod"],
                    "euler alphas_cumprod (ulp)", 1e-9, 1e-6);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(inference_timesteps_and_sigmas) {
  int euler_sets = 0;
  int integer_sets = 0;
  for (const std::string& name : fixture_names) {
    for (const json& set : fixture(name)["timestep_sets"]) {
      const std::string kind = set["scheduler"].get<std::string>();
      const std::int64_t steps = set["steps"].get<std::int64_t>();
      BOOST_TEST_CONTEXT(name << " " << kind << " " << set["overrides"].dump() << " steps " << steps) {
        std::unique_ptr<SamplingScheduler> scheduler =
            make_sampling_scheduler(kind, config_with(name, set["overrides"]));
        scheduler->set_timesteps(steps);
        const at::Tensor timesteps = scheduler->timesteps();
        if (kind == "euler") {
          ++euler_sets;
          BOOST_TEST(timesteps.scalar_type() == at::kFloat);
          const auto& euler = dynamic_cast<const EulerDiscreteScheduler&>(*scheduler);
          const bool integral = set["overrides"].count("use_karras_sigmas") == 0 &&
                                set["overrides"].count("use_exponential_sigmas") == 0 &&
                                set["overrides"].count("timestep_type") == 0;
          if (integral)  // spacing-derived timesteps are exact
            BOOST_TEST(count_bit_mismatches(floats_of(timesteps), set["timesteps"]) == 0u);
          check_close(timesteps, set["timesteps"], "timesteps");
          check_close(euler.sigmas(), set["sigmas"], "sigmas");
          BOOST_TEST(std::fabs(scheduler->init_noise_sigma() - set["init_noise_sigma"].get<double>()) <= abs_tolerance);
        } else {
          ++integer_sets;
          BOOST_TEST(timesteps.scalar_type() == at::kLong);
          const std::vector<std::int64_t> expected = set["timesteps"].get<std::vector<std::int64_t>>();
          const std::vector<std::int64_t> got(timesteps.data_ptr<std::int64_t>(),
                                              timesteps.data_ptr<std::int64_t>() + timesteps.numel());
          BOOST_TEST(got == expected, boost::test_tools::per_element());
          BOOST_TEST(scheduler->init_noise_sigma() == 1.0);
        }
      }
    }
  }
  BOOST_TEST(euler_sets >= 40);
  BOOST_TEST(integer_sets >= 100);
}

BOOST_AUTO_TEST_CASE(training_noise_velocity_snr) {
  for (const std::string& name : fixture_names) {
    BOOST_TEST_CONTEXT("fixture " << name) {
      const json& training = fixture(name)["training"];
      const DDPMScheduler scheduler(config_with(name));
      const std::vector<std::int64_t> shape = training["shape"].get<std::vector<std::int64_t>>();
      const at::Tensor x0 = tensor_of(training["x0"], shape);        // [8, 4, 2, 2]
      const at::Tensor noise = tensor_of(training["noise"], shape);  // [8, 4, 2, 2]
      const std::vector<std::int64_t> steps = training["timesteps"].get<std::vector<std::int64_t>>();
      const at::Tensor timesteps = at::tensor(at::ArrayRef<std::int64_t>(steps), at::kLong);  // [8]
      check_close(scheduler.add_noise(x0, noise, timesteps), training["add_noise"], "add_noise");
      check_close(scheduler.get_velocity(x0, noise, timesteps), training["velocity"], "get_velocity");
      check_close(scheduler.training_target(x0, noise, timesteps), training["target"], "training_target");
      const at::Tensor snr = scheduler.snr(timesteps);
      BOOST_TEST(snr.sizes() == timesteps.sizes());
      check_close(snr, training["snr"], "snr");
      check_close(scheduler.min_snr_weights(timesteps, training["gamma"].get<double>()), training["min_snr_weights"],
                  "min_snr_weights");
      // int32 timesteps and float64 samples work too; the result keeps the samples' dtype.
      const at::Tensor noisy64 = scheduler.add_noise(x0.to(at::kDouble), noise.to(at::kDouble), timesteps.to(at::kInt));
      BOOST_TEST(noisy64.scalar_type() == at::kDouble);
      check_close(noisy64, training["add_noise"], "add_noise float64");
    }
  }
}

BOOST_AUTO_TEST_CASE(sampling_trajectories) {
  for (const std::string& name : fixture_names) {
    for (const json& record : fixture(name)["trajectories"]) {
      const std::string kind = record["scheduler"].get<std::string>();
      BOOST_TEST_CONTEXT(name << " " << kind) {
        std::unique_ptr<SamplingScheduler> scheduler = make_sampling_scheduler(kind, config_with(name));
        BOOST_TEST(scheduler->name() == kind);
        scheduler->set_timesteps(record["steps"].get<std::int64_t>());
        check_close(scheduler->timesteps(), record["timesteps"], "timesteps");
        at::Tensor latents = tensor_of(record["noise"], {1, 4, 4, 4}) * scheduler->init_noise_sigma();  // [1, 4, 4, 4]
        check_close(latents, record["initial"], "initial latents");
        const std::vector<float> timesteps = floats_of(scheduler->timesteps());
        const json& samples = record["samples"];
        BOOST_REQUIRE(samples.size() == timesteps.size());
        std::size_t noise_index = 0;
        for (std::int64_t i = 0; i < scheduler->num_inference_steps(); ++i) {
          const at::Tensor model_output = fake_model(scheduler->scale_model_input(latents, i), timesteps[i]);
          if (kind == "ddpm") {
            at::Tensor noise;
            if (timesteps[i] > 0) noise = tensor_of(record["step_noise"][noise_index++], {1, 4, 4, 4});
            latents = dynamic_cast<const DDPMScheduler&>(*scheduler).step(model_output, i, latents, noise);
          } else {
            latents = scheduler->step(model_output, i, latents);
          }
          check_close(latents, samples[i], "sample after step " + std::to_string(i));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(ddpm_draws_noise_from_its_generator) {
  DDPMScheduler first(config_with("cosine_sample"));  // steps_offset 0: the last timestep is 0
  DDPMScheduler second(config_with("cosine_sample"));
  first.set_timesteps(5);
  second.set_timesteps(5);
  BOOST_TEST(first.timesteps()[4].item<std::int64_t>() == 0);
  const at::Tensor sample = at::ones({1, 4, 2, 2});
  const auto run = [&](DDPMScheduler& scheduler, std::uint64_t seed) {
    scheduler.set_generator(at::detail::createCPUGenerator(seed));
    return scheduler.step(sample * 0.1, 0, sample);
  };
  BOOST_TEST(at::equal(run(first, 3), run(second, 3)));
  BOOST_TEST(!at::equal(run(first, 3), run(second, 4)));
  // With the noise given, step is deterministic; the last step (t = 0) adds none.
  const at::Tensor noise = at::ones({1, 4, 2, 2});
  BOOST_TEST(!at::equal(first.step(sample * 0.1, 0, sample, noise), first.step(sample * 0.1, 0, sample, noise * 2)));
  BOOST_TEST(at::equal(first.step(sample * 0.1, 4, sample), first.step(sample * 0.1, 4, sample, at::Tensor())));
  BOOST_CHECK_THROW(first.step(sample * 0.1, 0, sample, at::Tensor()), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(inference_step_bounds) {
  for (const std::string kind : {"ddim", "euler", "ddpm"}) {
    BOOST_TEST_CONTEXT(kind) {
      std::unique_ptr<SamplingScheduler> scheduler = make_sampling_scheduler(kind, config_with("sd1"));
      BOOST_CHECK_THROW(scheduler->set_timesteps(0), InputError);
      BOOST_CHECK_THROW(scheduler->set_timesteps(1001), InputError);
      scheduler->set_timesteps(4);
      BOOST_TEST(scheduler->num_inference_steps() == 4);
      const at::Tensor sample = at::zeros({1, 4, 2, 2});
      BOOST_CHECK_THROW(scheduler->step(sample, 4, sample), std::out_of_range);
      // Euler keeps the model output's dtype; all keep the shape.
      const at::Tensor out = scheduler->step(sample.to(at::kDouble), 0, sample.to(at::kDouble));
      BOOST_TEST(out.sizes() == sample.sizes());
      BOOST_TEST(out.scalar_type() == at::kDouble);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
