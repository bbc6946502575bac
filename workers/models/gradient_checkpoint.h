// gradient_checkpoint.h — gradient checkpointing (Chen et al. 2016) of one segment of a
// model, as torch.utils.checkpoint (use_reentrant=True) does it and diffusers'
// enable_gradient_checkpointing / transformers' gradient_checkpointing_enable apply it to
// every resnet, transformer block and encoder layer: the forward runs without keeping its
// intermediate activations; backward runs the segment again with gradient (under the
// autocast state and from the random state of the first run, so dropout draws the same
// masks) and back-propagates through it, into the segment's parameters and its inputs.
#pragma once
#include <functional>
#include <vector>

#include <ATen/core/Tensor.h>

namespace tunegrid {

using Segment = std::function<at::Tensor(const std::vector<at::Tensor>& inputs)>;

// segment(inputs), checkpointed when gradient mode is on (else simply run). `inputs` may hold
// undefined tensors (an absent mask); the segment must not keep references to them.
at::Tensor checkpointed(const Segment& segment, const std::vector<at::Tensor>& inputs);

}  // namespace tunegrid
