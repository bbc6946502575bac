// mpi_session.cpp — see mpi_session.h.
#include "orchestrator/mpi_session.h"

#include <sched.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>

#include "core/errors.h"
#include "core/text.h"

namespace tunegrid {

MpiSession::MpiSession() {
  int provided = 0;
  TUNEGRID_MPI(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided));
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  if (provided < MPI_THREAD_MULTIPLE) {
    MPI_Finalize();
    throw InputError("this MPI library does not provide MPI_THREAD_MULTIPLE, which tunegrid needs (rank 0 schedules "
                     "on a thread beside its worker); use an MPI built with thread support (Debian's OpenMPI is)");
  }
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

OwnedComm OwnedComm::duplicate(MPI_Comm parent) {
  OwnedComm owned;
  TUNEGRID_MPI(MPI_Comm_dup(parent, &owned.comm_));
  return owned;
}

OwnedComm OwnedComm::split(MPI_Comm parent, int color, int key) {
  OwnedComm owned;
  TUNEGRID_MPI(MPI_Comm_split(parent, color, key, &owned.comm_));
  return owned;
}

OwnedComm::~OwnedComm() { free(); }

OwnedComm::OwnedComm(OwnedComm&& other) noexcept : comm_(other.comm_) { other.comm_ = MPI_COMM_NULL; }

OwnedComm& OwnedComm::operator=(OwnedComm&& other) noexcept {
  if (this != &other) {
    free();
    comm_ = other.comm_;
    other.comm_ = MPI_COMM_NULL;
  }
  return *this;
}

void OwnedComm::free() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);  // a destructor: nothing to throw to
  comm_ = MPI_COMM_NULL;
}

void check_mpi(int code, const char* expression) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  int rank = -1, initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  throw std::runtime_error(fmt::format("{} failed on rank {} ({}): {}", expression, rank, host_name(), text));
}

void PollBackoff::wait() {
  using namespace std::chrono_literals;
  if (polls_++ == 0) quiet_since_ = std::chrono::steady_clock::now();
  if (polls_ < 50) {
    sched_yield();
    return;
  }
  if (std::chrono::steady_clock::now() - quiet_since_ > 20ms) {
    std::this_thread::sleep_for(2ms);
    return;
  }
  const int exponent = std::min(polls_ - 50, 4);
  std::this_thread::sleep_for(std::chrono::microseconds(8 << exponent));  // 8 µs … 128 µs
}

void send_bytes(MPI_Comm comm, int destination, int tag, const std::string& bytes) {
  TUNEGRID_MPI(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, destination, tag, comm));
}

bool try_receive_bytes(MPI_Comm comm, int source, int tag, std::string& bytes, int* from) {
  int found = 0;
  MPI_Message message;
  MPI_Status status;
  TUNEGRID_MPI(MPI_Improbe(source, tag, comm, &found, &message, &status));
  if (!found) return false;
  int count = 0;
  TUNEGRID_MPI(MPI_Get_count(&status, MPI_BYTE, &count));
  bytes.resize(static_cast<std::size_t>(count));
  TUNEGRID_MPI(MPI_Mrecv(bytes.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE));
  if (from) *from = status.MPI_SOURCE;
  return true;
}

std::string receive_bytes(MPI_Comm comm, int source, int tag, int* from) {
  std::string bytes;
  PollBackoff backoff;
  while (!try_receive_bytes(comm, source, tag, bytes, from)) backoff.wait();
  return bytes;
}

namespace {
void wait_for(MPI_Request& request) {
  PollBackoff backoff;
  int done = 0;
  while (true) {
    TUNEGRID_MPI(MPI_Test(&request, &done, MPI_STATUS_IGNORE));
    if (done) return;
    backoff.wait();
  }
}
}  // namespace

void broadcast_bytes(MPI_Comm comm, std::string& bytes) {
  std::uint64_t size = bytes.size();
  MPI_Request request;
  TUNEGRID_MPI(MPI_Ibcast(&size, 1, MPI_UINT64_T, 0, comm, &request));
  wait_for(request);
  bytes.resize(size);
  if (size == 0) return;
  TUNEGRID_MPI(MPI_Ibcast(bytes.data(), static_cast<int>(size), MPI_BYTE, 0, comm, &request));
  wait_for(request);
}

}  // namespace tunegrid
