// command_line.cpp — the `tunegrid` command line (the program tunegrid-main, which the
// `tunegrid` launcher executes, launcher.cpp):
//   tunegrid plan EXP.toml [--profile P] [--set k=v]...      print the job DAG, run nothing
//   tunegrid run EXP.toml [--profile P] [--set k=v]... [--out DIR]
//   tunegrid status DIR [--rebuild]                           what the store holds
//   tunegrid report DIR [--format md|csv|tex|html] [--out PATH]  the paper-style report
//   tunegrid sample --model DIR|builtin:tiny-sd --prompt "..." [...] --out x.png   text to image
//   tunegrid kinds [--format text|md]                        job kinds and their parameters
//   tunegrid slurm EXP.toml [resources] [--site F] [--dry-run | --submit]   a Slurm batch script
//   tunegrid --version                                        versions of tunegrid and its libraries
// Exit codes: core/errors.h (ExitCode) and docs/command-line.md.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "core/errors.h"
#include "core/input_file.h"
#include "core/kind_docs.h"
#include "core/plan.h"
#include "core/result_index.h"
#include "core/shard_reader.h"
#include "core/stop_request.h"
#include "core/text.h"
#include "orchestrator/run_command.h"
#include "orchestrator/slurm_command.h"
#include "orchestrator/torch_plugin.h"
#include "orchestrator/version_report.h"
#include "results/report.h"
#include "results/status_report.h"
#include "workers/job_specs.h"
#include "workers/jobs/sample_command.h"

using namespace tunegrid;

namespace {

const std::vector<std::string> kCommands = {"plan", "run", "status", "report", "kinds", "slurm", "sample"};

// CLI11 answers an unknown command with "A subcommand is required"; say which word it was.
bool unknown_command(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  const std::string word = argv[1];
  if (std::find(kCommands.begin(), kCommands.end(), word) != kCommands.end()) return false;
  std::fputs(fmt::format("tunegrid: error: unknown command '{}'{}; commands: {} (tunegrid --help)\n", abbreviate(word),
                         did_you_mean(word, kCommands), join(kCommands, ", "))
                 .c_str(),
             stderr);
  return true;
}

// `--out ''` is a mistake, not a request for the default directory.
std::string non_empty_path(const std::string& value) {
  return value.empty() ? "expects a directory path, found an empty string" : "";
}

int plan_command(const RunRequest& request) {
  const KindCatalog kinds = kind_catalog();
  const Experiment experiment = load_experiment(request.experiment, request.options, kinds);
  const Plan plan = build_plan(experiment, kinds);
  std::fputs(format_plan_table(plan).c_str(), stdout);
  std::fputs(fmt::format("runs in {} ({} ranks per job, {} retries)\n",
                         request.out.empty() ? default_output_dir(experiment) : request.out,
                         experiment.run.ranks_per_job, experiment.run.retries)
                 .c_str(),
             stdout);
  return 0;
}

int status_command(const std::string& dir, bool rebuild) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) throw InputError(fmt::format("{}: no such output directory", dir));
  if (!std::filesystem::is_directory(jobs_dir(dir), error))
    throw InputError(fmt::format("{}: not a tunegrid output directory (no jobs/ folder)", dir));
  if (rebuild) rebuild_index(dir);
  const StoreListing listing = list_store(dir);
  std::fputs(format_status(dir, listing).c_str(), stdout);
  if (rebuild)
    std::fputs(fmt::format("rebuilt {} from {} shard(s)\n", index_path(dir).string(), listing.shards.size()).c_str(),
               stdout);
  return 0;
}

