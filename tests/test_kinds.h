// test_kinds.h — a small job-kind catalog built in the tests, so config and plan tests do
// not depend on which kinds workers/ happens to register.
#pragma once
#include "core/kind_spec.h"

namespace tunegrid::testing {

inline KindCatalog test_catalog() {
  KindCatalog catalog;
  KindSpec matmul;
  matmul.name = "bench.matmul";
  matmul.params = {
      {"sizes", ParamType::integer_list, Value(Value::List{Value(64)}), "sizes", 1.0, {}},
      {"size", ParamType::integer, Value(64), "one size", 1.0, {}},
      {"dtype", ParamType::string, Value("float32"), "dtype", std::nullopt, {"float32", "float64"}},
      {"repeats", ParamType::integer, Value(3), "repeats", 1.0, {}},
      {"scale", ParamType::number, Value(1.0), "a float", 0.0, {}},
  };
  catalog[matmul.name] = matmul;
  KindSpec noop;
  noop.name = "bench.noop";
  noop.params = {{"sleep_ms", ParamType::number, Value(0.0), "sleep", 0.0, {}},
                 {"label", ParamType::string, Value(""), "free text", std::nullopt, {}}};
  catalog[noop.name] = noop;
  return catalog;
}

}  // namespace tunegrid::testing
