// torch_libraries.h — the libraries a torch job computes with: libtorch and, with GPU support,
// the CUDA runtime, cuDNN and NCCL — each as built against (the headers of the wheel pinned in
// cluster/libtorch-requirements.txt) and as loaded in this process, with the file it was loaded
// from. A process that loaded another libtorch, CUDA runtime or NCCL than the build's (a stray
// LD_LIBRARY_PATH or LD_PRELOAD, a virtual environment replaced under the build) refuses to
// compute instead of computing with it.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace tunegrid {

struct LibraryVersion {
  std::string name;    // "libtorch", "CUDA runtime", "cuDNN", "NCCL"
  std::string built;   // the version compiled against
  std::string loaded;  // the version of the library in this process
  std::string file;    // where it was loaded from ("" when not known)
  bool must_match = true;
};

std::vector<LibraryVersion> torch_library_versions();

// Throws std::runtime_error naming the first library of `versions` whose loaded version differs
// from the built one (where it must match), with both versions and the file.
void check_library_versions(const std::vector<LibraryVersion>& versions);

// check_library_versions(torch_library_versions()).
void check_torch_library_versions();

// What a shard records about the libraries and the device a job computed on (its
// /environment): libtorch, cuda_runtime, cudnn and nccl as loaded, cpu_capability (ATen's CPU
// kernels: DEFAULT, AVX2, AVX512), and on a CUDA `device`
// gpu_name, gpu_memory_mb, gpu_compute_capability and cuda_driver.
std::map<std::string, std::string> device_facts(const std::string& device);

// Lines for `tunegrid --version`: every library above, and the GPUs this process sees.
std::string describe_torch_libraries();

}  // namespace tunegrid