// The report reads only DIR: plan.toml (its [report] and [reference] tables, and the plan
// rebuilt from it, which says which cells should exist) and the shards. A plan.toml that no
// longer builds (say, a kind this tunegrid lacks) leaves the tables to what the shards hold.
int report_command(const ReportRequest& request) {
  const std::string& dir = request.dir;
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) throw InputError(fmt::format("{}: no such output directory", dir));
  const std::filesystem::path plan_file = std::filesystem::path(dir) / "plan.toml";
  const bool has_plan_file = std::filesystem::is_regular_file(plan_file, error);
  if (!has_plan_file && !std::filesystem::is_directory(jobs_dir(dir), error))
    throw InputError(fmt::format("{}: not a tunegrid output directory (no plan.toml, no jobs/ folder)", dir));
  parse_report_format(request.format);
  ReportSettings settings;
  std::unique_ptr<Plan> plan;
  std::string experiment = std::filesystem::path(dir).filename().string();
  if (has_plan_file) {
    const PlanDocument document = split_plan_document(read_input_file(plan_file, "plan file"), plan_file.string());
    settings = document.settings;
    try {
      const KindCatalog kinds = kind_catalog();
      const Experiment resolved = parse_experiment(document.experiment_toml, plan_file.string(), {}, kinds);
      experiment = resolved.name;
      plan = std::make_unique<Plan>(build_plan(resolved, kinds));
    } catch (const InputError& problem) {
      std::fputs(fmt::format("tunegrid: warning: {} does not rebuild into a plan ({}); reporting what the shards hold\n",
                             plan_file.string(), problem.what())
                     .c_str(),
                 stderr);
    }
  }
  const StoreScan scan = scan_store(dir);
  const std::string text = make_report(request, scan, plan.get(), settings, experiment);
  if (request.out.empty()) std::fputs(text.c_str(), stdout);
  else std::fputs(fmt::format("wrote {}\n", request.out).c_str(), stdout);
  return 0;
}

int kinds_command(const std::string& format) {
  const std::string text = format == "md" ? kinds_markdown(job_kind_specs()) : kinds_text(job_kind_specs());
  std::fputs(text.c_str(), stdout);
  return 0;
}

void add_experiment_options(CLI::App& command, RunRequest& request) {
  command.add_option("experiment", request.experiment, "experiment TOML file")->required();
  command.add_option("--profile", request.options.profile, "overlay the [profile.NAME] table");
  command.add_option("--set", request.options.sets, "override a key: --set a.b=VALUE (VALUE a TOML literal)")
      ->allow_extra_args(false);
  command.add_option("--out", request.out, "output directory (default: [run] out, else runs/<name>)")
      ->check(non_empty_path);
}

// Stop signals are recorded from the start. The launcher blocked SIGUSR2 and SIGTERM before
// it executed this program (launcher.cpp); the dynamic linker runs DT_PREINIT_ARRAY before any
// shared library's initialisers (MPI's, HDF5's; libtorch's, loaded later by the first torch
// job, take longer), and there the handlers are installed and the signals unblocked: one that
// arrived while the libraries were loading is delivered now and asks the run to stop (exit 3)
// instead of killing it.
void record_stop_signals_from_the_start(int, char**, char**) {
  install_stop_signal_handlers();
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGUSR2);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_UNBLOCK, &stop_signals, nullptr);
}
__attribute__((section(".preinit_array"), used)) void (*const early_signal_handlers)(int, char**, char**) =
    record_stop_signals_from_the_start;

// The footer of `tunegrid --help`: kExitCodes (core/errors.h), one line each.
std::string exit_codes_help() {
  std::string text = "Exit codes:";
  for (const auto& exit_code : kExitCodes)
    text += fmt::format("\n  {}  {}", static_cast<int>(exit_code.code), exit_code.meaning);
  return text;
}

// What the command line asked for: the chosen command's options.
struct Requests {
  RunRequest run;  // plan and run
  std::string status_dir;
  bool rebuild = false;
  ReportRequest report;
  std::string kinds_format = "text";
  SlurmRequest slurm;
  SampleRequest sample;
};

struct Commands {
  CLI::App *plan, *run, *status, *report, *kinds, *slurm, *sample;
};

