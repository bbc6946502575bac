// test_config.cpp — experiment loading: profiles, --set overrides typed against the key
// they replace, and every bad-input path with the line and column it names.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "core/config.h"
#include "core/errors.h"
#include "core/text.h"
#include "core/toml_nesting.h"
#include "tests/input_error.h"
#include "tests/test_kinds.h"

using namespace tunegrid;

namespace {

const char* kBase = R"(# line 1
[experiment]
name = "t"

[run]
retries = 2

[grid]
size = [64, 128]
dtype = ["float32", "float64"]

[jobs.warm]
kind = "bench.noop"
over = []

[jobs.mm]
kind = "bench.matmul"
needs = ["warm"]
[jobs.mm.params]
repeats = 5

[profile.quick.grid]
size = [32]
[profile.quick.run]
retries = 0
)";

Experiment parse(const std::string& text, ExperimentOptions options = {}) {
  return parse_experiment(text, "exp.toml", options, testing::test_catalog());
}

using testing::input_error_of;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(reads_every_table) {
  const Experiment e = parse(kBase);
  BOOST_TEST(e.name == "t");
  BOOST_TEST(e.run.retries == 2);
  BOOST_TEST(e.run.ranks_per_job == 1);
  BOOST_REQUIRE(e.axes.size() == 2u);
  BOOST_TEST(e.axis("size")->values.size() == 2u);
  BOOST_REQUIRE(e.stages.size() == 2u);
  const StageConfig* mm = e.stage("mm");
  BOOST_TEST(mm->kind == "bench.matmul");
  BOOST_TEST(mm->over.size() == 2u);  // default: every axis
  BOOST_TEST(mm->needs == std::vector<std::string>{"warm"});
  BOOST_TEST(mm->params.at("repeats").as_integer() == 5);
  BOOST_TEST(e.stage("warm")->over.empty());
  BOOST_TEST(e.profiles == std::vector<std::string>{"quick"});
}

BOOST_AUTO_TEST_CASE(profile_overlays_keys) {
  ExperimentOptions options;
  options.profile = "quick";
  const Experiment e = parse(kBase, options);
  BOOST_TEST(e.axis("size")->values.size() == 1u);
  BOOST_TEST(e.axis("size")->values[0].as_integer() == 32);
  BOOST_TEST(e.run.retries == 0);
  BOOST_TEST(e.axis("dtype")->values.size() == 2u);  // untouched keys stay
  BOOST_TEST(contains(e.resolved_toml, "--profile quick"));
  BOOST_TEST(!contains(e.resolved_toml, "[profile"));
}

BOOST_AUTO_TEST_CASE(unknown_profile_suggests) {
  ExperimentOptions options;
  options.profile = "quik";
  const std::string message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "--profile quik"));
  BOOST_TEST(contains(message, "did you mean 'quick'"));
}

BOOST_AUTO_TEST_CASE(profile_with_wrong_type_names_its_line) {
  const std::string text = std::string(kBase) + "[profile.bad.run]\nretries = \"many\"\n";
  const std::string message = input_error_of([&] { parse(text); });  // checked even when not chosen
  BOOST_TEST(contains(message, "exp.toml:27:11"), message);
  BOOST_TEST(contains(message, "expects an integer"), message);
}

BOOST_AUTO_TEST_CASE(set_overrides_typed_values) {
  ExperimentOptions options;
  options.sets = {"run.retries=4", "grid.size=[256]", "jobs.mm.params.scale=2", "experiment.name=renamed"};
  const Experiment e = parse(kBase, options);
  BOOST_TEST(e.run.retries == 4);
  BOOST_TEST(e.axis("size")->values.size() == 1u);
  BOOST_TEST(e.stage("mm")->params.at("scale").as_number() == 2.0);  // integer accepted as float
  BOOST_TEST(e.name == "renamed");                                   // bare word as a string
  BOOST_TEST(contains(e.resolved_toml, "retries = 4"));
}

