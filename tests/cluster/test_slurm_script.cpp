// test_slurm_script.cpp — `tunegrid slurm`'s batch script and site config: the sbatch
// options (one rank per GPU, --signal=B:USR2@, --requeue, the appended log), the launcher
// chosen by the site, the forwarding trap and the requeue on exit 3; site files with
// unknown keys, wrong types and unusable signals are refused with the file, line and key.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "cluster/site_config.h"
#include "cluster/slurm_script.h"
#include "core/errors.h"
#include "tests/input_error.h"

using namespace tunegrid;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <typename Body>
void expect_input_error(Body body, std::initializer_list<const char*> parts) {
  const std::string message = testing::input_error_of(body);
  for (const char* part : parts) BOOST_TEST(contains(message, part), "'" << message << "' lacks '" << part << "'");
}

SbatchInput input_with(const SiteConfig& site) {
  SbatchInput input;
  input.site = site;
  input.job_name = "tunegrid-smoke";
  input.out = "/runs/smoke";
  input.workdir = "/home/me/tunegrid";
  input.tunegrid = "/home/me/tunegrid/build/tunegrid";
  input.run_args = {"run", "/home/me/exp.toml", "--out", "/runs/smoke", "--set", "grid.seed=[1, 2]"};
  input.origin = "a test";
  return input;
}

std::filesystem::path write_site(const std::string& name, const std::string& text) {
  const auto file = std::filesystem::temp_directory_path() / name;
  std::ofstream(file) << text;
  return file;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(slurm_script)

BOOST_AUTO_TEST_CASE(default_script_stops_forwards_and_requeues) {
  SiteConfig site;
  site.gpus_per_node = 4;
  site.nodes = 2;
  site.cpus_per_task = 8;
  site.partition = "gpu";
  const std::string script = sbatch_script(input_with(site));
  for (const char* line : {"#SBATCH --nodes=2\n", "#SBATCH --ntasks-per-node=4\n", "#SBATCH --gpus-per-node=4\n",
                           "#SBATCH --cpus-per-task=8\n", "#SBATCH --partition=gpu\n", "#SBATCH --signal=B:USR2@120\n",
                           "#SBATCH --requeue\n", "#SBATCH --open-mode=append\n",
                           "#SBATCH --output=/runs/smoke/logs/slurm-%j.out\n", "trap 'forward USR2' USR2\n",
                           "trap 'forward TERM' TERM\n", "scontrol requeue \"$SLURM_JOB_ID\"", "max_requeues=3\n",
                           "if [ \"$status\" -eq 3 ] || { [ \"$stopping\" = 1 ] && [ \"$status\" -gt 128 ]; }; then", "cd /home/me/tunegrid || exit 2\n"})
    BOOST_TEST(contains(script, line), "script lacks: " << line);
  BOOST_TEST(contains(script, "mpirun -np \"${SLURM_NTASKS:-8}\" --bind-to none /home/me/tunegrid/build/tunegrid run "
                              "/home/me/exp.toml --out /runs/smoke --set 'grid.seed=[1, 2]' &\n"));
  BOOST_TEST(!contains(script, "--account"));
  BOOST_TEST(!contains(script, "--qos"));
}

BOOST_AUTO_TEST_CASE(srun_launcher_and_cpu_ranks) {
  SiteConfig site;
  site.launcher = "srun";
  site.tasks_per_node = 3;
  site.srun_args = {"--cpu-bind=cores"};
  site.setup = {"module load openmpi"};
  site.sbatch_args = {"--constraint=a100"};
  site.signal = "B:TERM@300";
  const std::string script = sbatch_script(input_with(site));
  BOOST_TEST(contains(script, "#SBATCH --ntasks-per-node=3\n"));
  BOOST_TEST(!contains(script, "--gpus-per-node"));
  BOOST_TEST(contains(script, "srun --mpi=pmix --kill-on-bad-exit=1 --cpu-bind=cores /home/me/"));
  BOOST_TEST(contains(script, "\nmodule load openmpi\n"));
  BOOST_TEST(contains(script, "#SBATCH --constraint=a100\n"));
  BOOST_TEST(contains(script, "trap 'forward TERM' TERM\n"));
  BOOST_TEST(!contains(script, "forward USR2"));
}

BOOST_AUTO_TEST_CASE(shell_words) {
  BOOST_TEST(shell_quote("/a/b-c_d.toml") == "/a/b-c_d.toml");
  BOOST_TEST(shell_quote("it's here") == "'it'\\''s here'");
  BOOST_TEST(shell_quote("") == "''");
  BOOST_TEST(shell_quote("$HOME") == "'$HOME'");
}

BOOST_AUTO_TEST_CASE(site_file_overrides_defaults) {
  const auto file = write_site("tunegrid-site-ok.toml",
                               "launcher = \"srun\"\nmpi = \"pmi2\"\nmax_requeues = 5\ngpus_per_node = 8\n"
                               "setup = [\"source /opt/env.sh\"]\ntime = \"2-00:00:00\"\n");
  const SiteConfig site = load_site_config(file);
  BOOST_TEST(site.launcher == "srun");
  BOOST_TEST(site.mpi == "pmi2");
  BOOST_TEST(site.max_requeues == 5);
  BOOST_TEST(site.ranks_per_node() == 8);
  BOOST_TEST(site.setup.size() == 1u);
  BOOST_TEST(site.signal == "B:USR2@120");
  BOOST_TEST(site.time == "2-00:00:00");
}

BOOST_AUTO_TEST_CASE(bad_site_files_name_the_key) {
  expect_input_error([] { load_site_config(write_site("tunegrid-site-a.toml", "\nlauncer = \"srun\"\n")); },
                              {"tunegrid-site-a.toml:2", "unknown key 'launcer'", "did you mean 'launcher'"});
  expect_input_error([] { load_site_config(write_site("tunegrid-site-b.toml", "nodes = \"two\"\n")); },
                              {"tunegrid-site-b.toml:1", "'nodes' expects an integer"});
  expect_input_error([] { load_site_config(write_site("tunegrid-site-c.toml", "signal = \"B:USR1@60\"\n")); },
                              {"signal 'B:USR1@60'", "not USR1"});
  expect_input_error([] { load_site_config(write_site("tunegrid-site-d.toml", "launcher = \"pbs\"\n")); },
                              {"launcher 'pbs'", "\"mpirun\" or \"srun\""});
  expect_input_error([] { load_site_config("/nonexistent/site.toml"); }, {"/nonexistent/site.toml", "no such file"});
  BOOST_TEST(signal_name("B:USR2@120") == "USR2");
  BOOST_TEST(signal_name("SIGTERM@30") == "TERM");
}

BOOST_AUTO_TEST_CASE(repository_site_file_loads) {
  const SiteConfig site = load_site_config(std::filesystem::path(TUNEGRID_SOURCE_DIR) / "cluster" / "site.toml");
  BOOST_TEST(site.signal == "B:USR2@120");
  BOOST_TEST(site.launcher == "mpirun");
}

BOOST_AUTO_TEST_SUITE_END()
