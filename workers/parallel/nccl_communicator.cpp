// nccl_communicator.cpp — the NCCL backend of communicator.h (CUDA tensors), compiled with
// TUNEGRID_WITH_NCCL. The ncclUniqueId is made on the group's rank 0 and broadcast over the
// group's MPI communicator; ncclCommInitRank joins the clique. Collectives run on the current
// stream of libtorch's CUDA device, and each waits for its stream while
// polling ncclCommGetAsyncError: an asynchronous error (a peer died, a network failure) or a
// wait longer than TUNEGRID_NCCL_TIMEOUT seconds (default 600) aborts the communicator with
// ncclCommAbort and throws, so the job fails instead of hanging.
#ifdef TUNEGRID_WITH_NCCL
#include <ATen/ATen.h>
#include <cuda_runtime_api.h>
#include <fmt/format.h>
#include <nccl.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <c10/cuda/CUDAStream.h>

#include "workers/parallel/communicator.h"

namespace tunegrid {

namespace {

ncclDataType_t nccl_type(const at::Tensor& tensor) {
  switch (tensor.scalar_type()) {
    case at::kFloat: return ncclFloat32;
    case at::kDouble: return ncclFloat64;
    case at::kHalf: return ncclFloat16;
#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 10, 0)
    case at::kBFloat16: return ncclBfloat16;
#endif
    case at::kLong: return ncclInt64;
    case at::kInt: return ncclInt32;
    case at::kByte: return ncclUint8;
    default:
      throw CommunicatorError(fmt::format("NCCL backend cannot reduce tensors of type {}",
                                          c10::toString(tensor.scalar_type())));
  }
}

class NCCLCommunicator : public Communicator {
 public:
  NCCLCommunicator(MPI_Comm group, int cuda_device) : device_(cuda_device) {
    check_mpi(MPI_Comm_rank(group, &rank_), "MPI_Comm_rank(group, &rank)");
    check_mpi(MPI_Comm_size(group, &size_), "MPI_Comm_size(group, &size)");
    check_cuda(cudaSetDevice(device_), "cudaSetDevice(device)");
    ncclUniqueId id;
    if (rank_ == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId(&id)");
    check_mpi(MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, group), "MPI_Bcast(ncclUniqueId, root 0, group)");
    check_nccl(ncclCommInitRank(&comm_, size_, id, rank_), "ncclCommInitRank(&comm, size, id, rank)");
    if (const char* seconds = std::getenv("TUNEGRID_NCCL_TIMEOUT")) timeout_seconds_ = std::atof(seconds);
  }

  ~NCCLCommunicator() override {
    if (comm_) ncclCommDestroy(comm_);
  }

  std::string backend() const override { return "nccl"; }
  at::Device device() const override { return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device_)); }

  void all_reduce(at::Tensor& tensor, ReduceOp op) override {
    require_cuda_contiguous(tensor, "all_reduce");
    if (tensor.numel() == 0) return;
#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 10, 0)
    const ncclRedOp_t reduce = op == ReduceOp::max ? ncclMax : op == ReduceOp::average ? ncclAvg : ncclSum;
#else
    const ncclRedOp_t reduce = op == ReduceOp::max ? ncclMax : ncclSum;
#endif
    check_nccl(ncclAllReduce(tensor.data_ptr(), tensor.data_ptr(), static_cast<size_t>(tensor.numel()),
                             nccl_type(tensor), reduce, comm_, stream()),
               "ncclAllReduce(tensor, tensor, count, type, op, comm, stream)");
    wait("ncclAllReduce");
#if NCCL_VERSION_CODE < NCCL_VERSION(2, 10, 0)
    if (op == ReduceOp::average) tensor.div_(size_);
#endif
  }

  void broadcast(at::Tensor& tensor, int root) override {
    require_cuda_contiguous(tensor, "broadcast");
    if (tensor.numel() == 0) return;
    check_nccl(ncclBroadcast(tensor.data_ptr(), tensor.data_ptr(), static_cast<size_t>(tensor.numel()),
                             nccl_type(tensor), root, comm_, stream()),
               "ncclBroadcast(tensor, tensor, count, type, root, comm, stream)");
    wait("ncclBroadcast");
  }

  void barrier() override {
    at::Tensor one = at::ones({1}, at::TensorOptions(at::kFloat).device(device()));
    all_reduce(one, ReduceOp::sum);
  }

 private:
  cudaStream_t stream() const {
    return c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(device_)).stream();
  }

  // Waits for the collective while watching for asynchronous NCCL errors and the timeout.
  void wait(const char* what) {
    const auto start = std::chrono::steady_clock::now();
    while (true) {
      const cudaError_t state = cudaStreamQuery(stream());
      if (state == cudaSuccess) return;
      if (state != cudaErrorNotReady) check_cuda(state, "cudaStreamQuery(stream)");
      ncclResult_t async = ncclSuccess;
      check_nccl(ncclCommGetAsyncError(comm_, &async), "ncclCommGetAsyncError(comm, &error)");
      if (async != ncclSuccess) abort(what, fmt::format("asynchronous NCCL error: {}", ncclGetErrorString(async)));
      const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (timeout_seconds_ > 0 && waited > timeout_seconds_)
        abort(what, fmt::format("no completion after {:.0f} s (TUNEGRID_NCCL_TIMEOUT); a peer is gone or stuck",
                                waited));
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  [[noreturn]] void abort(const char* what, const std::string& detail) {
    ncclCommAbort(comm_);
    comm_ = nullptr;
    throw CommunicatorError(communicator_failure(what, rank_, size_, detail + "; the communicator was aborted"));
  }

  void check_nccl(ncclResult_t code, const char* expression) {
    if (code == ncclSuccess) return;
    throw CommunicatorError(communicator_failure(expression, rank_, size_, ncclGetErrorString(code)));
  }
  void check_cuda(cudaError_t code, const char* expression) {
    if (code == cudaSuccess) return;
    throw CommunicatorError(communicator_failure(expression, rank_, size_, cudaGetErrorString(code)));
  }
  void check_mpi(int code, const char* expression) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING] = {0};
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw CommunicatorError(communicator_failure(expression, rank_, size_, std::string(text, length)));
  }
  void require_cuda_contiguous(const at::Tensor& tensor, const char* what) const {
    if (!tensor.defined() || !tensor.is_cuda() || !tensor.is_contiguous())
      throw CommunicatorError(fmt::format("{}: the NCCL backend takes defined, contiguous CUDA tensors", what));
  }

  int device_;
  ncclComm_t comm_ = nullptr;
  double timeout_seconds_ = 600;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(MPI_Comm group, int cuda_device) {
  return std::make_unique<NCCLCommunicator>(group, cuda_device);
}

}  // namespace tunegrid
#endif  // TUNEGRID_WITH_NCCL