BOOST_AUTO_TEST_CASE(base_parameters_reach_every_stage_that_has_them) {
  // base.repeats reaches mm (bench.matmul has `repeats`) unless it sets its own; warm
  // (bench.noop) has no such parameter and is left alone; a stage over the axis keeps the axis.
  const std::string text = std::string(kBase) + "\n[base]\nrepeats = 9\nscale = 2\n[report]\ntables = \"x\"\n"
                                                "[reference.clip_score.a]\nx = [1.0]\n";
  const Experiment e = parse(text);
  BOOST_TEST(e.stage("mm")->params.at("repeats").as_integer() == 5);  // the stage's own value wins
  BOOST_TEST(e.stage("mm")->params.at("scale").as_number() == 2.0);
  BOOST_TEST(e.stage("warm")->params.count("scale") == 0u);
  BOOST_TEST(contains(e.resolved_toml, "[report]"), e.resolved_toml);  // kept for `tunegrid report`
  ExperimentOptions options;
  options.sets = {"base.scale=3"};
  BOOST_TEST(parse(text, options).stage("mm")->params.at("scale").as_number() == 3.0);

  std::string message = input_error_of([&] { parse(std::string(kBase) + "\n[base]\nmodle = \"x\"\n"); });
  BOOST_TEST(contains(message, "'base.modle' is a parameter of none of the stages' kinds"), message);
  message = input_error_of([&] { parse(std::string(kBase) + "\n[base]\nscale = \"big\"\n"); });
  BOOST_TEST(contains(message, "'base.scale' (for stage 'mm', kind 'bench.matmul')"), message);
  message = input_error_of([&] { parse("report = 3\n" + std::string(kBase)); });
  BOOST_TEST(contains(message, "'report' must be a table"), message);
}

BOOST_AUTO_TEST_CASE(set_with_wrong_type_is_refused) {
  ExperimentOptions options;
  options.sets = {"run.retries=abc"};
  std::string message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "--set 'run.retries=abc'"), message);
  BOOST_TEST(contains(message, "expects an integer"), message);
  options.sets = {"run.retries=1.5"};
  message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "expects an integer"), message);
  BOOST_TEST(contains(message, "found a float"), message);
  options.sets = {"grid.size=7"};
  message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "expects an array"), message);
  options.sets = {"retries"};
  message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "expected KEY=VALUE"), message);
}

BOOST_AUTO_TEST_CASE(set_of_unknown_key_suggests) {
  ExperimentOptions options;
  options.sets = {"run.retires=2"};
  const std::string message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "--set 'run.retires=2'"), message);
  BOOST_TEST(contains(message, "did you mean 'retries'"), message);
}

BOOST_AUTO_TEST_CASE(malformed_toml_names_line_and_column) {
  const std::string message = input_error_of([] { parse("[run]\nretries = = 2\n"); });
  BOOST_TEST(contains(message, "exp.toml:2:"), message);
  BOOST_TEST(contains(message, "invalid TOML"), message);
}

BOOST_AUTO_TEST_CASE(unknown_key_names_line_and_suggests) {
  const std::string text = "[run]\nretries = 1\nrank_per_job = 2\n[jobs.a]\nkind = \"bench.noop\"\n";
  const std::string message = input_error_of([&] { parse(text); });
  BOOST_TEST(contains(message, "exp.toml:3:1: unknown key 'run.rank_per_job'"), message);
  BOOST_TEST(contains(message, "did you mean 'ranks_per_job'"), message);
}

BOOST_AUTO_TEST_CASE(unknown_kind_and_parameter) {
  std::string message = input_error_of([] { parse("[jobs.a]\nkind = \"bench.nop\"\n"); });
  BOOST_TEST(contains(message, "exp.toml:2:8"), message);
  BOOST_TEST(contains(message, "unknown job kind 'bench.nop'"), message);
  BOOST_TEST(contains(message, "did you mean 'bench.noop'"), message);
  message = input_error_of([] { parse("[jobs.a]\nkind = \"bench.matmul\"\n[jobs.a.params]\nrepeat = 2\n"); });
  BOOST_TEST(contains(message, "exp.toml:4:1: unknown parameter"), message);
  BOOST_TEST(contains(message, "did you mean 'repeats'"), message);
}

