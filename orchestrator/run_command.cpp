// run_command.cpp — see run_command.h.
#include "orchestrator/run_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "cluster/environment.h"
#include "core/errors.h"
#include "core/hdf5_handles.h"
#include "core/log.h"
#include "core/plan.h"
#include "core/progress.h"
#include "core/run_lock.h"
#include "core/result_index.h"
#include "core/shard_reader.h"
#include "core/shard_writer.h"
#include "core/stop_request.h"
#include "orchestrator/index_updater.h"
#include "orchestrator/job_queue.h"
#include "orchestrator/mpi_session.h"
#include "orchestrator/rank_groups.h"
#include "orchestrator/scheduler.h"
#include "orchestrator/stop_protocol.h"
#include "orchestrator/worker_loop.h"
#include "workers/jobs/job_specs.h"

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

// Rank 0: makes DIR usable for this run or throws InputError. When that fails, only what
// this process created is removed, and only while it holds the lock: a DIR that another
// run locked (even one this process created a moment before, racing it) is left alone.
struct PreparedStore {
  std::unique_ptr<RunLock> lock;
  StoreListing listing;
  int removed_temporaries = 0;
};

PreparedStore prepare_store(const std::filesystem::path& out, const Experiment& experiment) {
  std::error_code error;
  if (std::filesystem::exists(out, error) && !std::filesystem::is_directory(out, error))
    throw InputError(fmt::format("--out {}: exists and is not a directory", out.string()));
  // Whether this process made DIR is what mkdir says, not what a look beforehand said: two
  // runs racing on a fresh DIR both see it missing, but only one mkdir succeeds.
  bool created_dir = false;
  if (!std::filesystem::is_directory(out, error)) {
    const std::filesystem::path target = out.filename().empty() ? out.parent_path() : out;  // "DIR/"
    std::error_code parent_error;
    if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), parent_error);
    int mkdir_errno = 0;
    if (!parent_error) {
      if (::mkdir(target.c_str(), 0777) == 0) created_dir = true;
      else mkdir_errno = errno;
    }
    if (parent_error || (mkdir_errno != 0 && mkdir_errno != EEXIST))
      throw InputError(fmt::format("--out {}: cannot create the output directory: {}", out.string(),
                                   parent_error ? parent_error.message() : std::strerror(mkdir_errno)));
    if (!std::filesystem::is_directory(out, error))
      throw InputError(fmt::format("--out {}: exists and is not a directory", out.string()));
  }
  PreparedStore prepared;
  std::vector<std::filesystem::path> created;  // by this process, under the lock; removed on failure
  try {
    if (::access(out.c_str(), W_OK | X_OK) != 0)
      throw InputError(fmt::format("--out {}: the output directory is not writable: {}", out.string(), std::strerror(errno)));
    prepared.lock = std::make_unique<RunLock>(out);
    for (const char* sub : {"jobs", "logs", "artifacts"}) {
      if (!std::filesystem::exists(out / sub, error)) created.push_back(out / sub);
      std::filesystem::create_directories(out / sub, error);
      if (error) throw InputError(fmt::format("{}: cannot create: {}", (out / sub).string(), error.message()));
    }
    if (!std::filesystem::exists(out / "plan.toml", error)) created.push_back(out / "plan.toml");
    write_file_atomically(out / "plan.toml", experiment.resolved_toml);
    prepared.removed_temporaries = remove_stale_temporaries(out);
    prepared.listing = list_store(out);
  } catch (...) {
    if (prepared.lock) {  // nobody else is inside DIR while the lock is held
      for (auto it = created.rbegin(); it != created.rend(); ++it) std::filesystem::remove(*it, error);  // dirs only if empty
      if (created_dir) {
        bool only_lock = true;
        for (const auto& entry : std::filesystem::directory_iterator(out, error))
          if (entry.path().filename() != "run.lock") only_lock = false;
        if (only_lock && !error) std::filesystem::remove(out / "run.lock", error);
      }
    }
    prepared.lock.reset();
    if (created_dir) std::filesystem::remove(out, error);  // only if empty: never another run's files
    throw;
  }
  return prepared;
}

