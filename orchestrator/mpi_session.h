// mpi_session.h — MPI for one `tunegrid run`: initialisation with MPI_THREAD_MULTIPLE (rank
// 0 runs the scheduler on a thread beside its worker), checked calls whose errors name
// the expression, rank and host, and the small message layer the scheduler and the group
// leaders talk over: variable-length byte messages, received by polling with a backoff so
// that idle ranks leave the cores to busy ones (runs are often oversubscribed).
#pragma once
#include <mpi.h>

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

// A duplicate of a communicator, freed with its owner (messages on it never mix with others').
class DuplicateComm {
 public:
  explicit DuplicateComm(MPI_Comm parent);
  ~DuplicateComm();
  DuplicateComm(const DuplicateComm&) = delete;
  DuplicateComm& operator=(const DuplicateComm&) = delete;
  MPI_Comm get() const { return comm_; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
};

// Throws std::runtime_error("<expression> failed on rank R (host): <MPI error text>").
void check_mpi(int code, const char* expression);
#define TUNEGRID_MPI(call) ::tunegrid::check_mpi((call), #call)

// Polls cheaply at first, then sleeps longer and longer (up to 2 ms) while nothing comes.
class PollBackoff {
 public:
  void wait();
  void reset() { polls_ = 0; }

 private:
  int polls_ = 0;
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