BOOST_AUTO_TEST_CASE(wrong_types_and_ranges) {
  std::string message = input_error_of([] { parse("[jobs.a]\nkind = \"bench.matmul\"\n[jobs.a.params]\nrepeats = \"3\"\n"); });
  BOOST_TEST(contains(message, "exp.toml:4:11"), message);
  BOOST_TEST(contains(message, "expected an integer"), message);
  message = input_error_of([] { parse("[jobs.a]\nkind = \"bench.matmul\"\n[jobs.a.params]\ndtype = \"int8\"\n"); });
  BOOST_TEST(contains(message, "one of float32, float64"), message);
  message = input_error_of([] { parse("[run]\nranks_per_job = 0\n[jobs.a]\nkind = \"bench.noop\"\n"); });
  BOOST_TEST(contains(message, "exp.toml:2:17"), message);
  BOOST_TEST(contains(message, "from 1 to 1000000"), message);
}

BOOST_AUTO_TEST_CASE(empty_and_negative_axes) {
  std::string message = input_error_of([] { parse("[grid]\nsize = []\n[jobs.a]\nkind = \"bench.matmul\"\n"); });
  BOOST_TEST(contains(message, "exp.toml:2:8"), message);
  BOOST_TEST(contains(message, "is empty"), message);
  message = input_error_of([] { parse("[grid]\nsize = [64,\n  -2]\n[jobs.a]\nkind = \"bench.matmul\"\n"); });
  BOOST_TEST(contains(message, "exp.toml:3:3"), message);  // the offending element
  BOOST_TEST(contains(message, "from 1 to 2147483647"), message);
  message = input_error_of([] { parse("[grid]\nsize = 64\n[jobs.a]\nkind = \"bench.matmul\"\n"); });
  BOOST_TEST(contains(message, "non-empty array"), message);
  message = input_error_of([] { parse("[grid]\nsize = [64, 64]\n[jobs.a]\nkind = \"bench.matmul\"\n"); });
  BOOST_TEST(contains(message, "twice"), message);
}

BOOST_AUTO_TEST_CASE(zip_groups_are_checked) {
  const char* ok = "[grid]\nreal = [1, 2]\nsynthetic = [3, 4]\nzip = [[\"real\", \"synthetic\"]]\n"
                   "[jobs.a]\nkind = \"bench.noop\"\n";
  BOOST_TEST(parse(ok).zips.size() == 1u);
  std::string message = input_error_of([] {
    parse("[grid]\nreal = [1, 2]\nsynthetic = [3]\nzip = [[\"real\", \"synthetic\"]]\n[jobs.a]\nkind = \"bench.noop\"\n");
  });
  BOOST_TEST(contains(message, "equal lengths"), message);
  message = input_error_of([] {
    parse("[grid]\nreal = [1, 2]\nzip = [[\"real\", \"synth\"]]\n[jobs.a]\nkind = \"bench.noop\"\n");
  });
  BOOST_TEST(contains(message, "'synth'"), message);
  message = input_error_of([] {
    parse("[grid]\nreal = [1, 2]\nsynthetic = [3, 4]\nzip = [[\"real\", \"synthetic\"]]\n"
          "[jobs.a]\nkind = \"bench.noop\"\nover = [\"real\"]\n");
  });
  BOOST_TEST(contains(message, "part of the zipped axes"), message);
  // A zipped axis may repeat a value (real 200 with and without synthetic images); the
  // combinations may not repeat.
  const Experiment repeats = parse("[grid]\nreal = [200, 800, 200]\nsynthetic = [800, 200, 0]\n"
                                   "zip = [[\"real\", \"synthetic\"]]\n[jobs.a]\nkind = \"bench.noop\"\n");
  BOOST_TEST(repeats.axis("real")->values.size() == 3u);
  message = input_error_of([] {
    parse("[grid]\nreal = [200, 800, 200]\nsynthetic = [800, 200, 800]\nzip = [[\"real\", \"synthetic\"]]\n"
          "[jobs.a]\nkind = \"bench.noop\"\n");
  });
  BOOST_TEST(contains(message, "repeat the combination (200, 800) at positions 1 and 3"), message);
  message = input_error_of([] {
    parse("[grid]\nreal = [200, 800, 200]\nsynthetic = [800, 200, 0]\nx = [1, 2]\ny = [3, 4]\n"
          "zip = [[\"x\", \"y\"]]\n[jobs.a]\nkind = \"bench.noop\"\n");
  });
  BOOST_TEST(contains(message, "exp.toml:2:19"), message);  // the second 200
  BOOST_TEST(contains(message, "axis 'grid.real' lists 200 twice"), message);
}

