// index_updater.h — rank 0 keeps the store's index (core/result_index.h) current while a run
// goes on: the scheduler hands over each shard a worker committed, and a thread of its own
// adds them to the index and publishes it every few seconds. Dispatch never waits for the
// index: handing over an entry takes a lock for a push_back, and the index is written only
// when something changed (a rerun with nothing to do writes nothing).
#pragma once
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/result_index.h"

namespace tunegrid {

// How often and how long the index was written (the run summary reports it).
struct IndexWrites {
  std::size_t count = 0;
  double total_seconds = 0, longest_seconds = 0;
};

class IndexUpdater {
 public:
  // Starts from what list_store() found at the start of the run; writes every `interval` s.
  IndexUpdater(const std::filesystem::path& store, const StoreListing& listing, double interval_seconds = 5.0);
  ~IndexUpdater();  // finish()
  IndexUpdater(const IndexUpdater&) = delete;
  IndexUpdater& operator=(const IndexUpdater&) = delete;

  // A shard of this job is now in DIR/jobs (its file's size, mtime and inode are read here).
  void committed(ShardEntry entry);
  // Adds what is pending and writes the index now, on the calling thread.
  void write_now();
  // Writes what is pending and stops the thread. Idempotent.
  void finish();
  // After finish(): the writes made.
  const IndexWrites& writes() const { return writes_; }

 private:
  void loop();
  std::vector<ShardEntry> take_pending();
  void apply(std::vector<ShardEntry> entries);  // adds them, then writes the index if it changed

  std::filesystem::path store_;
  double interval_;
  std::unique_ptr<ResultIndex> index_;
  std::mutex index_mutex_;  // held while the index is changed or written
  std::mutex mutex_;        // guards pending_ and stopping_ (never held during I/O)
  std::condition_variable wake_;
  std::vector<ShardEntry> pending_;
  bool stopping_ = false;
  IndexWrites writes_;  // guarded by index_mutex_
  std::thread thread_;
};

}  // namespace tunegrid
