// compute_threads_fixture.cpp — test executables that link the workers compute like
// `tunegrid` does (workers/parallel/compute_threads.h): libtorch on the allowed CPUs. Added
// by tests/CMakeLists.txt to every such executable.
#include <boost/test/unit_test.hpp>

#include "workers/parallel/compute_threads.h"

struct AvailableCpus {
  AvailableCpus() { tunegrid::use_available_cpus(); }
};
BOOST_TEST_GLOBAL_FIXTURE(AvailableCpus);