BOOST_AUTO_TEST_CASE(stages_are_checked) {
  std::string message = input_error_of([] { parse("[grid]\nx = [1]\n"); });
  BOOST_TEST(contains(message, "no [jobs.NAME]"), message);
  message = input_error_of([] { parse("[jobs.a]\nkind = \"bench.noop\"\nneeds = [\"b\"]\n"); });
  BOOST_TEST(contains(message, "exp.toml:3:10"), message);
  BOOST_TEST(contains(message, "'b', which is not a stage"), message);
  message = input_error_of([] { parse("[jobs.a]\nkind = \"bench.noop\"\nover = [\"sise\"]\n[grid]\nsize = [1]\n"); });
  BOOST_TEST(contains(message, "did you mean 'size'"), message);
  message = input_error_of([] { parse("[jobs.a]\nover = []\n"); });
  BOOST_TEST(contains(message, "has no 'kind'"), message);
}

BOOST_AUTO_TEST_CASE(axis_names_must_be_usable_as_shard_attributes) {
  for (const char* name : {"\"\"", "\"a/b\"", "\"a.b\"", "\".\""}) {
    const std::string text = std::string("[grid]\nx = [1]\n") + name + " = [1, 2]\n[jobs.a]\nkind = \"bench.noop\"\n";
    const std::string message = input_error_of([&] { parse(text); });
    BOOST_TEST(contains(message, "exp.toml:3:1: axis name"), message);
    BOOST_TEST(contains(message, "without '/' or '.'"), message);
  }
  // The same from a profile names the profile's line.
  const std::string message = input_error_of([] {
    parse("[grid]\nx = [1]\n[jobs.a]\nkind = \"bench.noop\"\n[profile.p.grid]\n\"\" = [2]\n");
  });
  BOOST_TEST(contains(message, "exp.toml:6:1: axis name ''"), message);
}

BOOST_AUTO_TEST_CASE(non_finite_numbers_are_refused) {
  for (const char* value : {"nan", "inf", "-inf", "+nan"}) {
    const std::string text = std::string("[jobs.a]\nkind = \"bench.matmul\"\n[jobs.a.params]\nscale = ") + value + "\n";
    const std::string message = input_error_of([&] { parse(text); });
    BOOST_TEST(contains(message, "exp.toml:4:9: 'jobs.a.params.scale'"), message);
    BOOST_TEST(contains(message, "expected a finite number"), message);
  }
  std::string message = input_error_of([] { parse("[grid]\nscale = [1.0,\n  inf]\n[jobs.a]\nkind = \"bench.matmul\"\n"); });
  BOOST_TEST(contains(message, "exp.toml:3:3"), message);  // the axis value that feeds the parameter
  BOOST_TEST(contains(message, "expected a finite number"), message);
  ExperimentOptions options;
  options.sets = {"jobs.mm.params.scale=nan"};
  message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "--set 'jobs.mm.params.scale=nan'"), message);
  BOOST_TEST(contains(message, "expected a finite number"), message);
}

BOOST_AUTO_TEST_CASE(type_errors_show_values_as_written) {
  std::string message = input_error_of([] { parse("[jobs.a]\nkind = \"bench.matmul\"\n[jobs.a.params]\nscale = -1.0\n"); });
  BOOST_TEST(contains(message, "found float -1"), message);
  BOOST_TEST(!contains(message, "-1f"), message);
  message = input_error_of([] { parse("[jobs.a]\nkind = \"bench.matmul\"\n[jobs.a.params]\nsizes = [64, 0.5]\n"); });
  BOOST_TEST(contains(message, "found float 0.5"), message);
  BOOST_TEST(!contains(message, "0.5f"), message);
}

