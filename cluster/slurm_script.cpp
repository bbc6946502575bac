// slurm_script.cpp — see slurm_script.h.
#include "cluster/slurm_script.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace tunegrid {

std::string shell_quote(const std::string& text) {
  const bool safe = !text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                            "0123456789_-./=:,+@%") == std::string::npos;
  if (safe) return text;
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

namespace {

std::string words(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += " " + shell_quote(item);
  return out;
}

}  // namespace

std::string sbatch_script(const SbatchInput& input) {
  const SiteConfig& site = input.site;
  check_site_config(site, "tunegrid slurm");
  const std::string log = (input.out / "logs" / "slurm-%j.out").string();
  if (log.find_first_of(" \t\n") != std::string::npos)
    throw InputError(fmt::format("--out {}: Slurm cannot take a log path with white space", input.out.string()));
  std::string s = "#!/bin/bash\n";
  s += fmt::format("# submit.sbatch — written by {}.\n", input.origin);
  s += fmt::format("# Submit again (after a failure, or to carry on) with: sbatch {}\n",
                   shell_quote((input.out / "submit.sbatch").string()));
  s += fmt::format("#SBATCH --job-name={}\n", shell_quote(input.job_name));
  s += fmt::format("#SBATCH --nodes={}\n", site.nodes);
  s += fmt::format("#SBATCH --ntasks-per-node={}\n", site.ranks_per_node());
  if (site.gpus_per_node > 0) s += fmt::format("#SBATCH --gpus-per-node={}\n", site.gpus_per_node);
  if (site.cpus_per_task > 0) s += fmt::format("#SBATCH --cpus-per-task={}\n", site.cpus_per_task);
  s += fmt::format("#SBATCH --time={}\n", site.time);
  if (!site.partition.empty()) s += fmt::format("#SBATCH --partition={}\n", site.partition);
  if (!site.account.empty()) s += fmt::format("#SBATCH --account={}\n", site.account);
  if (!site.qos.empty()) s += fmt::format("#SBATCH --qos={}\n", site.qos);
  s += fmt::format("#SBATCH --signal={}\n", site.signal);
  s += "#SBATCH --requeue\n";
  s += "#SBATCH --open-mode=append\n";
  s += fmt::format("#SBATCH --output={}\n", log);
  for (const auto& extra : site.sbatch_args) s += fmt::format("#SBATCH {}\n", extra);
  s += fmt::format(
      "#\n"
      "# tunegrid exits 3 when a signal stopped it before every job settled; this script then\n"
      "# requeues the job (at most max_requeues times) and the requeued run resumes in the same\n"
      "# DIR: finished jobs are kept, checkpointed ones continue from their step.\n"
      "set -u\n"
      "max_requeues={}\n"
      "restart=${{SLURM_RESTART_COUNT:-0}}\n"
      "cd {} || exit 2\n",
      site.max_requeues, shell_quote(input.workdir.string()));
  if (!site.setup.empty()) {
    s += "# site setup (site config 'setup')\n";
    for (const auto& line : site.setup) s += line + "\n";
  }
  s += "echo \"[slurm] job ${SLURM_JOB_ID:-?} start $((restart + 1)) on $(hostname): ${SLURM_NTASKS:-1} ranks, $(date -u "
       "+%Y-%m-%dT%H:%M:%SZ)\"\n";
  std::string launch;
  if (site.launcher == "srun")
    launch = fmt::format("srun --mpi={} --kill-on-bad-exit=1{}", shell_quote(site.mpi), words(site.srun_args));
  else
    launch = fmt::format("mpirun -np \"${{SLURM_NTASKS:-{}}}\"{}", site.nodes * site.ranks_per_node(),
                         words(site.mpirun_args));
  s += fmt::format("{} {}{} &\n", launch, shell_quote(input.tunegrid.string()), words(input.run_args));
  const std::string warning = signal_name(site.signal);
  s += "child=$!\n"
       "signalled=0\n"
       "stopping=0\n"
       "forward() {\n"
       "  signalled=1\n"
       "  stopping=1\n"
       "  echo \"[slurm] $1 at $(date -u +%H:%M:%S): asking tunegrid to stop at the next step boundary\"\n"
       "  kill -USR2 \"$child\" 2>/dev/null\n"
       "}\n";
  s += fmt::format("trap 'forward {0}' {0}\n", warning);
  if (warning != "TERM") s += "trap 'forward TERM' TERM\n";
  s += "while :; do  # a trapped signal interrupts wait; wait again for the launcher's own status\n"
       "  wait \"$child\"\n"
       "  status=$?\n"
       "  [ \"$signalled\" = 1 ] || break\n"
       "  signalled=0\n"
       "done\n"
       "echo \"[slurm] tunegrid exited with $status\"\n"
       "# exit 3: tunegrid stopped. A launcher the forwarded signal killed (128 + N: it came before\n"
       "# mpirun could handle it) stopped the run as well; requeue either way.\n"
       "if [ \"$status\" -eq 3 ] || { [ \"$stopping\" = 1 ] && [ \"$status\" -gt 128 ]; }; then\n"
       "  if [ \"$restart\" -lt \"$max_requeues\" ]; then\n"
       "    echo \"[slurm] stopped before the end: requeueing job $SLURM_JOB_ID (requeue $((restart + 1)) of at most "
       "$max_requeues)\"\n"
       "    scontrol requeue \"$SLURM_JOB_ID\" && exit 0\n"
       "    echo \"[slurm] scontrol requeue failed; submit the script again to carry on\"\n"
       "  else\n"
       "    echo \"[slurm] stopped after $restart requeues (max_requeues); submit the script again to carry on\"\n"
       "  fi\n"
       "fi\n"
       "exit \"$status\"\n";
  return s;
}

}  // namespace tunegrid
