// bench_devices_spec.cpp — the parameters of `bench.devices` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in bench_devices.cpp.
#include "workers/jobs/bench_devices_spec.h"
#include "workers/job_specs.h"

namespace tunegrid {

KindSpec bench_devices_spec() {
  KindSpec spec;
  spec.name = "bench.devices";
  spec.doc = "Measures every device of its group (matmul TFLOP/s per dtype, UNet training samples/s, copy and "
             "all-reduce GB/s) for a per-node, per-GPU table.";
  spec.outputs = "artifact `devices.json` (one row per rank); metrics `<column>_median`, `<column>_min`, `devices`, "
                 "`nodes`, `outliers`";
  spec.params = DevicesParams().specs();
  return spec;
}

}  // namespace tunegrid
