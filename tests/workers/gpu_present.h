// gpu_present.h — the precondition of tests that need a GPU: they skip, with a message naming
// the libraries and what the process sees, on a machine without one.
#pragma once
#include <boost/test/unit_test.hpp>

#include "workers/parallel/devices.h"
#include "workers/parallel/torch_libraries.h"

namespace tunegrid::testing {

struct GpuPresent {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result result(visible_gpu_count() > 0);
    result.message() << "no GPU visible (" << describe_torch_libraries() << ")";
    return result;
  }
};

}  // namespace tunegrid::testing
