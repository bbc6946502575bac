// communicator.h — collective operations over the ranks of one job's group, for data-
// parallel training: in-place all-reduce (sum or average), broadcast and barrier
// over tensors, behind one interface with two backends chosen at run time by the job's
// device, as Marian's communicator*.h does it:
//   MPI   CPU tensors, over the group's MPI communicator (mpi_communicator.cpp)
//   NCCL  CUDA tensors on the current stream; the ncclUniqueId made on the group's rank 0 and
//         broadcast over the group's MPI communicator, ncclCommInitRank, asynchronous errors
//         polled while waiting and ncclCommAbort on failure, so a broken peer fails the job
//         instead of hanging it (nccl_communicator.cpp; compiled with TUNEGRID_WITH_NCCL)
// Every MPI / NCCL / CUDA call is checked; a failure throws CommunicatorError naming the
// failing expression, the rank and the host.
#pragma once
#include <mpi.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <ATen/core/Tensor.h>

namespace tunegrid {

class CommunicatorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ReduceOp { sum, average, max };

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual std::string backend() const = 0;  // "mpi" | "nccl"
  virtual at::Device device() const = 0;     // where its tensors live
  int rank() const { return rank_; }
  int size() const { return size_; }

  // `tensor` must be contiguous, on the backend's device, of a floating type (or int64 for
  // sum); every rank passes the same shape and dtype.
  virtual void all_reduce(at::Tensor& tensor, ReduceOp op) = 0;
  virtual void broadcast(at::Tensor& tensor, int root) = 0;
  virtual void barrier() = 0;

 protected:
  int rank_ = 0, size_ = 1;
};

// The group's communicator for `device` ("cpu" -> MPI, "cuda:N" -> NCCL). Collective over
// `group`: every rank of it must call this together. A CUDA device in a build without
// TUNEGRID_WITH_NCCL throws CommunicatorError.
std::unique_ptr<Communicator> make_communicator(MPI_Comm group, const std::string& device);

// The MPI backend alone (tests, and what make_communicator returns for the CPU).
std::unique_ptr<Communicator> make_mpi_communicator(MPI_Comm group);

#ifdef TUNEGRID_WITH_NCCL
std::unique_ptr<Communicator> make_nccl_communicator(MPI_Comm group, int cuda_device);
#endif

// "<what> failed on rank R of S (host H): <detail>" — the message of every CommunicatorError.
std::string communicator_failure(const std::string& what, int rank, int size, const std::string& detail);

}  // namespace tunegrid