// Logs what earlier runs left in DIR (the job queue keeps what is done and goes on
// numbering the attempts of what failed).
void log_resume(const Plan& plan, const PreparedStore& store, const std::filesystem::path& out) {
  std::size_t done = 0, failed = 0, foreign = 0;
  for (const auto& shard : store.listing.shards) {
    if (!plan.find(shard.job_id)) ++foreign;
    (shard.status == "done" ? done : failed)++;
  }
  for (const auto& [path, why] : store.listing.unreadable) log::warn("store", "{} — its job runs again", why);
  if (store.removed_temporaries)
    log::info("store", "removed {} partial shard(s) left by an interrupted run", store.removed_temporaries);
  if (done || failed || foreign)
    log::info("run", "resuming in {}: {} shard(s) done, {} failed earlier (run again), {} not in this plan",
              out.string(), done, failed, foreign);
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * (values.size() - 1) + 0.5)];
}

void report_summary(const RunStats& stats, const IndexWrites& index, const std::filesystem::path& out, int world_size,
                    int groups) {
  const double median = percentile(stats.dispatch_seconds, 0.5), p90 = percentile(stats.dispatch_seconds, 0.9);
  const double longest = percentile(stats.dispatch_seconds, 1.0);
  const std::size_t ran = stats.done_here + stats.failed;
  const double rate = stats.wall_seconds > 0 ? ran / stats.wall_seconds : 0;
  std::string text = fmt::format(
      "tunegrid run: {} jobs — {} done now, {} kept from earlier runs, {} failed, {} skipped\n"
      "wall {} ({:.3f} s) on {} ranks in {} groups · {:.1f} jobs/s · dispatch overhead median {:.3f} ms, p90 {:.3f} ms, "
      "max {:.3f} ms\n",
      stats.total, stats.done_here, stats.kept, stats.failed, stats.skipped, format_duration(stats.wall_seconds),
      stats.wall_seconds, world_size, groups, rate, median * 1e3, p90 * 1e3, longest * 1e3);
  if (!stats.kinds.empty()) {
    text += fmt::format("{:<20} {:>6} {:>12} {:>10}\n", "kind", "jobs", "seconds", "mean s");
    for (const auto& [kind, entry] : stats.kinds)
      text += fmt::format("{:<20} {:>6} {:>12.3f} {:>10.4f}\n", kind, entry.first, entry.second,
                          entry.first ? entry.second / entry.first : 0.0);
  }
  for (const auto& failure : stats.failures) text += "failed: " + failure + "\n";
  if (!stats.stopped_by.empty() && stats.unfinished > 0)
    text += fmt::format("stopped by {}: {} job(s) stopped at a step boundary, {} not finished — run the same command "
                        "again to carry on (exit {})\n",
                        stats.stopped_by, stats.preempted, stats.unfinished, static_cast<int>(ExitCode::stopped));
  text += fmt::format("store: {}\n", out.string());
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);

  nlohmann::json summary = {{"jobs", stats.total},
                            {"done_now", stats.done_here},
                            {"kept", stats.kept},
                            {"failed", stats.failed},
                            {"skipped", stats.skipped},
                            {"failed_attempts", stats.attempts_failed},
                            {"wall_seconds", stats.wall_seconds},
                            {"jobs_per_second", rate},
                            {"dispatch_median_seconds", median},
                            {"dispatch_p90_seconds", p90},
                            {"dispatch_max_seconds", longest},
                            {"index_writes", index.count},
                            {"index_write_max_seconds", index.longest_seconds},
                            {"index_write_seconds", index.total_seconds},
                            {"ranks", world_size},
                            {"groups", groups},
                            {"stopped_by", stats.stopped_by},
                            {"preempted", stats.preempted},
                            {"unfinished", stats.unfinished}};
  for (const auto& [kind, entry] : stats.kinds) summary["kinds"][kind] = {{"jobs", entry.first}, {"seconds", entry.second}};
  try {
    write_file_atomically(out / "logs" / "run-summary.json", summary.dump(2) + "\n");
  } catch (const std::exception& problem) {
    log::warn("run", "could not write the run summary: {}", problem.what());
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

  // 1. Every rank resolves the experiment and the plan.
  const KindCatalog kinds = kind_catalog();
  std::optional<Experiment> experiment;
  std::optional<Plan> plan;
  std::string problem;
  try {
    experiment = load_experiment(request.experiment, request.options, kinds);
    plan = build_plan(*experiment, kinds);
    if (mpi.size() % experiment->run.ranks_per_job != 0)
      make_rank_groups(rank, mpi.size(), experiment->run.ranks_per_job);  // throws the message
  } catch (const InputError& error) {
    problem = error.what();
  } catch (const Preempted&) {  // a stop signal while planning: nothing was written yet
  }
  if (agree_on_failure(rank, problem)) return static_cast<int>(ExitCode::bad_input);
  if (agree_on_stop(rank)) return static_cast<int>(ExitCode::stopped);

  // 2. Every rank checks it resolved the same plan as rank 0 — before anything is written —
  //    then rank 0 prepares DIR.
  char fingerprint[17] = {};
  std::snprintf(fingerprint, sizeof fingerprint, "%s", plan->fingerprint().c_str());
  TUNEGRID_MPI(MPI_Bcast(fingerprint, 17, MPI_CHAR, 0, MPI_COMM_WORLD));
  if (plan->fingerprint() != fingerprint)
    problem = fmt::format("resolved a different plan than rank 0 ({} vs {}); do all ranks see the same files?",
                          plan->fingerprint(), fingerprint);
  if (agree_on_failure(rank, problem)) return static_cast<int>(ExitCode::bad_input);
  const std::filesystem::path out = request.out.empty() ? default_output_dir(*experiment) : request.out;
  PreparedStore store;
  if (rank == 0) {
    try {
      store = prepare_store(out, *experiment);
    } catch (const std::exception& error) {
      problem = error.what();
    }
  }
  if (agree_on_failure(rank, problem)) return static_cast<int>(ExitCode::bad_input);

  log::open_file(out / "logs" / fmt::format("rank-{}.log", rank));
  RankGroups groups = make_rank_groups(rank, mpi.size(), experiment->run.ranks_per_job);
  const DuplicateComm scheduler_comm(MPI_COMM_WORLD);
  StopProtocol stop_protocol(MPI_COMM_WORLD, rank, mpi.size());  // one stop signal on any rank stops all
  log::debug("run", "{}", environment.describe());

  // 3. Rank 0 schedules on a thread; every rank works.
  std::thread scheduler_thread;
  std::unique_ptr<IndexUpdater> index;  // rank 0
  RunStats stats;
  if (rank == 0) {
    log::info("run", "{}: {} jobs in {} stages; {} ranks in {} groups of {}; {}", experiment->name, plan->jobs.size(),
              plan->stage_order.size(), mpi.size(), groups.groups, groups.group_size, environment.describe());
    log::debug("store", "HDF5 {} thread-safe; store calls are serialised on one process-wide lock",
               hdf5::library_threadsafe() ? "is" : "is not");
    for (const auto& stage : plan->empty_stages)
      log::info("run", "stage '{}' has no jobs: its `only` matches none of its axes' values", stage);
    log_resume(*plan, store, out);
    auto queue = std::make_shared<JobQueue>(*plan, store.listing.shards, experiment->run.retries, groups.groups,
                                            experiment->run.retry_backoff);
    index = std::make_unique<IndexUpdater>(out, store.listing);
    scheduler_thread = std::thread([&, queue] {
      try {
        Scheduler scheduler(*plan, *queue, scheduler_comm.get(), groups, *index);
        scheduler.on_stop(experiment->run.stop_timeout, [&] { stop_protocol.notify_all_ranks(); });
        stats = scheduler.run();
      } catch (const std::exception& error) {
        log::error("sched", "the scheduler failed: {}; aborting the run (finished jobs are kept)", error.what());
        MPI_Abort(MPI_COMM_WORLD, static_cast<int>(ExitCode::aborted));
      }
    });
  }
  try {
    run_worker_loop({*plan, scheduler_comm.get(), groups, out, environment.local_rank, environment.facts(),
                     experiment->run.job_timeout});
  } catch (const std::exception& error) {
    log::error("worker", "{}; aborting the run (finished jobs are kept)", error.what());
    MPI_Abort(MPI_COMM_WORLD, static_cast<int>(ExitCode::aborted));
  }

  // 4. Summary and exit code, the same on every rank.
  int exit_code = 0;
  if (rank == 0) {
    scheduler_thread.join();
    index->finish();
    report_summary(stats, index->writes(), out, mpi.size(), groups.groups);
    exit_code = stats.failed + stats.skipped > 0 ? static_cast<int>(ExitCode::some_failed) : 0;
    if (!stats.stopped_by.empty() && stats.unfinished > 0) exit_code = static_cast<int>(ExitCode::stopped);
  }
  TUNEGRID_MPI(MPI_Bcast(&exit_code, 1, MPI_INT, 0, MPI_COMM_WORLD));
  stop_protocol.finish();
  free_rank_groups(groups);
  log::close_file();
  store.lock.reset();
  return exit_code;
}

}  // namespace tunegrid
