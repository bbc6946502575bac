// index_updater.cpp — see index_updater.h.
#include "orchestrator/index_updater.h"

#include <algorithm>
#include <chrono>

#include "core/log.h"
#include "core/shard.h"

namespace tunegrid {

IndexUpdater::IndexUpdater(const std::filesystem::path& store, const StoreListing& listing, double interval_seconds)
    : store_(store), interval_(interval_seconds), index_(std::make_unique<ResultIndex>(store, listing)) {
  thread_ = std::thread([this] { loop(); });
}

IndexUpdater::~IndexUpdater() { finish(); }

void IndexUpdater::committed(ShardEntry entry) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.push_back(std::move(entry));
}

std::vector<ShardEntry> IndexUpdater::take_pending() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ShardEntry> entries;
  entries.swap(pending_);
  return entries;
}

void IndexUpdater::apply(std::vector<ShardEntry> entries) {
  std::lock_guard<std::mutex> lock(index_mutex_);  // the thread and write_now() take turns
  for (auto& entry : entries) {
    stat_shard_file(shard_path(store_, entry.job_id), entry);
    index_->put(entry);
  }
  if (!index_->dirty()) return;
  const auto start = std::chrono::steady_clock::now();
  try {
    index_->write();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++writes_.count;
    writes_.total_seconds += seconds;
    writes_.longest_seconds = std::max(writes_.longest_seconds, seconds);
  } catch (const std::exception& problem) {
    log::warn("store", "could not refresh the index: {}", problem.what());
  }
}

void IndexUpdater::loop() {
  while (true) {
    apply(take_pending());  // the first time: what the start found new or changed, if anything
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_ && pending_.empty()) return;
    wake_.wait_for(lock, std::chrono::duration<double>(interval_), [this] { return stopping_; });
  }
}

void IndexUpdater::write_now() { apply(take_pending()); }

void IndexUpdater::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tunegrid
