// run_store.h — rank 0's preparation of a run's output directory DIR
// (docs/experiments-and-store.md): created if missing, locked, `jobs/`, `logs/`,
// `artifacts/` and `plan.toml` written, partial shards of an interrupted run removed, and the
// shards already there listed for the resume. When that fails, only what this process
// created is removed, and only while it holds the lock: a DIR that another run locked (even
// one this process created a moment before, racing it) is left alone.
#pragma once
#include <filesystem>
#include <memory>

#include "core/config.h"
#include "core/plan.h"
#include "core/result_index.h"
#include "core/run_lock.h"

namespace tunegrid {

struct PreparedStore {
  std::unique_ptr<RunLock> lock;
  StoreListing listing;
  int removed_temporaries = 0;
};

// Throws InputError naming DIR and the problem (not a directory, cannot be created, not
// writable, locked by another run).
PreparedStore prepare_store(const std::filesystem::path& out, const Experiment& experiment);

// Logs what earlier runs left in DIR (the job queue keeps what is done and goes on numbering
// the attempts of what failed).
void log_resume(const Plan& plan, const PreparedStore& store, const std::filesystem::path& out);

}  // namespace tunegrid
