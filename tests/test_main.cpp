// test_main.cpp — the Boost.Test entry point shared by tunegrid's unit-test executables.
#define BOOST_TEST_MODULE tunegrid
#include <boost/test/unit_test.hpp>
