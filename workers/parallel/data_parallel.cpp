// data_parallel.cpp — see data_parallel.h.
#include "workers/parallel/data_parallel.h"

#include <ATen/ATen.h>

namespace tunegrid {

double group_sum(Communicator& communicator, double value) {
  if (communicator.size() == 1) return value;
  at::Tensor scalar = at::full({1}, value, at::TensorOptions(at::kDouble).device(communicator.device()));
  communicator.all_reduce(scalar, ReduceOp::sum);
  return scalar.item<double>();
}

int group_max(Communicator& communicator, int value) {
  if (communicator.size() == 1) return value;
  at::Tensor scalar = at::full({1}, static_cast<std::int64_t>(value), at::TensorOptions(at::kLong).device(communicator.device()));
  communicator.all_reduce(scalar, ReduceOp::max);
  return static_cast<int>(scalar.item<std::int64_t>());
}

double group_max_seconds(Communicator& communicator, double seconds) {
  if (communicator.size() == 1) return seconds;
  at::Tensor scalar = at::full({1}, seconds, at::TensorOptions(at::kDouble).device(communicator.device()));
  communicator.all_reduce(scalar, ReduceOp::max);
  return scalar.item<double>();
}

std::pair<int, int> batch_share(int global, int rank, int size) {
  const int base = global / size, extra = global % size;
  const int begin = rank * base + std::min(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

void broadcast_tensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors, Communicator& communicator) {
  if (communicator.size() == 1) return;
  at::NoGradGuard no_grad;
  for (const auto& item : tensors) {
    at::Tensor value = item.second;
    if (value.is_contiguous()) {
      communicator.broadcast(value, 0);
    } else {
      at::Tensor copy = value.contiguous();
      communicator.broadcast(copy, 0);
      value.copy_(copy);
    }
  }
}

void all_reduce_gradients(const std::vector<std::pair<std::string, at::Tensor>>& tensors, Communicator& communicator,
                          ReduceOp op, std::int64_t bucket_bytes) {
  if (communicator.size() == 1) return;
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (const auto& item : tensors) {
    at::Tensor parameter = item.second;
    if (!parameter.grad().defined()) parameter.mutable_grad() = at::zeros_like(parameter);
    grads.push_back(parameter.grad());
  }
  std::size_t first = 0;
  while (first < grads.size()) {
    // A bucket: consecutive gradients of one dtype and device, up to bucket_bytes.
    std::size_t last = first + 1;
    std::int64_t bytes = grads[first].numel() * grads[first].element_size();
    while (last < grads.size() && grads[last].scalar_type() == grads[first].scalar_type() &&
           grads[last].device() == grads[first].device() &&
           bytes + grads[last].numel() * grads[last].element_size() <= bucket_bytes) {
      bytes += grads[last].numel() * grads[last].element_size();
      ++last;
    }
    std::vector<at::Tensor> flat;
    for (std::size_t i = first; i < last; ++i) flat.push_back(grads[i].reshape({-1}));
    at::Tensor bucket = at::cat(flat);
    communicator.all_reduce(bucket, op);
    std::int64_t offset = 0;
    for (std::size_t i = first; i < last; ++i) {
      const std::int64_t n = grads[i].numel();
      grads[i].copy_(bucket.narrow(0, offset, n).view(grads[i].sizes()));
      offset += n;
    }
    first = last;
  }
}

}  // namespace tunegrid