BOOST_AUTO_TEST_CASE(set_of_unknown_table_names_the_set_argument) {
  ExperimentOptions options;
  options.sets = {"foo.bar=1"};
  std::string message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "--set 'foo.bar=1': unknown key 'foo'"), message);
  options.sets = {"jobs.mm.parms.scale=2"};  // a table created inside an existing one
  message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "--set 'jobs.mm.parms.scale=2': unknown key 'jobs.mm.parms'"), message);
  BOOST_TEST(contains(message, "did you mean 'params'"), message);
  options.sets = {"jobs.extra.over=[]"};  // a stage created by --set, without a kind
  message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "--set 'jobs.extra.over=[]'"), message);
  BOOST_TEST(contains(message, "has no 'kind'"), message);
  // Tables created by --set print as ordinary tables in the resolved experiment.
  options.sets = {"jobs.extra.kind=bench.noop", "jobs.extra.params.sleep_ms=1"};
  const Experiment e = parse(kBase, options);
  BOOST_TEST(e.stage("extra")->params.at("sleep_ms").as_number() == 1.0);
  BOOST_TEST(contains(e.resolved_toml, "[jobs.extra.params]"), e.resolved_toml);
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_input_error) {
  const std::string message = input_error_of([] {
    load_experiment("/nonexistent/exp.toml", {}, testing::test_catalog());
  });
  BOOST_TEST(contains(message, "/nonexistent/exp.toml"), message);
}

BOOST_AUTO_TEST_CASE(paths_that_are_not_readable_files_say_what_they_are) {
  const std::string fifo = "/tmp/tunegrid-test-fifo-" + std::to_string(::getpid());
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/dev/null", "is a character device"}, {"/tmp", "is a directory"}, {fifo, "is a FIFO"},
      {"/nonexistent/exp.toml", "does not exist"}};
  for (const auto& [path, what] : cases) {
    const std::string message = input_error_of([&] { load_experiment(path, {}, testing::test_catalog()); });
    BOOST_TEST(contains(message, path + ": experiment file " + what), message);
  }
  ::unlink(fifo.c_str());
}

// Keys nested ~30,000 deep crash toml++ while it builds or destroys the tree: refused first.
BOOST_AUTO_TEST_CASE(deeply_nested_keys_are_refused_before_parsing) {
  std::string dotted = "a";
  for (int i = 0; i < 100000; ++i) dotted += ".a";
  std::string message = input_error_of([&] { parse(dotted + " = 1\n[jobs.a]\nkind = \"bench.noop\"\n"); });
  BOOST_TEST(contains(message, "exp.toml:1: keys nest 100001 levels deep"), message);
  message = input_error_of([&] { parse("[jobs.a]\nkind = \"bench.noop\"\n[" + dotted + "]\n"); });
  BOOST_TEST(contains(message, "exp.toml:3:"), message);
  std::string inline_tables = "x = ";
  for (int i = 0; i < 40; ++i) inline_tables += "{a.b = ";
  inline_tables += "1" + std::string(40, '}');
  message = input_error_of([&] { parse(inline_tables + "\n[jobs.a]\nkind = \"bench.noop\"\n"); });
  BOOST_TEST(contains(message, "levels deep"), message);
  ExperimentOptions options;
  options.sets = {dotted.substr(0, 2001) + "=1"};
  message = input_error_of([&] { parse(kBase, options); });
  BOOST_TEST(contains(message, "--set 'a.a.a"), message);
  BOOST_TEST(contains(message, "levels deep"), message);
  // What tunegrid's own files do stays well inside the limit; strings and comments are no keys.
  BOOST_TEST(measure_toml_nesting(kBase).depth == 5u);  // [profile.quick.grid] size = [32]
  BOOST_TEST(measure_toml_nesting("s = \"a.b.c.d.e.f\"\nt = '''x.y\n.z'''\n# a.b.c\n").depth == 1u);
  BOOST_TEST(measure_toml_nesting("[a.b]\nc.d = [[1], {e.f = 2}]\n").depth == 8u);  // a.b.c.d [ { e.f
}

