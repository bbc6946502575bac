// fake_accelerator.h — a second device for tests on machines without a GPU: libtorch's
// PrivateUse1 backend registered as "fake", whose tensors live in host memory and whose
// operators run libtorch's CPU kernels (convolutions explicitly, everything else through
// ATen's CPU fallback). What makes it useful is what it refuses, as CUDA does: an operator
// given tensors of both devices (other than 0-dim CPU scalars) and a CPU generator used to
// fill a fake tensor both throw. Code that runs a job on the fake device therefore leaves
// no tensor on, and creates none on, the wrong device. What it cannot catch: reading a
// device tensor's data_ptr on the host (its memory is host memory); random draws that use
// the device's default generator (they run on the CPU's); an operator whose first tensor is
// a 0-dim CPU tensor returns a CPU tensor (CUDA's would be on the device), and 0-dim CPU
// tensors pass in every operator (CUDA: elementwise ones only); anything about streams,
// memory limits or kernels that only a GPU has. Registering it makes it the process's
// accelerator (at::manual_seed then no longer seeds CUDA): ctest runs each suite in a
// process of its own.
#pragma once
#include <c10/core/Device.h>

#include <cstdint>

namespace tunegrid::testing {

// The fake device ("fake:0"), registered on first use (the backend name, its allocator,
// device guard and hooks); the process's accelerator from then on.
c10::Device fake_accelerator();

// How many buffers the fake device has allocated so far: a test checks that code computed there.
std::int64_t fake_allocations();

}  // namespace tunegrid::testing
