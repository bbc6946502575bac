// test_job_queue.cpp — the scheduler's bookkeeping: dependency order, kept jobs never
// rerun, retries on another group, failures skip what depends on them; job reports carry
// whether the shard was written, and the index lists only jobs whose shard exists; retry
// backoff doubling; preempted jobs released without using an attempt.
#include <boost/test/unit_test.hpp>

#include "core/config.h"
#include "orchestrator/job_queue.h"
#include "orchestrator/messages.h"
#include "orchestrator/scheduler.h"
#include "tests/test_kinds.h"

using namespace tunegrid;

namespace {

// warm (2 jobs, per repeat) -> mm (4 jobs: repeat × size)
Plan small_plan() {
  const KindCatalog kinds = testing::test_catalog();
  return build_plan(parse_experiment("[grid]\nrepeat = [1, 2]\nsize = [1, 2]\n"
                                     "[jobs.warm]\nkind = \"bench.noop\"\nover = [\"repeat\"]\n"
                                     "[jobs.mm]\nkind = \"bench.matmul\"\nneeds = [\"warm\"]\n",
                                     "exp.toml", {}, kinds),
                    kinds);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(job_queue)

BOOST_AUTO_TEST_CASE(hands_out_jobs_after_their_needs) {
  const Plan plan = small_plan();
  JobQueue queue(plan, {}, 0, 2);
  std::vector<std::size_t> order;
  while (!queue.settled()) {
    auto assignment = queue.next_for(0);
    BOOST_REQUIRE(assignment);
    for (std::size_t need : plan.jobs[assignment->job].needs) BOOST_TEST((queue.state(need) == JobState::done));
    order.push_back(assignment->job);
    queue.finish(assignment->job, 0, true);
  }
  BOOST_TEST(order.size() == plan.jobs.size());
  BOOST_TEST(queue.count(JobState::done) == plan.jobs.size());
}

BOOST_AUTO_TEST_CASE(kept_jobs_are_not_rerun) {
  const Plan plan = small_plan();
  std::set<std::string> done;
  std::vector<ShardEntry> earlier;
  for (const auto& job : plan.jobs)
    if (job.stage == "warm" || job.coordinates_text() == "repeat=1 size=1") {
      done.insert(job.id);
      earlier.push_back({job.id, job.kind, "done", 1});
    }
  earlier.push_back({"0123456789abcdef", "bench.noop", "done", 1});  // not in this plan: ignored
  JobQueue queue(plan, earlier, 0, 1);
  BOOST_TEST(queue.kept() == 3u);
  std::size_t ran = 0;
  while (auto assignment = queue.next_for(0)) {
    BOOST_TEST(!done.count(plan.jobs[assignment->job].id));
    queue.finish(assignment->job, 0, true);
    ++ran;
  }
  BOOST_TEST(ran == 3u);
  BOOST_TEST(queue.settled());
}

BOOST_AUTO_TEST_CASE(retry_goes_to_another_group) {
  const Plan plan = small_plan();
  JobQueue queue(plan, {{plan.jobs[0].id, plan.jobs[0].kind, "failed", 3}}, 1, 2);
  auto first = queue.next_for(0);
  BOOST_REQUIRE(first);
  BOOST_TEST(first->attempt == 4);  // numbering goes on from earlier runs
  BOOST_TEST(!first->last_attempt);
  BOOST_TEST(!queue.finish(first->job, 0, false));  // not settled: it will be retried
  auto other = queue.next_for(0);                    // group 0 gets the other ready job
  BOOST_REQUIRE(other);
  BOOST_TEST(other->job != first->job);
  auto retry = queue.next_for(1);
  BOOST_REQUIRE(retry);
  BOOST_TEST(retry->job == first->job);
  BOOST_TEST(retry->attempt == 5);
  BOOST_TEST(retry->last_attempt);
}

BOOST_AUTO_TEST_CASE(single_group_retries_on_itself) {
  const Plan plan = small_plan();
  JobQueue queue(plan, {}, 1, 1);
  auto first = queue.next_for(0);
  queue.finish(first->job, 0, false);
  auto retry = queue.next_for(0);  // no other group exists, so this one takes it again
  BOOST_REQUIRE(retry);
  BOOST_TEST(retry->job == first->job);
  BOOST_TEST(retry->attempt == 2);
}

BOOST_AUTO_TEST_CASE(final_failure_skips_dependents) {
  const Plan plan = small_plan();
  JobQueue queue(plan, {}, 0, 1);
  auto warm = queue.next_for(0);
  BOOST_TEST(warm->last_attempt);
  BOOST_TEST(queue.finish(warm->job, 0, false));
  BOOST_TEST(queue.count(JobState::failed) == 1u);
  BOOST_TEST(queue.count(JobState::skipped) == 2u);  // the mm jobs of that repeat
  std::size_t ran = 0;
  while (auto assignment = queue.next_for(0)) {
    queue.finish(assignment->job, 0, true);
    ++ran;
  }
  BOOST_TEST(ran == 3u);
  BOOST_TEST(queue.settled());
}

BOOST_AUTO_TEST_CASE(reports_carry_whether_the_shard_was_written) {
  JobReport report;
  report.job = 7;
  report.attempt = 2;
  report.ok = false;
  report.shard_written = true;
  report.seconds = 1.5;
  report.dispatch_seconds = 0.25;
  report.error = "it broke";
  JobReport back = decode_report(encode(report));
  BOOST_TEST(back.job == 7);
  BOOST_TEST(back.attempt == 2);
  BOOST_TEST(!back.ok);
  BOOST_TEST(back.shard_written);
  BOOST_TEST(back.seconds == 1.5);
  BOOST_TEST(back.dispatch_seconds == 0.25);
  BOOST_TEST(back.error == "it broke");
  report.ok = true;
  report.shard_written = false;
  back = decode_report(encode(report));
  BOOST_TEST(back.ok);
  BOOST_TEST(!back.shard_written);
}

BOOST_AUTO_TEST_CASE(index_lists_only_jobs_whose_shard_exists) {
  JobReport report;
  report.job = 0;
  report.ok = true;
  report.shard_written = true;
  BOOST_TEST(std::string(indexed_status(report)) == "done");
  report.ok = false;  // a failed shard written on the last attempt
  BOOST_TEST(std::string(indexed_status(report)) == "failed");
  report.shard_written = false;  // the shard could not be written, or an attempt that will be retried
  BOOST_TEST(indexed_status(report) == nullptr);
  report.ok = true;
  BOOST_TEST(indexed_status(report) == nullptr);
}

BOOST_AUTO_TEST_CASE(retries_wait_for_their_backoff_which_doubles) {
  const Plan plan = build_plan(parse_experiment("[jobs.a]\nkind = \"bench.noop\"\n", "exp.toml", {},
                                                testing::test_catalog()),
                               testing::test_catalog());
  JobQueue queue(plan, {}, 2, 1, 10.0);
  double now = 100;
  queue.set_clock([&] { return now; });
  auto first = queue.next_for(0);
  BOOST_REQUIRE(first);
  BOOST_TEST(!queue.finish(first->job, 0, false));
  BOOST_TEST(!queue.next_for(0));  // 10 s backoff
  BOOST_TEST(!queue.settled());
  now = 109.9;
  BOOST_TEST(!queue.next_for(0));
  now = 110;
  auto second = queue.next_for(0);
  BOOST_REQUIRE(second);
  BOOST_TEST(second->attempt == 2);
  BOOST_TEST(!queue.finish(second->job, 0, false));
  now = 129;
  BOOST_TEST(!queue.next_for(0));  // doubled: 20 s
  now = 130;
  auto third = queue.next_for(0);
  BOOST_REQUIRE(third);
  BOOST_TEST(third->last_attempt);
}

BOOST_AUTO_TEST_CASE(released_jobs_run_again_without_losing_an_attempt) {
  const Plan plan = small_plan();
  JobQueue queue(plan, {}, 0, 1);
  auto first = queue.next_for(0);
  BOOST_REQUIRE(first);
  BOOST_TEST(first->attempt == 1);
  queue.release(first->job);
  BOOST_TEST(queue.running() == 0u);
  BOOST_TEST(queue.unfinished() == plan.jobs.size());
  auto again = queue.next_for(0);
  BOOST_REQUIRE(again);
  BOOST_TEST(again->job == first->job);
  BOOST_TEST(again->attempt == 1);
  BOOST_TEST(again->last_attempt);
  queue.finish(again->job, 0, true);
  BOOST_TEST(queue.unfinished() == plan.jobs.size() - 1);
}

BOOST_AUTO_TEST_CASE(reports_carry_preemption_and_stop_requests) {
  JobReport report;
  report.job = 3;
  report.preempted = true;
  JobReport back = decode_report(encode(report));
  BOOST_TEST(back.preempted);
  BOOST_TEST(!back.stopping);
  report.preempted = false;
  report.stopping = true;
  back = decode_report(encode(report));
  BOOST_TEST(!back.preempted);
  BOOST_TEST(back.stopping);
}

BOOST_AUTO_TEST_SUITE_END()