CLI::App* add_report_command(CLI::App& app, ReportRequest& request) {
  CLI::App* report = app.add_subcommand("report", "paper-style tables, figures and image grids from an output directory");
  report->add_option("dir", request.dir, "output directory")->required();
  report->add_option("--format", request.format, "md (default), csv, tex or html")
      ->check(CLI::IsMember({"md", "markdown", "csv", "tex", "latex", "html"}));
  report->add_option("--out", request.out, "write the report here (default: stdout); figures go beside it, "
                                           "else into DIR/report/")
      ->check(non_empty_path);
  return report;
}

CLI::App* add_slurm_command(CLI::App& app, SlurmRequest& request) {
  CLI::App* slurm = app.add_subcommand("slurm", "write (--dry-run: print; --submit: submit) DIR/submit.sbatch");
  add_experiment_options(*slurm, request.run);
  slurm->add_option("--nodes", request.nodes, "nodes (default: the site's)")->check(CLI::Range(1, 100000));
  slurm->add_option("--gpus-per-node", request.gpus_per_node, "GPUs per node, one rank each")
      ->check(CLI::Range(0, 1024));
  slurm->add_option("--tasks-per-node", request.tasks_per_node, "ranks per node without GPUs")
      ->check(CLI::Range(1, 100000));
  slurm->add_option("--cpus-per-task", request.cpus_per_task, "CPUs per rank")->check(CLI::Range(1, 100000));
  slurm->add_option("--time", request.time, "time limit, e.g. 04:00:00");
  slurm->add_option("--partition", request.partition, "partition");
  slurm->add_option("--account", request.account, "account");
  slurm->add_option("--qos", request.qos, "quality of service");
  slurm->add_option("--site", request.site, "site defaults (default: $TUNEGRID_SITE, else cluster/site.toml)");
  auto* dry_run = slurm->add_flag("--dry-run", request.dry_run, "print the script, write nothing");
  slurm->add_flag("--submit", request.submit, "write the script and submit it; prints the job id")->excludes(dry_run);
  return slurm;
}

CLI::App* add_sample_command(CLI::App& app, SampleRequest& request) {
  CLI::App* sample = app.add_subcommand("sample", "text to image with a Stable Diffusion or FLUX model folder");
  sample->add_option("--model", request.model,
                     "diffusers-layout Stable Diffusion or FLUX folder, builtin:tiny-sd or builtin:tiny-flux "
                     "(built on first use)")
      ->required();
  sample->add_option("--prompt", request.options.prompt, "the prompt")->required();
  sample->add_option("--negative", request.options.negative_prompt, "negative prompt (default: empty)");
  sample->add_option("--steps", request.steps, "sampling steps (default: Stable Diffusion 25, FLUX 28)")
      ->check(CLI::Range(1, 1000));
  sample->add_option("--guidance", request.guidance,
                     "classifier-free guidance scale (default 7.5); FLUX: the embedded guidance (default 3.5)")
      ->check(CLI::Range(0.0, 100.0));
  sample->add_option("--true-cfg", request.options.true_cfg,
                     "FLUX: true classifier-free guidance with --negative when above 1 (default 1: off)")
      ->check(CLI::Range(0.0, 100.0));
  sample->add_option("--max-sequence-length", request.options.max_sequence_length,
                     "FLUX: T5 tokens (default 512, or tokenizer_2's shorter model_max_length)")
      ->check(CLI::Range(1, 512));
  sample->add_option("--seed", request.options.seed, "seed of the initial noise");
  sample->add_option("--sampler", request.sampler, "Stable Diffusion: ddim (default), euler or ddpm")
      ->check(CLI::IsMember({"ddim", "euler", "ddpm"}));
  sample->add_option("--num", request.options.num_images, "images (several are tiled into one PNG)")
      ->check(CLI::Range(1, 64));
  sample->add_option("--height", request.options.height, "image height (default: the model's)");
  sample->add_option("--width", request.options.width, "image width (default: the model's)");
  sample->add_option("--lora", request.loras,
                     "LoRA file (peft / diffusers or kohya-ss keys) merged at its alpha / rank, times SCALE; repeatable")
      ->type_name("FILE[:SCALE]")
      ->allow_extra_args(false);
  sample->add_option("--embedding", request.embeddings,
                     "textual inversion file (diffusers .safetensors, AUTOMATIC1111 .pt / .safetensors) under TOKEN "
                     "(default: the file's stem for AUTOMATIC1111 files, its own token for diffusers'); repeatable")
      ->type_name("FILE[:TOKEN]")
      ->allow_extra_args(false);
  sample->add_option("--out", request.out, "output PNG")->required();
  return sample;
}

