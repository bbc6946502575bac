// test_job_progress.cpp — a job's long loop reaches the listener the worker installs, and
// one-off work (a builtin model built inside a job) is counted once however deeply nested.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>
#include <vector>

#include "core/job_progress.h"

using namespace tunegrid;

BOOST_AUTO_TEST_SUITE(job_progress)

BOOST_AUTO_TEST_CASE(steps_reach_the_listener_while_one_is_installed) {
  std::vector<long> steps;
  set_job_step_listener([&](const std::string& phase, long step, long total) {
    BOOST_TEST(phase == "training");
    BOOST_TEST(total == 3);
    steps.push_back(step);
  });
  for (long step = 1; step <= 3; ++step) report_job_step("training", step, 3);
  set_job_step_listener({});
  report_job_step("training", 4, 3);
  BOOST_TEST(steps == (std::vector<long>{1, 2, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(nested_one_off_work_counts_once) {
  const double before = one_off_seconds();
  {
    const OneOffWork outer;  // tiny-sd ...
    {
      const OneOffWork inner;  // ... building its CLIP first
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // 0.31 s once; counting the inner work twice would give 0.61 s.
  const double counted = one_off_seconds() - before;
  BOOST_TEST(counted >= 0.31);
  BOOST_TEST(counted < 0.55, counted);
}

BOOST_AUTO_TEST_SUITE_END()