BOOST_AUTO_TEST_CASE(experiment_names_are_one_directory_name) {
  for (const std::string name : {"", "../../x", "a/b", ".", "..", "a\\u0000b", "a\\nb"}) {
    const std::string message =
        input_error_of([&] { parse("[experiment]\nname = \"" + name + "\"\n[jobs.a]\nkind = \"bench.noop\"\n"); });
    BOOST_TEST(contains(message, "exp.toml:2:8: 'experiment.name' must be a single directory name"), message);
  }
  BOOST_TEST(parse("[experiment]\nname = \"hanok fire v2\"\n[jobs.a]\nkind = \"bench.noop\"\n").name == "hanok fire v2");
  const std::string message = input_error_of([] { parse("[run]\nout = \"\"\n[jobs.a]\nkind = \"bench.noop\"\n"); });
  BOOST_TEST(contains(message, "exp.toml:2:7: 'run.out' expects a directory path, found an empty string"), message);
}

BOOST_AUTO_TEST_CASE(limits_are_stated_in_the_message) {
  std::string message = input_error_of([] { parse("[run]\njob_timeout = 1e300\n[jobs.a]\nkind = \"bench.noop\"\n"); });
  BOOST_TEST(contains(message, "from 0 to 1e+09"), message);
  message = input_error_of([] { parse("[jobs.a]\nkind = \"bench.matmul\"\n[jobs.a.params]\nrepeats = 3000000000\n"); });
  BOOST_TEST(contains(message, "exp.toml:4:11"), message);
  BOOST_TEST(contains(message, "from 1 to 2147483647"), message);
}

// A value the axis never had would leave the stage empty, and its dependents would run as
// if it had succeeded; narrowing the axis on the command line may empty a stage on purpose.
BOOST_AUTO_TEST_CASE(only_values_must_be_values_of_their_axis) {
  const std::string text =
      "[grid]\nrepeat = [1, 2]\n[jobs.a]\nkind = \"bench.noop\"\nonly = { repeat = 99 }\n"
      "[jobs.b]\nkind = \"bench.noop\"\nneeds = [\"a\"]\n";
  const std::string message = input_error_of([&] { parse(text); });
  BOOST_TEST(contains(message, "exp.toml:5:19: 'jobs.a.only.repeat' lists 99, which is not a value of axis "
                               "'grid.repeat' (its values: 1, 2)"),
             message);
  ExperimentOptions options;
  options.sets = {"grid.repeat=[1]"};
  const Experiment narrowed = parse(
      "[grid]\nrepeat = [1, 2]\n[jobs.a]\nkind = \"bench.noop\"\nonly = { repeat = 2 }\n[jobs.b]\nkind = \"bench.noop\"\n",
      options);
  BOOST_TEST(narrowed.stage("a")->only.at("repeat").size() == 1u);
}

BOOST_AUTO_TEST_CASE(split_keeps_empty_pieces) {
  BOOST_TEST(split("<new1>+<new2>", '+') == (std::vector<std::string>{"<new1>", "<new2>"}),
             boost::test_tools::per_element());
  BOOST_TEST(split("a++b+", '+') == (std::vector<std::string>{"a", "", "b", ""}), boost::test_tools::per_element());
  BOOST_TEST(split("", '+') == std::vector<std::string>{""}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(replace_all_substitutes_every_placeholder_once) {
  BOOST_TEST(replace_all("a photo of {} and {}", "{}", "<hanok>") == "a photo of <hanok> and <hanok>");
  BOOST_TEST(replace_all("{}", "{}", "{}{}") == "{}{}");  // a replacement is never rescanned
  BOOST_TEST(replace_all("no placeholder", "{}", "x") == "no placeholder");
  BOOST_TEST(replace_all("a hanok in the fire", "hanok", "") == "a  in the fire");
  BOOST_TEST(replace_all("abc", "", "x") == "abc");
}

BOOST_AUTO_TEST_SUITE_END()
