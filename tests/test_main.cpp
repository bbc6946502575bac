// test_main.cpp — the Boost.Test entry point shared by tunegrid's unit-test executables.
// Every test process starts like `tunegrid` does: OpenBLAS on one thread (core/blas_threads.h).
#define BOOST_TEST_MODULE tunegrid
#include <boost/test/unit_test.hpp>

#include "core/blas_threads.h"

struct SingleThreadedBlas {
  SingleThreadedBlas() { tunegrid::use_single_threaded_blas(); }
};
BOOST_TEST_GLOBAL_FIXTURE(SingleThreadedBlas);
