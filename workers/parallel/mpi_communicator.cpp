// mpi_communicator.cpp — the MPI backend of communicator.h (CPU tensors), and
// make_communicator's choice of backend by device.
#include <ATen/ATen.h>
#include <fmt/format.h>
#include <unistd.h>

#include "workers/parallel/communicator.h"

namespace tunegrid {

namespace {

std::string host() {
  char name[256] = {0};
  gethostname(name, sizeof(name) - 1);
  return name;
}

MPI_Datatype mpi_type(const at::Tensor& tensor, const std::string& what) {
  switch (tensor.scalar_type()) {
    case at::kFloat: return MPI_FLOAT;
    case at::kDouble: return MPI_DOUBLE;
    case at::kLong: return MPI_INT64_T;
    case at::kInt: return MPI_INT32_T;
    case at::kByte: return MPI_UINT8_T;
    default:
      throw CommunicatorError(fmt::format("{}: MPI backend cannot reduce or send tensors of type {}", what,
                                          c10::toString(tensor.scalar_type())));
  }
}

class MPICommunicator : public Communicator {
 public:
  explicit MPICommunicator(MPI_Comm group) : group_(group) {
    check(MPI_Comm_rank(group_, &rank_), "MPI_Comm_rank(group, &rank)");
    check(MPI_Comm_size(group_, &size_), "MPI_Comm_size(group, &size)");
  }

  std::string backend() const override { return "mpi"; }
  at::Device device() const override { return at::kCPU; }

  void all_reduce(at::Tensor& tensor, ReduceOp op) override {
    require_cpu_contiguous(tensor, "all_reduce");
    if (size_ == 1 || tensor.numel() == 0) return;
    if (op == ReduceOp::average && !at::isFloatingType(tensor.scalar_type()))
      throw CommunicatorError("all_reduce(average) needs a floating-point tensor");
    // Large messages go in pieces: MPI counts are int.
    constexpr std::int64_t kPiece = 1 << 28;
    auto* base = static_cast<char*>(tensor.data_ptr());
    const std::int64_t item = tensor.element_size();
    const MPI_Datatype type = mpi_type(tensor, "all_reduce");
    for (std::int64_t offset = 0; offset < tensor.numel(); offset += kPiece) {
      const int count = static_cast<int>(std::min(kPiece, tensor.numel() - offset));
      check(MPI_Allreduce(MPI_IN_PLACE, base + offset * item, count, type, op == ReduceOp::max ? MPI_MAX : MPI_SUM,
                          group_),
            "MPI_Allreduce(MPI_IN_PLACE, tensor, count, type, op, group)");
    }
    if (op == ReduceOp::average) tensor.div_(size_);
  }

  void broadcast(at::Tensor& tensor, int root) override {
    require_cpu_contiguous(tensor, "broadcast");
    if (size_ == 1 || tensor.numel() == 0) return;
    constexpr std::int64_t kPiece = 1 << 28;
    auto* base = static_cast<char*>(tensor.data_ptr());
    const std::int64_t item = tensor.element_size();
    const MPI_Datatype type = mpi_type(tensor, "broadcast");
    for (std::int64_t offset = 0; offset < tensor.numel(); offset += kPiece) {
      const int count = static_cast<int>(std::min(kPiece, tensor.numel() - offset));
      check(MPI_Bcast(base + offset * item, count, type, root, group_), "MPI_Bcast(tensor, count, type, root, group)");
    }
  }

  void barrier() override { check(MPI_Barrier(group_), "MPI_Barrier(group)"); }

 private:
  void check(int code, const char* expression) const {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING] = {0};
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw CommunicatorError(communicator_failure(expression, rank_, size_, std::string(text, length)));
  }

  void require_cpu_contiguous(const at::Tensor& tensor, const char* what) const {
    if (!tensor.defined() || !tensor.device().is_cpu() || !tensor.is_contiguous())
      throw CommunicatorError(fmt::format("{}: the MPI backend takes defined, contiguous CPU tensors", what));
  }

  MPI_Comm group_;
};

}  // namespace

std::string communicator_failure(const std::string& what, int rank, int size, const std::string& detail) {
  return fmt::format("{} failed on rank {} of {} (host {}): {}", what, rank, size, host(), detail);
}

std::unique_ptr<Communicator> make_mpi_communicator(MPI_Comm group) { return std::make_unique<MPICommunicator>(group); }

std::unique_ptr<Communicator> make_communicator(MPI_Comm group, const std::string& device) {
  if (device.rfind("cuda", 0) == 0) {
#ifdef TUNEGRID_WITH_NCCL
    const auto colon = device.find(':');
    return make_nccl_communicator(group, colon == std::string::npos ? 0 : std::stoi(device.substr(colon + 1)));
#else
    throw CommunicatorError(fmt::format("device '{}' needs the NCCL backend; this tunegrid was built without it "
                                        "(configure with -DTUNEGRID_WITH_NCCL=ON)", device));
#endif
  }
  return make_mpi_communicator(group);
}

}  // namespace tunegrid
