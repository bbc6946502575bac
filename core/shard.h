// shard.h — what one finished job leaves in the result store (docs/experiments-and-store.md):
// DIR/jobs/<job_id>.h5 with root attributes job_id, kind, status (done|failed), attempt,
// started_at, finished_at, host, ranks, spec, format_version; /params attributes (the grid
// coordinates); /metrics/<name> and /timings/<phase> float64 scalars; /loss float32 per
// step; /images/<key> uint8 [N,H,W,3] (one chunk per image, deflate, CLASS=IMAGE);
// /matrices/<name> int64 [n,n] with attribute `labels` (n UTF-8 strings); /error.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/value.h"

namespace tunegrid {

// Version of the shard and index layout; readers refuse newer files.
constexpr std::int64_t kStoreFormatVersion = 1;

enum class JobStatus { done, failed };
const char* status_name(JobStatus status);

struct ImageBatch {
  std::string key;                 // e.g. the prompt key "prompt_a"
  int count = 0, height = 0, width = 0;
  std::vector<std::uint8_t> pixels;  // count * height * width * 3, RGB, row-major
};

// A square table of counts with a label per row and column, e.g. a confusion matrix (row = true
// class, column = predicted class).
struct CountMatrix {
  std::vector<std::string> labels;
  std::vector<std::int64_t> counts;  // labels.size()², row-major
};

// What a job produced; filled by the job, written by the store.
struct JobOutputs {
  std::map<std::string, double> metrics;
  std::map<std::string, double> timings;  // seconds per phase
  std::vector<float> loss;                // per step
  std::vector<ImageBatch> images;
  std::map<std::string, CountMatrix> matrices;
};

struct ShardHeader {
  std::string job_id;
  std::string kind;
  JobStatus status = JobStatus::done;
  int attempt = 1;
  std::string started_at, finished_at;  // ISO-8601 UTC
  std::string host;
  int ranks = 1;
  std::string spec;                     // the job's resolved TOML
  std::vector<std::pair<std::string, Value>> params;  // grid coordinates
  std::map<std::string, std::string> environment;     // launcher facts (cluster/environment.h)
  std::string error;                    // failed jobs only
};

std::filesystem::path jobs_dir(const std::filesystem::path& store);
std::filesystem::path shard_path(const std::filesystem::path& store, const std::string& job_id);

}  // namespace tunegrid
