// run_summary.h — what rank 0 says at the end of a run: the summary printed on stdout (jobs
// done, kept, failed, skipped; wall time and rate; dispatch overhead; seconds per kind; the
// failures; how to carry on after a stop) and the same numbers in DIR/logs/run-summary.json.
#pragma once
#include <filesystem>

#include "orchestrator/index_updater.h"
#include "orchestrator/scheduler.h"

namespace tunegrid {

void report_summary(const RunStats& stats, const IndexWrites& index, const std::filesystem::path& out, int world_size,
                    int groups);

// The run's exit code (core/errors.h) from its statistics.
int exit_code_of(const RunStats& stats);

}  // namespace tunegrid
