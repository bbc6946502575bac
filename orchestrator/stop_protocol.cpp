// stop_protocol.cpp — see stop_protocol.h.
#include "orchestrator/stop_protocol.h"

#include <chrono>

#include "core/log.h"
#include "core/stop_request.h"

namespace tunegrid {

namespace {
constexpr auto kWatchInterval = std::chrono::milliseconds(20);
}  // namespace

StopProtocol::StopProtocol(MPI_Comm world, int rank, int size) : comm_(OwnedComm::duplicate(world)), rank_(rank), size_(size) {
  if (rank_ == 0) {
    set_stop_poller([this] { return poll_rank0_requests() ? kStopFromAnotherRank : 0; });
  } else {
    set_stop_poller([this] { return poll_notice() ? kStopNotice : 0; });
    watcher_ = std::thread([this] { watch(); });
  }
}

StopProtocol::~StopProtocol() {
  set_stop_poller({});
  {
    std::lock_guard<std::mutex> lock(watcher_mutex_);
    watcher_stop_ = true;
  }
  watcher_wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void StopProtocol::watch() {
  std::unique_lock<std::mutex> lock(watcher_mutex_);
  while (!watcher_stop_) {
    if (stop_signal_is_local()) {
      int dummy = 0;
      // A small message to rank 0; errors cannot be thrown from this thread, so they are logged.
      const int code = MPI_Send(&dummy, 1, MPI_INT, 0, kTagStopRequest, comm_.get());
      if (code != MPI_SUCCESS) log::error("stop", "could not tell rank 0 about {} (MPI error {})", stop_signal_name(), code);
      std::lock_guard<std::mutex> counters(mutex_);
      request_sent_ = code == MPI_SUCCESS;
      return;
    }
    watcher_wake_.wait_for(lock, kWatchInterval);
  }
}

bool StopProtocol::poll_rank0_requests() {
  int found = 0;
  MPI_Status status;
  TUNEGRID_MPI(MPI_Iprobe(MPI_ANY_SOURCE, kTagStopRequest, comm_.get(), &found, &status));
  if (!found) return false;
  int dummy = 0;
  TUNEGRID_MPI(MPI_Recv(&dummy, 1, MPI_INT, status.MPI_SOURCE, kTagStopRequest, comm_.get(), MPI_STATUS_IGNORE));
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_received_;
  log::info("stop", "rank {} got a stop signal", status.MPI_SOURCE);
  return true;
}

bool StopProtocol::poll_notice() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (notice_received_) return true;
  int found = 0;
  TUNEGRID_MPI(MPI_Iprobe(0, kTagStop, comm_.get(), &found, MPI_STATUS_IGNORE));
  if (!found) return false;
  TUNEGRID_MPI(MPI_Recv(nullptr, 0, MPI_BYTE, 0, kTagStop, comm_.get(), MPI_STATUS_IGNORE));
  notice_received_ = true;
  return true;
}

void StopProtocol::notify_all_ranks() {
  request_stop(kStopFromAnotherRank);  // rank 0's own worker stops too (kept if a signal came first)
  std::lock_guard<std::mutex> lock(mutex_);
  if (rank_ != 0 || !notices_.empty()) return;
  notices_.resize(static_cast<std::size_t>(size_ - 1));
  for (int r = 1; r < size_; ++r)
    TUNEGRID_MPI(MPI_Isend(nullptr, 0, MPI_BYTE, r, kTagStop, comm_.get(), &notices_[static_cast<std::size_t>(r - 1)]));
}

void StopProtocol::finish() {
  if (finished_) return;
  finished_ = true;
  set_stop_poller({});
  {
    std::lock_guard<std::mutex> lock(watcher_mutex_);
    watcher_stop_ = true;
  }
  watcher_wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  // Every stop request sent reaches rank 0, and every notice its rank.
  int sent = request_sent_ ? 1 : 0, total_sent = 0;
  TUNEGRID_MPI(MPI_Reduce(&sent, &total_sent, 1, MPI_INT, MPI_SUM, 0, comm_.get()));
  int notified = rank_ == 0 && !notices_.empty() ? 1 : 0;
  TUNEGRID_MPI(MPI_Bcast(&notified, 1, MPI_INT, 0, comm_.get()));
  if (rank_ == 0) {
    for (int remaining = total_sent - requests_received_, dummy = 0; remaining > 0; --remaining)
      TUNEGRID_MPI(MPI_Recv(&dummy, 1, MPI_INT, MPI_ANY_SOURCE, kTagStopRequest, comm_.get(), MPI_STATUS_IGNORE));
    if (!notices_.empty())
      TUNEGRID_MPI(MPI_Waitall(static_cast<int>(notices_.size()), notices_.data(), MPI_STATUSES_IGNORE));
  } else if (notified && !notice_received_) {
    TUNEGRID_MPI(MPI_Recv(nullptr, 0, MPI_BYTE, 0, kTagStop, comm_.get(), MPI_STATUS_IGNORE));
  }
}

}  // namespace tunegrid
