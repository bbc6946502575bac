// mpi_session.h — MPI for one `tunegrid run`: initialisation with MPI_THREAD_MULTIPLE (rank
// 0 runs the scheduler on a thread beside its worker), checked calls whose errors name
// the expression, rank and host, and the small message layer the scheduler and the group
// leaders talk over: variable-length byte messages, received by polling with a backoff so
// that idle ranks leave the cores to busy ones (runs are often oversubscribed).
#pragma once
#include <mpi.h>

#include <chrono>
#include <string>

namespace tunegrid {

class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0, size_ = 1;
};

// A communicator this process made (a duplicate, whose messages never mix with others', or a
// split), freed by its owner — unless MPI is already finalized. Movable, not copyable.
class OwnedComm {
 public:
  OwnedComm() = default;
  static OwnedComm duplicate(MPI_Comm parent);                   // MPI_Comm_dup
  static OwnedComm split(MPI_Comm parent, int color, int key);   // MPI_Comm_split
  ~OwnedComm();
  OwnedComm(OwnedComm&& other) noexcept;
  OwnedComm& operator=(OwnedComm&& other) noexcept;
  OwnedComm(const OwnedComm&) = delete;
  OwnedComm& operator=(const OwnedComm&) = delete;
  MPI_Comm get() const { return comm_; }

 private:
  void free();
  MPI_Comm comm_ = MPI_COMM_NULL;
};

// Throws std::runtime_error("<expression> failed on rank R (host): <MPI error text>").
void check_mpi(int code, const char* expression);
#define TUNEGRID_MPI(call) ::tunegrid::check_mpi((call), #call)

// Polls cheaply at first, then sleeps: up to 0.13 ms while the quiet is young (jobs of a
// millisecond get their next one at once), 2 ms once nothing has come for 20 ms (a long job
// running: a poller that woke 8,000 times a second took ~7% of a CPU from the job computing
// beside it, docs/benchmarks.md).
class PollBackoff {
 public:
  void wait();
  void reset() { polls_ = 0; }

 private:
  int polls_ = 0;
  std::chrono::steady_clock::time_point quiet_since_{};
};

enum MessageTag : int { kTagRequest = 11, kTagReply = 12, kTagStop = 13, kTagStopRequest = 14, kTagProgress = 15 };

void send_bytes(MPI_Comm comm, int destination, int tag, const std::string& bytes);
// Waits for a message with `tag` from `source` (MPI_ANY_SOURCE allowed); returns its bytes
// and sets *from to the sender.
std::string receive_bytes(MPI_Comm comm, int source, int tag, int* from = nullptr);
// Non-blocking: returns false when nothing is waiting.
bool try_receive_bytes(MPI_Comm comm, int source, int tag, std::string& bytes, int* from = nullptr);

// Broadcast from group rank 0 that polls instead of spinning inside MPI.
void broadcast_bytes(MPI_Comm comm, std::string& bytes);

}  // namespace tunegrid
