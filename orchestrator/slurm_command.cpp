// slurm_command.cpp — see slurm_command.h.
#include "orchestrator/slurm_command.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "cluster/site_config.h"
#include "cluster/slurm_script.h"
#include "core/atomic_file.h"
#include "core/config.h"
#include "core/errors.h"
#include "workers/job_specs.h"

namespace tunegrid {

namespace {

// Runs `command` with the shell; returns its exit status and sets `output` to what it printed.
int run_shell(const std::string& command, std::string& output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw InputError(fmt::format("cannot run '{}'", command));
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The site's defaults (cluster/site.toml, --site, $TUNEGRID_SITE) with the command line's
// resources over them, checked.
SiteConfig site_for(const SlurmRequest& request) {
  SiteConfig site = request.site.empty() ? default_site_config(TUNEGRID_SOURCE_DIR) : load_site_config(request.site);
  if (request.nodes >= 0) site.nodes = request.nodes;
  if (request.gpus_per_node >= 0) site.gpus_per_node = request.gpus_per_node;
  if (request.tasks_per_node >= 0) site.tasks_per_node = request.tasks_per_node;
  if (request.cpus_per_task >= 0) site.cpus_per_task = request.cpus_per_task;
  if (!request.time.empty()) site.time = request.time;
  if (!request.partition.empty()) site.partition = request.partition;
  if (!request.account.empty()) site.account = request.account;
  if (!request.qos.empty()) site.qos = request.qos;
  check_site_config(site, site.file.empty() ? "tunegrid slurm" : "tunegrid slurm (site " + site.file + ")");
  return site;
}

// The `tunegrid` launcher beside this program (orchestrator/launcher.cpp), which keeps the
// stop signals from killing a rank while it starts.
std::filesystem::path tunegrid_launcher() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) throw InputError(fmt::format("cannot find this tunegrid binary: {}", error.message()));
  return std::filesystem::exists(self.parent_path() / "tunegrid", error) ? self.parent_path() / "tunegrid" : self;
}

// What the batch script runs: `tunegrid run EXP --out DIR` with the same profile and --set.
SbatchInput sbatch_input(const SlurmRequest& request, const Experiment& experiment, const SiteConfig& site,
                         const std::filesystem::path& out) {
  SbatchInput input;
  input.site = site;
  input.job_name = "tunegrid-" + experiment.name;
  input.out = out;
  input.workdir = std::filesystem::current_path();
  input.tunegrid = tunegrid_launcher();
  input.run_args = {"run", std::filesystem::absolute(request.run.experiment).lexically_normal().string(), "--out",
                    out.string()};
  if (!request.run.options.profile.empty()) {
    input.run_args.push_back("--profile");
    input.run_args.push_back(request.run.options.profile);
  }
  for (const auto& set : request.run.options.sets) {
    input.run_args.push_back("--set");
    input.run_args.push_back(set);
  }
  input.origin = fmt::format("`tunegrid slurm {}`{}", request.run.experiment,
                             site.file.empty() ? " (built-in site defaults)" : " with site " + site.file);
  return input;
}

// Writes DIR/submit.sbatch (executable; DIR/logs/ made for Slurm's log); returns its path.
std::filesystem::path write_script(const std::filesystem::path& out, const std::string& script) {
  const auto file = out / "submit.sbatch";
  std::error_code error;
  std::filesystem::create_directories(out / "logs", error);  // Slurm does not create the log's folder
  if (error) throw InputError(fmt::format("--out {}: cannot create {}: {}", out.string(), (out / "logs").string(),
                                          error.message()));
  write_file_atomically(file, script);
  ::chmod(file.c_str(), 0755);
  return file;
}

// `sbatch --parsable FILE`; prints the job id on stdout and where its log goes on stderr.
void submit(const std::filesystem::path& file, const std::filesystem::path& out) {
  std::string output;
  const int status = run_shell("sbatch --parsable " + shell_quote(file.string()), output);
  output = trimmed(output);
  const std::string job_id = output.substr(0, output.find(';'));
  if (status != 0 || job_id.empty() || job_id.find_first_not_of("0123456789") != std::string::npos)
    throw InputError(fmt::format("sbatch {} failed (exit {}): {}", file.string(), status,
                                 output.empty() ? "no output" : output));
  std::fputs(fmt::format("{}\n", job_id).c_str(), stdout);
  std::fputs(fmt::format("tunegrid slurm: submitted job {} ({}); log {}\n", job_id, file.string(),
                         (out / "logs" / fmt::format("slurm-{}.out", job_id)).string())
                 .c_str(),
             stderr);
}

}  // namespace

int slurm_command(const SlurmRequest& request) {
  const KindCatalog kinds = kind_catalog();
  const Experiment experiment = load_experiment(request.run.experiment, request.run.options, kinds);
  const SiteConfig site = site_for(request);
  const std::filesystem::path out =
      std::filesystem::absolute(request.run.out.empty() ? default_output_dir(experiment) : request.run.out)
          .lexically_normal();
  const std::string script = sbatch_script(sbatch_input(request, experiment, site, out));
  if (request.dry_run) {
    std::fputs(script.c_str(), stdout);
    return 0;
  }
  const auto file = write_script(out, script);
  if (request.submit) {
    submit(file, out);
  } else {
    std::fputs(fmt::format("wrote {}; submit it with: sbatch {}\n", file.string(), shell_quote(file.string())).c_str(),
               stdout);
  }
  return 0;
}

}  // namespace tunegrid
