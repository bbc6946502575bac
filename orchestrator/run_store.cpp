// run_store.cpp — see run_store.h.
#include "orchestrator/run_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/shard_writer.h"

namespace tunegrid {

namespace fs = std::filesystem;

namespace {

void require_directory(const fs::path& out) {
  std::error_code error;
  if (fs::exists(out, error) && !fs::is_directory(out, error))
    throw InputError(fmt::format("--out {}: exists and is not a directory", out.string()));
}

// Creates DIR when it is missing; true when this process's mkdir made it. Whether this
// process made DIR is what mkdir says, not what a look beforehand said: two runs racing on a
// fresh DIR both see it missing, but only one mkdir succeeds.
bool make_output_dir(const fs::path& out) {
  require_directory(out);
  std::error_code error;
  if (fs::is_directory(out, error)) return false;
  const fs::path target = out.filename().empty() ? out.parent_path() : out;  // "DIR/"
  std::error_code parent_error;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), parent_error);
  bool created = false;
  int mkdir_errno = 0;
  if (!parent_error) {
    if (::mkdir(target.c_str(), 0777) == 0) created = true;
    else mkdir_errno = errno;
  }
  if (parent_error || (mkdir_errno != 0 && mkdir_errno != EEXIST))
    throw InputError(fmt::format("--out {}: cannot create the output directory: {}", out.string(),
                                 parent_error ? parent_error.message() : std::strerror(mkdir_errno)));
  require_directory(out);
  return created;
}

// Under the lock: the subfolders, plan.toml, the stale temporaries, the listing. What this
// process creates is appended to `created` (removed again on failure).
void fill_store(const fs::path& out, const Experiment& experiment, PreparedStore& prepared,
                std::vector<fs::path>& created) {
  std::error_code error;
  for (const char* sub : {"jobs", "logs", "artifacts"}) {
    if (!fs::exists(out / sub, error)) created.push_back(out / sub);
    fs::create_directories(out / sub, error);
    if (error) throw InputError(fmt::format("{}: cannot create: {}", (out / sub).string(), error.message()));
  }
  if (!fs::exists(out / "plan.toml", error)) created.push_back(out / "plan.toml");
  write_file_atomically(out / "plan.toml", experiment.resolved_toml);
  prepared.removed_temporaries = remove_stale_temporaries(out);
  prepared.listing = list_store(out);
}

// After a failure, while the lock is held (nobody else is inside DIR): removes what this
// process created (folders only when empty), and its lock file when this process made DIR and
// nothing else is left in it.
void remove_created_under_lock(const fs::path& out, const std::vector<fs::path>& created, bool created_dir) {
  std::error_code error;
  for (auto it = created.rbegin(); it != created.rend(); ++it) fs::remove(*it, error);
  if (!created_dir) return;
  bool only_lock = true;
  for (const auto& entry : fs::directory_iterator(out, error))
    if (entry.path().filename() != "run.lock") only_lock = false;
  if (only_lock && !error) fs::remove(out / "run.lock", error);
}

}  // namespace

PreparedStore prepare_store(const fs::path& out, const Experiment& experiment) {
  const bool created_dir = make_output_dir(out);
  PreparedStore prepared;
  std::vector<fs::path> created;  // by this process, under the lock
  try {
    if (::access(out.c_str(), W_OK | X_OK) != 0)
      throw InputError(
          fmt::format("--out {}: the output directory is not writable: {}", out.string(), std::strerror(errno)));
    prepared.lock = std::make_unique<RunLock>(out);
    fill_store(out, experiment, prepared, created);
  } catch (...) {
    if (prepared.lock) remove_created_under_lock(out, created, created_dir);
    prepared.lock.reset();
    std::error_code error;
    if (created_dir) fs::remove(out, error);  // only if empty: never another run's files
    throw;
  }
  return prepared;
}

void log_resume(const Plan& plan, const PreparedStore& store, const fs::path& out) {
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

}  // namespace tunegrid
