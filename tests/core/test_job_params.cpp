// test_job_params.cpp — a kind's parameters declared once (core/job_params.h): each
// declaration publishes its spec (name, type from the C++ type, default, bounds, choices) in
// declaration order, an experiment is checked against those specs, and the same declaration
// reads the planned job's value back with its type.
#include <boost/test/unit_test.hpp>

#include "core/config.h"
#include "core/job_params.h"
#include "core/plan.h"

using namespace tunegrid;

namespace {

struct ExampleParams : ParamList {
  Param<int> steps{*this, "steps", 10, "optimizer steps", 1.0};
  Param<double> rate{*this, "rate", 0.5, "a rate", 0.0, {}, 1.0};
  Param<bool> flip{*this, "flip", false, "flip images"};
  Param<std::string> mode{*this, "mode", "fast", "how", std::nullopt, {"fast", "exact"}};
  Param<std::vector<int>> sizes{*this, "sizes", {8, 16}, "sizes", 1.0};
  Param<std::vector<double>> weights{*this, "weights", {}, "weights"};
  Param<std::vector<std::string>> names{*this, "names", {"a"}, "names"};
};

// ExampleParams after a later version added a parameter to the kind.
struct ExampleParamsWithAddition : ExampleParams {
  AddedParam<std::string> precision{*this, "precision", "no", "an added setting", std::nullopt, {"no", "bf16"}};
};

template <class Params = ExampleParams>
Plan plan_of(const std::string& params) {
  KindCatalog kinds;
  KindSpec spec;
  spec.name = "example.kind";
  spec.params = Params().specs();
  kinds[spec.name] = spec;
  return build_plan(
      parse_experiment("[jobs.a]\nkind = \"example.kind\"\n[jobs.a.params]\n" + params, "exp.toml", {}, kinds), kinds);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(job_params)

BOOST_AUTO_TEST_CASE(declarations_publish_their_specs_in_order) {
  const std::vector<ParamSpec> specs = ExampleParams().specs();
  BOOST_REQUIRE_EQUAL(specs.size(), 7u);
  const std::vector<ParamType> types = {ParamType::integer,      ParamType::number,      ParamType::boolean,
                                        ParamType::string,       ParamType::integer_list, ParamType::number_list,
                                        ParamType::string_list};
  const std::vector<std::string> names = {"steps", "rate", "flip", "mode", "sizes", "weights", "names"};
  for (std::size_t i = 0; i < specs.size(); ++i) {
    BOOST_TEST(specs[i].name == names[i]);
    BOOST_TEST((specs[i].type == types[i]), specs[i].name);
  }
  BOOST_TEST(specs[0].default_value.is_integer());  // an int default is an integer Value, a double one a float
  BOOST_TEST(specs[1].default_value.is_float());
  BOOST_TEST(*specs[1].maximum == 1.0);
  BOOST_TEST(specs[3].choices == std::vector<std::string>({"fast", "exact"}));
  BOOST_TEST(canonical_text(specs[4].default_value) == "[8,16]");
}

BOOST_AUTO_TEST_CASE(the_declaration_reads_the_planned_value) {
  const ExampleParams params;
  const Job defaults = plan_of("").jobs.at(0);
  BOOST_TEST(params.steps.of(defaults) == 10);
  BOOST_TEST(params.sizes.of(defaults) == std::vector<int>({8, 16}));
  BOOST_TEST(params.weights.of(defaults).empty());

  const Job set = plan_of("steps = 3\nrate = 1\nflip = true\nmode = \"exact\"\nweights = [0.25, 2]\n").jobs.at(0);
  BOOST_TEST(params.steps.of(set) == 3);
  BOOST_TEST(params.rate.of(set) == 1.0);  // an integer where a number is declared
  BOOST_TEST(params.flip.of(set));
  BOOST_TEST(params.mode.of(set) == "exact");
  BOOST_TEST(params.weights.of(set) == std::vector<double>({0.25, 2.0}));
  BOOST_TEST(params.mode.where(set) == "example.kind param 'mode'");
}

BOOST_AUTO_TEST_CASE(the_declaration_bounds_what_an_experiment_may_set) {
  BOOST_CHECK_THROW(plan_of("steps = 0\n"), std::exception);
  BOOST_CHECK_THROW(plan_of("rate = 1.5\n"), std::exception);
  BOOST_CHECK_THROW(plan_of("mode = \"slow\"\n"), std::exception);
  BOOST_CHECK_THROW(plan_of("steps = \"ten\"\n"), std::exception);
  BOOST_CHECK_THROW(plan_of("stepz = 3\n"), std::exception);
}

// Results stored before a parameter was added keep their job ids; setting it gives a new id.
BOOST_AUTO_TEST_CASE(an_added_parameter_leaves_the_ids_of_its_default_unchanged) {
  const std::string before = plan_of("steps = 3\n").jobs.at(0).id;
  const Job after = plan_of<ExampleParamsWithAddition>("steps = 3\n").jobs.at(0);
  BOOST_TEST(after.id == before);
  BOOST_TEST(ExampleParamsWithAddition().precision.of(after) == "no");  // still resolved for the runner
  BOOST_TEST(plan_of<ExampleParamsWithAddition>("steps = 3\nprecision = \"no\"\n").jobs.at(0).id == before);
  BOOST_TEST(plan_of<ExampleParamsWithAddition>("steps = 3\nprecision = \"bf16\"\n").jobs.at(0).id != before);
  BOOST_CHECK_THROW(plan_of<ExampleParamsWithAddition>("precision = \"fp8\"\n"), std::exception);
  BOOST_TEST(plan_of("steps = 4\n").jobs.at(0).id != before);  // an ordinary parameter is in the id at any value
}

BOOST_AUTO_TEST_SUITE_END()
