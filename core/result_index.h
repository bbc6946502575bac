// result_index.h — DIR/results.h5, the store's index: /jobs/<job_id> is an HDF5 external
// link to DIR/jobs/<job_id>.h5 (relative, so a copied store still opens), and root
// attributes count what the index holds. It is derived data: rebuilt from the shards at any
// time (`tunegrid status DIR --rebuild`) and replaced atomically.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "core/shard_reader.h"

namespace tunegrid {

// Writes the index for `shards` (as read by scan_store).
void write_index(const std::filesystem::path& store, const std::vector<ShardSummary>& shards);

// Scans DIR/jobs and writes the index; returns the scan (unreadable shards are left out).
StoreScan rebuild_index(const std::filesystem::path& store);

std::filesystem::path index_path(const std::filesystem::path& store);

}  // namespace tunegrid
