// data_parallel.h — what data-parallel training does with a Communicator (docs/running.md), as
// PyTorch DDP / accelerate do it for the reference scripts: trainable tensors broadcast
// from the group's rank 0 at the start, each global batch split across the ranks (uneven
// splits: the first `global % size` ranks take one example more), gradients of the
// trainable tensors flattened into buckets of at most `bucket_bytes` (default 25 MB, DDP's
// bucket_cap_mb) and reduced, so every rank takes the identical optimizer step.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "workers/parallel/communicator.h"

namespace tunegrid {

constexpr std::int64_t kDefaultBucketBytes = 25ll << 20;

// A scalar summed / maximised over the group (losses, agreement checks, stop requests).
double group_sum(Communicator& communicator, double value);
int group_max(Communicator& communicator, int value);
double group_max_seconds(Communicator& communicator, double seconds);

// [begin, end) of the `global` examples that `rank` of `size` takes.
std::pair<int, int> batch_share(int global, int rank, int size);

// Every rank's tensors become rank 0's (in place, in order).
void broadcast_tensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors, Communicator& communicator);

// Sums (or averages) the gradients of `tensors` over the group, in place. A tensor with no
// gradient on this rank (it saw no example) takes part as zeros and has one afterwards.
// Buckets hold tensors of one dtype and device, in order, up to `bucket_bytes` (a larger
// tensor is a bucket of its own).
void all_reduce_gradients(const std::vector<std::pair<std::string, at::Tensor>>& tensors, Communicator& communicator,
                          ReduceOp op, std::int64_t bucket_bytes = kDefaultBucketBytes);

}  // namespace tunegrid
