// test_run_eta.cpp — the run's ETA: per-kind means of this run's finished jobs (one-off work
// left out by the caller), running jobs' own pace when they report it, a lower bound while a
// kind has no finished job, and no extrapolation from one kind to another.
#include <boost/test/unit_test.hpp>

#include "orchestrator/run_eta.h"

using namespace tunegrid;

BOOST_AUTO_TEST_SUITE(run_eta)

BOOST_AUTO_TEST_CASE(pending_jobs_cost_their_kinds_mean_over_the_groups) {
  EtaInput input;
  input.groups = 2;
  input.finished["sample"] = {30.0, 3};      // 10 s each
  input.finished["finetune.lora"] = {120.0, 1};
  input.pending = {{"sample", 4}, {"finetune.lora", 1}};
  const Eta eta = estimate_eta(input);
  BOOST_REQUIRE(eta.seconds);
  BOOST_TEST(*eta.seconds == (4 * 10.0 + 120.0) / 2);
  BOOST_TEST(!eta.lower_bound);
}

BOOST_AUTO_TEST_CASE(a_kind_not_timed_yet_makes_it_a_lower_bound) {
  EtaInput input;
  input.finished["sample"] = {20.0, 2};
  input.pending = {{"sample", 3}, {"finetune.dreambooth", 5}};
  const Eta eta = estimate_eta(input);
  BOOST_REQUIRE(eta.seconds);
  BOOST_TEST(*eta.seconds == 30.0);  // the DreamBooth jobs are not guessed from the samples' pace
  BOOST_TEST(eta.lower_bound);
  EtaInput nothing;
  nothing.pending = {{"finetune.lora", 2}};
  BOOST_TEST(!estimate_eta(nothing).seconds);
}

BOOST_AUTO_TEST_CASE(running_jobs_report_their_own_pace) {
  EtaInput input;
  input.groups = 4;
  input.finished["sample"] = {10.0, 1};
  // A first job building the builtin models: its loop's pace says 600 s are left.
  input.running = {{"finetune.textual_inversion", 120.0, 600.0}, {"sample", 4.0, std::nullopt}};
  const Eta eta = estimate_eta(input);
  BOOST_REQUIRE(eta.seconds);
  BOOST_TEST(*eta.seconds == 600.0);  // never less than the longest running job's remainder
  BOOST_TEST(!eta.lower_bound);
  input.running.push_back({"finetune.lora", 1.0, std::nullopt});  // no mean, no report
  BOOST_TEST(estimate_eta(input).lower_bound);
}

BOOST_AUTO_TEST_CASE(nothing_left_is_zero) {
  const Eta eta = estimate_eta({});
  BOOST_REQUIRE(eta.seconds);
  BOOST_TEST(*eta.seconds == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
