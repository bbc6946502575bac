// shard_reader.h — reading shards back: one shard's header, metrics and timings, its
// images, and a scan of DIR/jobs that sorts readable shards from unreadable ones
// (truncated, foreign, or from a newer tunegrid) so a run can redo the latter.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/shard.h"

namespace tunegrid {

struct ShardSummary {
  std::filesystem::path path;
  std::string job_id, kind, status, started_at, finished_at, host, spec, error;
  int attempt = 0, ranks = 0;
  std::map<std::string, std::string> params;  // attribute values as text
  std::map<std::string, double> metrics, timings;
  std::size_t loss_steps = 0;
  std::vector<std::string> image_keys;
  std::vector<std::string> matrix_keys;
};

// Throws StoreError naming the file for anything unreadable or of a newer format.
ShardSummary read_shard(const std::filesystem::path& path);

// The first `limit` images (0: all) of /images/<key> as one batch. Throws StoreError naming
// the file and key when the shard is unreadable, has no such key, or the dataset is not
// uint8 [N,H,W,3].
ImageBatch read_shard_images(const std::filesystem::path& path, const std::string& key, int limit = 0);

// /matrices/<key> with its labels. Throws StoreError naming the file and key when the shard is
// unreadable, has no such key, or the dataset is not a square integer matrix with one label
// per row.
CountMatrix read_shard_matrix(const std::filesystem::path& path, const std::string& key);

struct StoreScan {
  std::vector<ShardSummary> shards;                                   // by job id
  std::vector<std::pair<std::filesystem::path, std::string>> unreadable;  // path, why
};

StoreScan scan_store(const std::filesystem::path& store);

}  // namespace tunegrid
