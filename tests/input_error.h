// input_error.h — test helper: the message of the InputError a callable throws, failing the
// test when it throws none. Shared by the suites that pin error messages.
#pragma once
#include <boost/test/unit_test.hpp>

#include <string>

#include "core/errors.h"

namespace tunegrid::testing {

template <typename Body>
std::string input_error_of(Body body) {
  try {
    body();
  } catch (const InputError& error) {
    return error.what();
  }
  BOOST_FAIL("expected an InputError");
  return "";
}

}  // namespace tunegrid::testing