Commands add_commands(CLI::App& app, Requests& requests) {
  Commands commands{};
  commands.plan = app.add_subcommand("plan", "resolve the experiment and print its job DAG; runs nothing");
  add_experiment_options(*commands.plan, requests.run);
  commands.run = app.add_subcommand("run", "run the experiment (alone, or under mpirun / srun); resumes in DIR");
  add_experiment_options(*commands.run, requests.run);
  commands.run->add_flag("-v,--verbose", requests.run.verbose, "log every job");
  commands.status = app.add_subcommand("status", "summarise an output directory");
  commands.status->add_option("dir", requests.status_dir, "output directory")->required();
  commands.status->add_flag("--rebuild", requests.rebuild, "rebuild results.h5 from the shards");
  commands.report = add_report_command(app, requests.report);
  commands.kinds = app.add_subcommand("kinds", "list job kinds and their parameters");
  commands.kinds->add_option("--format", requests.kinds_format, "text (default) or md (the page docs/job-kinds.md)")
      ->check(CLI::IsMember({"text", "md"}));
  commands.slurm = add_slurm_command(app, requests.slurm);
  commands.sample = add_sample_command(app, requests.sample);
  return commands;
}

int run_chosen_command(const Commands& commands, const Requests& requests) {
  if (*commands.plan) return plan_command(requests.run);
  if (*commands.run) return run_command(requests.run);
  if (*commands.status) return status_command(requests.status_dir, requests.rebuild);
  if (*commands.report) return report_command(requests.report);
  if (*commands.kinds) return kinds_command(requests.kinds_format);
  if (*commands.sample) return torch_plugin().sample_command(requests.sample);
  if (*commands.slurm) return slurm_command(requests.slurm);
  return 0;
}

// Every error that reaches the top becomes its exit code and one line on stderr: never
// std::terminate.
int exit_code_of_error() {
  try {
    throw;
  } catch (const InputError& error) {
    std::fputs(fmt::format("tunegrid: error: {}\n", error.what()).c_str(), stderr);
    return static_cast<int>(ExitCode::bad_input);
  } catch (const StoreError& error) {
    std::fputs(fmt::format("tunegrid: error: {}\n", error.what()).c_str(), stderr);
    return static_cast<int>(ExitCode::bad_input);
  } catch (const Preempted& stop) {
    std::fputs(fmt::format("tunegrid: stopped: {}\n", stop.what()).c_str(), stderr);
    return static_cast<int>(ExitCode::stopped);
  } catch (const std::exception& error) {
    std::fputs(fmt::format("tunegrid: internal error: {}\n", error.what()).c_str(), stderr);
    return static_cast<int>(ExitCode::aborted);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tunegrid — fine-tuning studies of text-to-image diffusion models as one MPI batch"};
  app.require_subcommand(1);
  app.footer(exit_codes_help());
  app.set_version_flag("--version", [] { return version_report().text; }, "print the versions of tunegrid and its libraries");
  if (argc == 2 && std::string(argv[1]) == "--version") return version_command();
  if (unknown_command(argc, argv)) return static_cast<int>(ExitCode::bad_input);
  Requests requests;
  const Commands commands = add_commands(app, requests);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : static_cast<int>(ExitCode::bad_input);
  }
  try {
    return run_chosen_command(commands, requests);
  } catch (...) {
    return exit_code_of_error();
  }
}
