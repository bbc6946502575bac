// result_index.h — DIR/results.h5, the store's index. It holds
//   /jobs/<job_id>  an HDF5 external link to DIR/jobs/<job_id>.h5 (relative, so a copied
//                   store still opens: h5py follows it like a group);
//   /catalog        one row per shard: job_id, kind, status (1 done, 2 failed), attempt,
//                   seconds (its timings/total), and the shard file's size, mtime and inode
//                   when it was listed — a compound dataset h5py reads as a structured array;
//   root attributes format_version, updated_at, jobs_done, jobs_failed.
// It is derived data (`tunegrid status DIR --rebuild` makes it anew from the shards) and is
// replaced atomically (written aside, fsynced, renamed), so a reader always sees a whole file.
//
// The catalog is what makes a large store cheap to reopen: list_store() trusts a row whose
// file still has the recorded size, mtime and inode, and opens only the shards that are new
// or changed since (a rerun with 10^5 finished jobs then stats 10^5 files instead of opening
// them). ResultIndex keeps the index as an HDF5 image in memory and appends to it, so one
// more finished job costs one link and one row, not a rewrite of all of them.
#pragma once
#include <cstdint>
#include <filesystem>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>

#include "core/hdf5_handles.h"
#include "core/shard_reader.h"

namespace tunegrid {

// What the index records of one shard (and all that resuming a run or `tunegrid status` need).
struct ShardEntry {
  std::string job_id, kind, status;  // status: "done" or "failed"
  int attempt = 0;
  double seconds = 0;                // the shard's timings/total
  std::int64_t bytes = -1, mtime_ns = -1;
  std::uint64_t inode = 0;
};

// The shards of a store as list_store() finds them.
struct StoreListing {
  std::vector<ShardEntry> shards;                                         // readable ones, by job id
  std::vector<std::pair<std::filesystem::path, std::string>> unreadable;  // path, why
  bool index_read = false;       // results.h5 had a catalog this tunegrid reads
  std::vector<std::size_t> new_or_changed;  // shards the catalog lacked or described otherwise
  bool index_lists_missing = false;          // catalog rows whose shard is gone or unreadable
  // The index describes the store exactly: nothing to write.
  bool index_current() const { return index_read && new_or_changed.empty() && !index_lists_missing; }
};

// Lists DIR/jobs: each shard's entry from the catalog when its file is unchanged, else read
// from the shard itself (unreadable ones are reported, with the reason).
StoreListing list_store(const std::filesystem::path& store);

// The entry of one shard as read from the file (its size, mtime and inode included).
ShardEntry entry_of_shard(const ShardSummary& shard);

// Size, mtime and inode of a shard file into `entry` (left -1 / 0 when it cannot be stat'ed).
void stat_shard_file(const std::filesystem::path& path, ShardEntry& entry);

std::filesystem::path index_path(const std::filesystem::path& store);

// The index held in memory while a run adds to it.
class ResultIndex {
 public:
  // Starts from DIR/results.h5 when the listing read it and found no row to drop (adding what
  // is new or changed), else builds it from every shard of the listing.
  ResultIndex(const std::filesystem::path& store, const StoreListing& listing);
  ~ResultIndex();
  ResultIndex(const ResultIndex&) = delete;
  ResultIndex& operator=(const ResultIndex&) = delete;

  // Adds a shard's link and row, or replaces the row of a job already listed.
  void put(const ShardEntry& entry);
  // Something to write since the last write().
  bool dirty() const { return dirty_; }
  // Publishes DIR/results.h5 if dirty (StoreError when it cannot).
  void write();
  std::size_t size() const { return rows_.size(); }

 private:
  void create_empty();
  void open_existing();
  void append_rows();

  std::filesystem::path store_;
  std::string name_;  // for messages
  hdf5::Handle file_;
  struct Row {
    std::size_t index;  // in /catalog
    bool done;          // else failed
  };
  std::unordered_map<std::string, Row> rows_;                // job id -> its row
  std::vector<std::pair<std::size_t, ShardEntry>> pending_;  // rows to write: (row, entry)
  std::int64_t done_ = 0, failed_ = 0;
  bool dirty_ = false;
};

// Writes a fresh index of `listing`'s shards (`tunegrid status --rebuild`).
void write_index(const std::filesystem::path& store, const StoreListing& listing);

// Scans every shard in full (scan_store) and writes a fresh index; returns the scan.
StoreScan rebuild_index(const std::filesystem::path& store);

}  // namespace tunegrid
