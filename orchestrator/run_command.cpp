// run_command.cpp — see run_command.h.
#include "orchestrator/run_command.h"

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "cluster/environment.h"
#include "core/errors.h"
#include "core/hdf5_handles.h"
#include "core/log.h"
#include "core/plan.h"
#include "core/stop_request.h"
#include "orchestrator/index_updater.h"
#include "orchestrator/job_queue.h"
#include "orchestrator/mpi_session.h"
#include "orchestrator/rank_groups.h"
#include "orchestrator/run_store.h"
#include "orchestrator/run_summary.h"
#include "orchestrator/scheduler.h"
#include "orchestrator/stop_protocol.h"
#include "orchestrator/worker_loop.h"
#include "workers/job_specs.h"

namespace tunegrid {

std::string default_output_dir(const Experiment& experiment) {
  return experiment.run.out.empty() ? "runs/" + experiment.name : experiment.run.out;
}

namespace {

// Every rank learns whether any rank hit a bad input; the message shown is rank 0's, or
// the first other rank's when rank 0 had none.
bool agree_on_failure(int rank, const std::string& message) {
  int mine = message.empty() ? 0 : 1, any = 0, root = mine;
  TUNEGRID_MPI(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
  TUNEGRID_MPI(MPI_Bcast(&root, 1, MPI_INT, 0, MPI_COMM_WORLD));
  if (mine && (rank == 0 || !root)) {
    log::close_file();
    std::fputs(fmt::format("tunegrid: error: {}{}\n", rank ? fmt::format("(rank {}) ", rank) : "", message).c_str(),
               stderr);
  }
  return any != 0;
}

// Every rank learns whether any rank got a stop signal before the run began (planning a
// large grid takes seconds); then no rank writes anything and all exit 3.
bool agree_on_stop(int rank) {
  int mine = stop_requested() ? 1 : 0, any = 0;
  TUNEGRID_MPI(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
  if (any && rank == 0)
    std::fputs(fmt::format("tunegrid: stopped by {} before the run began; nothing was written — run the same command "
                           "again (exit {})\n",
                           mine ? stop_signal_name() : "a stop signal on another rank",
                           static_cast<int>(ExitCode::stopped))
                   .c_str(),
               stderr);
  return any != 0;
}

// What every rank resolved before the run begins.
struct ResolvedRun {
  Experiment experiment;
  Plan plan;
  std::filesystem::path out;
  PreparedStore store;  // rank 0's
};

// Every rank loads the experiment and builds the plan; nullopt (on every rank alike) when
// one had bad input or a stop signal came while planning.
std::optional<ResolvedRun> resolve_plan(const RunRequest& request, const MpiSession& mpi, int* exit_code) {
  const KindCatalog kinds = kind_catalog();
  std::optional<ResolvedRun> run;
  std::string problem;
  try {
    Experiment experiment = load_experiment(request.experiment, request.options, kinds);
    Plan plan = build_plan(experiment, kinds);
    if (mpi.size() % experiment.run.ranks_per_job != 0)
      make_rank_groups(mpi.rank(), mpi.size(), experiment.run.ranks_per_job);  // throws the message
    const std::filesystem::path out = request.out.empty() ? default_output_dir(experiment) : request.out;
    run = ResolvedRun{std::move(experiment), std::move(plan), out, {}};
  } catch (const InputError& error) {
    problem = error.what();
  } catch (const Preempted&) {  // a stop signal while planning: nothing was written yet
  }
  *exit_code = static_cast<int>(ExitCode::bad_input);
  if (agree_on_failure(mpi.rank(), problem)) return std::nullopt;
  *exit_code = static_cast<int>(ExitCode::stopped);
  if (agree_on_stop(mpi.rank())) return std::nullopt;
  return run;
}

// Every rank checks it resolved the same plan as rank 0 — before anything is written — then
// rank 0 prepares DIR. False (on every rank alike) when either failed.
bool agree_and_prepare(ResolvedRun& run, int rank) {
  char fingerprint[17] = {};
  std::snprintf(fingerprint, sizeof fingerprint, "%s", run.plan.fingerprint().c_str());
  TUNEGRID_MPI(MPI_Bcast(fingerprint, 17, MPI_CHAR, 0, MPI_COMM_WORLD));
  std::string problem;
  if (run.plan.fingerprint() != fingerprint)
    problem = fmt::format("resolved a different plan than rank 0 ({} vs {}); do all ranks see the same files?",
                          run.plan.fingerprint(), fingerprint);
  if (agree_on_failure(rank, problem)) return false;
  if (rank == 0) {
    try {
      run.store = prepare_store(run.out, run.experiment);
    } catch (const std::exception& error) {
      problem = error.what();
    }
  }
  return !agree_on_failure(rank, problem);
}

void log_run_start(const ResolvedRun& run, const RankGroups& groups, int world_size,
                   const LaunchEnvironment& environment) {
  log::info("run", "{}: {} jobs in {} stages; {} ranks in {} groups of {}; {}", run.experiment.name,
            run.plan.jobs.size(), run.plan.stage_order.size(), world_size, groups.groups, groups.group_size,
            environment.describe());
  log::debug("store", "HDF5 {} thread-safe; store calls are serialised on one process-wide lock",
             hdf5::library_threadsafe() ? "is" : "is not");
  for (const auto& stage : run.plan.empty_stages)
    log::info("run", "stage '{}' has no jobs: its `only` matches none of its axes' values", stage);
  log_resume(run.plan, run.store, run.out);
}

// Rank 0's scheduler thread: hands out the jobs until every one has settled (or the run
// stops), then leaves the statistics in `stats`. A scheduler failure aborts the run.
std::thread start_scheduler(const ResolvedRun& run, const RankGroups& groups, MPI_Comm comm,
                            StopProtocol& stop_protocol, IndexUpdater& index, RunStats& stats) {
  auto queue = std::make_shared<JobQueue>(run.plan, run.store.listing.shards, run.experiment.run.retries,
                                          groups.groups, run.experiment.run.retry_backoff);
  return std::thread([&run, &groups, comm, &stop_protocol, &index, &stats, queue] {
    try {
      Scheduler scheduler(run.plan, *queue, comm, groups, index);
      scheduler.on_stop(run.experiment.run.stop_timeout, [&] { stop_protocol.notify_all_ranks(); });
      stats = scheduler.run();
    } catch (const std::exception& error) {
      log::error("sched", "the scheduler failed: {}; aborting the run (finished jobs are kept)", error.what());
      MPI_Abort(MPI_COMM_WORLD, static_cast<int>(ExitCode::aborted));
    }
  });
}

// Every rank's share of the work: its group's jobs until the scheduler says the run is over.
void work(const ResolvedRun& run, const RankGroups& groups, MPI_Comm comm, const LaunchEnvironment& environment) {
  try {
    std::map<std::string, std::string> facts = environment.facts();
    if (run.experiment.run.reproducible_kernels) facts["reproducible_kernels"] = "1";
    run_worker_loop({run.plan, comm, groups, run.out, environment.local_rank, std::move(facts),
                     run.experiment.run.job_timeout, run.experiment.run.reproducible_kernels});
  } catch (const std::exception& error) {
    log::error("worker", "{}; aborting the run (finished jobs are kept)", error.what());
    MPI_Abort(MPI_COMM_WORLD, static_cast<int>(ExitCode::aborted));
  }
}

}  // namespace

int run_command(const RunRequest& request) {
  MpiSession mpi;
  const int rank = mpi.rank();
  install_stop_signal_handlers();  // SIGUSR2 / SIGTERM: stop at the next step boundary, exit 3
  std::signal(SIGXFSZ, SIG_IGN);   // past a file-size limit a write fails (EFBIG) instead of killing us
  const LaunchEnvironment environment = detect_environment();
  log::configure(rank, rank == 0 ? (request.verbose ? log::Level::debug : log::Level::info) : log::Level::warn);

  int exit_code = 0;
  std::optional<ResolvedRun> run = resolve_plan(request, mpi, &exit_code);
  if (!run) return exit_code;
  if (!agree_and_prepare(*run, rank)) return static_cast<int>(ExitCode::bad_input);

  log::open_file(run->out / "logs" / fmt::format("rank-{}.log", rank));
  const RankGroups groups = make_rank_groups(rank, mpi.size(), run->experiment.run.ranks_per_job);
  const OwnedComm scheduler_comm = OwnedComm::duplicate(MPI_COMM_WORLD);
  StopProtocol stop_protocol(MPI_COMM_WORLD, rank, mpi.size());  // one stop signal on any rank stops all
  log::debug("run", "{}", environment.describe());

  std::thread scheduler_thread;
  std::unique_ptr<IndexUpdater> index;  // rank 0
  RunStats stats;
  if (rank == 0) {
    log_run_start(*run, groups, mpi.size(), environment);
    index = std::make_unique<IndexUpdater>(run->out, run->store.listing);
    scheduler_thread = start_scheduler(*run, groups, scheduler_comm.get(), stop_protocol, *index, stats);
  }
  work(*run, groups, scheduler_comm.get(), environment);

  if (rank == 0) {  // the summary, and the exit code every rank returns
    scheduler_thread.join();
    index->finish();
    report_summary(stats, index->writes(), run->out, mpi.size(), groups.groups);
    exit_code = exit_code_of(stats);
  }
  TUNEGRID_MPI(MPI_Bcast(&exit_code, 1, MPI_INT, 0, MPI_COMM_WORLD));
  stop_protocol.finish();
  log::close_file();
  run->store.lock.reset();
  return exit_code;
}

}  // namespace tunegrid
