// test_plan.cpp — grid expansion (cartesian product, zip groups, partial `over`), the
// dependency DAG (matching on shared axes, order, cycles) and job ids (stable across runs
// and whatever the axis order); grids counted before they are expanded (too large, empty),
// stages a narrowed axis empties, and planning stopped by a stop request.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <set>

#include "core/config.h"
#include "core/errors.h"
#include "core/plan.h"
#include "core/stop_request.h"
#include "tests/test_kinds.h"

using namespace tunegrid;

namespace {

Plan plan_of(const std::string& text) {
  const KindCatalog kinds = testing::test_catalog();
  return build_plan(parse_experiment(text, "exp.toml", {}, kinds), kinds);
}

std::set<std::string> ids_of(const Plan& plan) {
  std::set<std::string> ids;
  for (const auto& job : plan.jobs) ids.insert(job.id);
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plan)

BOOST_AUTO_TEST_CASE(cartesian_product_counts) {
  const Plan plan = plan_of(
      "[grid]\nsize = [1, 2, 3]\ndtype = [\"float32\", \"float64\"]\nseed = [0, 1]\n"
      "[jobs.mm]\nkind = \"bench.matmul\"\n");
  BOOST_TEST(plan.jobs.size() == 12u);
  BOOST_TEST(ids_of(plan).size() == 12u);
  // Axis values that name parameters become parameters; the others stay coordinates.
  const Job& job = plan.jobs.front();
  BOOST_TEST(job.param("size").as_integer() >= 1);
  BOOST_TEST(job.param("repeats").as_integer() == 3);  // the kind's default
  BOOST_TEST(job.params.count("seed") == 0u);
  BOOST_TEST(job.coordinates.size() == 3u);
}

BOOST_AUTO_TEST_CASE(zip_pairs_axes) {
  const Plan plan = plan_of(
      "[grid]\nreal = [8, 7, 6]\nsynthetic = [2, 3, 4]\nseed = [0, 1]\nzip = [[\"real\", \"synthetic\"]]\n"
      "[jobs.mix]\nkind = \"bench.noop\"\n");
  BOOST_TEST(plan.jobs.size() == 6u);  // 3 pairs × 2 seeds, not 3 × 3 × 2
  for (const auto& job : plan.jobs) {
    std::int64_t real = 0, synthetic = 0;
    for (const auto& [axis, value] : job.coordinates) {
      if (axis == "real") real = value.as_integer();
      if (axis == "synthetic") synthetic = value.as_integer();
    }
    BOOST_TEST(real + synthetic == 10);
  }
}

BOOST_AUTO_TEST_CASE(ids_are_stable_across_runs_and_axis_orders) {
  const char* a = "[grid]\nsize = [1, 2]\ndtype = [\"float32\", \"float64\"]\n[jobs.mm]\nkind = \"bench.matmul\"\n";
  const char* b = "[grid]\ndtype = [\"float64\", \"float32\"]\nsize = [2, 1]\n[jobs.mm]\nkind = \"bench.matmul\"\n"
                  "over = [\"size\", \"dtype\"]\n";
  BOOST_TEST(ids_of(plan_of(a)) == ids_of(plan_of(a)));
  BOOST_TEST(ids_of(plan_of(a)) == ids_of(plan_of(b)));
  // Pinned: an id must never change between tunegrid versions, or resumes would redo work.
  const Plan single = plan_of("[grid]\nsize = [7]\n[jobs.mm]\nkind = \"bench.matmul\"\n");
  BOOST_TEST(single.jobs.front().id == "bb63edb16a1743e2");
  // Any change of the spec changes the id.
  const Plan other = plan_of("[grid]\nsize = [8]\n[jobs.mm]\nkind = \"bench.matmul\"\n");
  BOOST_TEST(other.jobs.front().id != single.jobs.front().id);
}

BOOST_AUTO_TEST_CASE(needs_match_on_shared_axes_in_dependency_order) {
  const Plan plan = plan_of(
      "[grid]\nrepeat = [1, 2]\nsize = [1, 2, 3]\n"
      "[jobs.mm]\nkind = \"bench.matmul\"\nneeds = [\"warm\"]\n"    // listed before what it needs
      "[jobs.warm]\nkind = \"bench.noop\"\nover = [\"repeat\"]\n"
      "[jobs.all]\nkind = \"bench.noop\"\nover = []\nneeds = [\"mm\"]\n");
  BOOST_TEST(plan.jobs.size() == 2u + 6u + 1u);
  BOOST_TEST((plan.stage_order == std::vector<std::string>{"warm", "mm", "all"}));
  for (std::size_t i = 0; i < plan.jobs.size(); ++i) {
    const Job& job = plan.jobs[i];
    for (std::size_t need : job.needs) BOOST_TEST(need < i);
    if (job.stage == "mm") {
      BOOST_REQUIRE(job.needs.size() == 1u);
      BOOST_TEST((plan.jobs[job.needs[0]].coordinates.front().second == job.coordinates.front().second));  // same repeat
    }
    if (job.stage == "all") BOOST_TEST(job.needs.size() == 6u);  // fan-in over every mm job
  }
  // The spec text records the needed ids.
  BOOST_TEST(plan.spec_toml(plan.jobs.back()).find(plan.jobs[2].id) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(only_keeps_a_stages_own_coordinates_and_braces_name_axes) {
  // One stage per method, each keeping its own value of the method axis; the consumer
  // expands over the axis and names the stage of its job through "{method}".
  const std::string text =
      "[grid]\nmethod = [\"a\", \"b\"]\nsize = [1, 2]\n"
      "[jobs.a]\nkind = \"bench.noop\"\nonly = { method = \"a\" }\n"
      "[jobs.b]\nkind = \"bench.noop\"\nonly = { method = [\"b\"] }\n"
      "[jobs.use]\nkind = \"bench.noop\"\nneeds = [\"a\", \"b\"]\n"
      "[jobs.use.params]\nlabel = \"stage {method}, size {size}, prompt {}\"\n";
  const Plan plan = plan_of(text);
  BOOST_TEST(plan.jobs.size() == 2u + 2u + 4u);
  for (const auto& job : plan.jobs) {
    const std::string method = display_text(job.coordinates.front().second);
    if (job.stage != "use") {
      BOOST_TEST(method == job.stage);
      continue;
    }
    BOOST_REQUIRE(job.needs.size() == 1u);  // only the job of its own method and size
    BOOST_TEST(plan.jobs[job.needs[0]].stage == method);
    BOOST_TEST(job.param("label").as_string() ==
               "stage " + method + ", size " + display_text(job.coordinates.back().second) + ", prompt {}");
  }
  // Narrowing the axis leaves the other method's stage with no jobs.
  ExperimentOptions options;
  options.sets = {"grid.method=[\"b\"]"};
  const KindCatalog kinds = testing::test_catalog();
  const Plan narrowed = build_plan(parse_experiment(text, "exp.toml", options, kinds), kinds);
  BOOST_TEST(narrowed.jobs.size() == 2u + 2u);
  for (const auto& job : narrowed.jobs) BOOST_TEST(job.stage != "a");

  try {
    plan_of("[grid]\nsize = [1]\n[jobs.a]\nkind = \"bench.noop\"\nover = []\nonly = { size = 1 }\n");
    BOOST_FAIL("only on an axis the stage does not expand over was accepted");
  } catch (const InputError& error) {
    BOOST_TEST(std::string(error.what()).find("'jobs.a.only' names axis 'size', which the stage does not expand "
                                              "over") != std::string::npos,
               error.what());
  }
}

BOOST_AUTO_TEST_CASE(a_whole_placeholder_gives_a_typed_parameter_its_coordinate) {
  // repeats (integer) and scale (number) take the job's `trial` coordinate with their types,
  // as pretraining jobs take seed = "{pretrain_seed}".
  const Plan plan = plan_of(
      "[grid]\ntrial = [1, 2]\n[jobs.m]\nkind = \"bench.matmul\"\n"
      "[jobs.m.params]\nrepeats = \"{trial}\"\nscale = \"{trial}\"\n");
  BOOST_REQUIRE(plan.jobs.size() == 2u);
  for (const auto& job : plan.jobs) {
    const Value& trial = job.coordinates.front().second;
    BOOST_TEST(job.param("repeats").is_integer());
    BOOST_TEST(job.param("repeats").as_integer() == trial.as_integer());
    BOOST_TEST(job.param("scale").is_float());
    BOOST_TEST(job.param("scale").as_number() == static_cast<double>(trial.as_integer()));
  }
  BOOST_TEST(plan.jobs[0].id != plan.jobs[1].id);

  const auto error_of = [](const std::string& text) -> std::string {
    try {
      plan_of(text);
    } catch (const InputError& error) {
      return error.what();
    }
    return "accepted";
  };
  // An axis value that does not fit the parameter (repeats >= 1), named by the axis and the key.
  const std::string out_of_range = error_of(
      "[grid]\ntrial = [0]\n[jobs.m]\nkind = \"bench.matmul\"\n[jobs.m.params]\nrepeats = \"{trial}\"\n");
  BOOST_TEST(out_of_range.find("axis 'grid.trial' feeds parameter 'jobs.m.params.repeats'") != std::string::npos,
             out_of_range);
  // An axis the stage does not expand over, or no axis at all: the string is the wrong type.
  for (const std::string& text :
       {std::string("[grid]\ntrial = [1]\n[jobs.m]\nkind = \"bench.matmul\"\nover = []\n[jobs.m.params]\nrepeats = "
                    "\"{trial}\"\n"),
        std::string("[grid]\ntrial = [1]\n[jobs.m]\nkind = \"bench.matmul\"\n[jobs.m.params]\nrepeats = "
                    "\"{trail}\"\n")}) {
    const std::string message = error_of(text);
    BOOST_TEST(message.find("jobs.m.params.repeats") != std::string::npos, message);
    BOOST_TEST(message.find("expected an integer") != std::string::npos, message);
  }
}

BOOST_AUTO_TEST_CASE(cycles_are_rejected) {
  try {
    plan_of("[jobs.a]\nkind = \"bench.noop\"\nneeds = [\"b\"]\n[jobs.b]\nkind = \"bench.noop\"\nneeds = [\"c\"]\n"
            "[jobs.c]\nkind = \"bench.noop\"\nneeds = [\"a\"]\n");
    BOOST_FAIL("a cycle was accepted");
  } catch (const InputError& error) {
    const std::string message = error.what();
    BOOST_TEST(message.find("cycle: a -> b -> c -> a") != std::string::npos, message);
  }
}

// A grid is counted before it is expanded: 10^9 jobs are refused at once, with the count.
BOOST_AUTO_TEST_CASE(oversized_and_empty_grids_are_refused_before_expanding) {
  std::string axis = "[0";
  for (int i = 1; i < 1000; ++i) axis += ", " + std::to_string(i);
  axis += "]";
  const std::string big = "[grid]\na = " + axis + "\nb = " + axis + "\nc = " + axis + "\n[jobs.x]\nkind = \"bench.noop\"\n";
  try {
    plan_of(big);
    BOOST_FAIL("a grid of 10^9 jobs was accepted");
  } catch (const InputError& error) {
    const std::string message = error.what();
    BOOST_TEST(message.find("expands into 1000000000 jobs (x 1000000000)") != std::string::npos, message);
    BOOST_TEST(message.find("at most 1000000 jobs") != std::string::npos, message);
  }
  // `only` is counted too: the same axes, one value kept, are fine.
  BOOST_TEST(plan_of(big.substr(0, big.size() - 1) + "\nonly = { a = 1, b = 2 }\n").jobs.size() == 1000u);
  const KindCatalog kinds = testing::test_catalog();
  ExperimentOptions options;
  options.sets = {"grid.n=[3]"};
  const Experiment nothing = parse_experiment(
      "[grid]\nn = [1, 2]\n[jobs.x]\nkind = \"bench.noop\"\nonly = { n = 1 }\n", "exp.toml", options, kinds);
  try {
    build_plan(nothing, kinds);
    BOOST_FAIL("a plan without jobs was accepted");
  } catch (const InputError& error) {
    BOOST_TEST(std::string(error.what()).find("plans no job") != std::string::npos, error.what());
  }
}

// A narrowed axis may empty a stage (--set 'grid.method=["lora"]'): the plan says so.
BOOST_AUTO_TEST_CASE(stages_emptied_by_a_narrowed_axis_are_named) {
  const KindCatalog kinds = testing::test_catalog();
  ExperimentOptions options;
  options.sets = {"grid.n=[1]"};
  const Plan plan = build_plan(parse_experiment("[grid]\nn = [1, 2]\n[jobs.x]\nkind = \"bench.noop\"\nonly = { n = 2 }\n"
                                                "[jobs.y]\nkind = \"bench.noop\"\n",
                                                "exp.toml", options, kinds),
                               kinds);
  BOOST_TEST(plan.jobs.size() == 1u);
  BOOST_TEST(plan.empty_stages == std::vector<std::string>{"x"}, boost::test_tools::per_element());
  BOOST_TEST(format_plan_table(plan).find("stage 'x' has no jobs") != std::string::npos);
}

// Planning a large grid takes seconds: a stop signal meanwhile ends it (exit 3 from the
// command). In a child process: a stop request cannot be taken back.
BOOST_AUTO_TEST_CASE(a_stop_request_ends_planning) {
  const pid_t child = fork();
  if (child == 0) {
    request_stop(SIGTERM);
    try {
      plan_of("[grid]\na = [0, 1, 2]\n[jobs.x]\nkind = \"bench.noop\"\n");
    } catch (const Preempted&) {
      _exit(0);
    } catch (...) {
    }
    _exit(1);
  }
  int status = -1;
  waitpid(child, &status, 0);
  BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0), "planning went on after a stop request");
}

BOOST_AUTO_TEST_CASE(plan_table_lists_every_job_and_totals) {
  const Plan plan = plan_of("[grid]\nsize = [1, 2]\n[jobs.mm]\nkind = \"bench.matmul\"\n");
  const std::string table = format_plan_table(plan);
  for (const auto& job : plan.jobs) BOOST_TEST(table.find(job.id) != std::string::npos);
  BOOST_TEST(table.find("2 jobs (mm 2), 0 dependencies") != std::string::npos, table);
}

BOOST_AUTO_TEST_SUITE_END()
