// tolerance.h — how close a tensor must be to its reference in the tests: elementwise
// |actual − expected| ≤ atol + rtol · |expected|, the rule of torch.testing.assert_close, with
// the per-dtype defaults in one place (assert_close's own). Different CPUs run different BLAS
// and ATen kernels (AVX-512, AVX2, the scalar `default`; MKL picks its code path by CPU too),
// which sum in different orders — CTest runs every parity suite again under
// ATEN_CPU_CAPABILITY=default / avx2 and MKL_CBWR=COMPATIBLE to show it on one machine — so an
// absolute bound chosen on one machine is luck on another: a test that needs more than the
// default says why next to it, from the size of the computation (terms reduced, layers
// stacked, magnitude of the values), not from what one machine happened to give.
#pragma once
#include <ATen/ATen.h>

#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>

namespace tunegrid::testing {

struct Tolerance {
  double atol;
  double rtol;
};

// torch.testing.assert_close's defaults.
constexpr Tolerance kFloat32{1e-5, 1.3e-6};
constexpr Tolerance kFloat64{1e-7, 1e-7};
constexpr Tolerance kBFloat16{1e-5, 1.6e-2};
constexpr Tolerance kFloat16{1e-5, 1e-3};

// A whole model's forward pass in fp32 against the reference implementation's fp32 output.
// The reference's own fp32 result moves by up to 1.5e-4 between two x86 CPUs on the tiny UNet
// (the LoRA fixture's output, |values| <= 1.8: PyTorch 2.15 on an AMD EPYC against the machine
// that made the fixture; the float64 value lies 1.3e-4 from the fixture and 3e-5 from PyTorch's
// fp32 here), because the kernels sum its ~30 convolutions and attentions — reductions over up
// to 864 terms, GroupNorm and LayerNorm divisions — in other orders. 3x that as the bound;
// diffusers' own CPU tests compare UNet outputs to 1e-3.
constexpr Tolerance kModelForwardFloat32{5e-4, 1e-4};

// The default for a tensor's dtype.
inline Tolerance default_tolerance(const at::Tensor& tensor) {
  switch (tensor.scalar_type()) {
    case at::kDouble: return kFloat64;
    case at::kBFloat16: return kBFloat16;
    case at::kHalf: return kFloat16;
    default: return kFloat32;
  }
}

// How far `actual` is from `expected` relative to the tolerance: the largest
// |a − e| / (atol + rtol·|e|) over the elements (≤ 1 passes), with the element that sets it.
struct Closeness {
  double worst_ratio = 0;
  double max_abs_difference = 0;
  double expected_at_worst = 0, actual_at_worst = 0;
  double max_abs_expected = 0;
  std::string describe() const {
    std::ostringstream out;
    out << "worst |difference| / tolerance " << worst_ratio << " (actual " << actual_at_worst << ", expected "
        << expected_at_worst << "); max |difference| " << max_abs_difference << ", max |expected| "
        << max_abs_expected;
    return out.str();
  }
};

inline Closeness closeness(const at::Tensor& actual, const at::Tensor& expected, Tolerance tolerance) {
  const at::Tensor a = actual.detach().to(at::kDouble).flatten();
  const at::Tensor e = expected.detach().to(at::kDouble).flatten();
  const at::Tensor difference = (a - e).abs();
  const at::Tensor ratio = difference / (tolerance.atol + tolerance.rtol * e.abs());
  Closeness c;
  if (a.numel() == 0) return c;
  const auto worst = ratio.argmax().item<std::int64_t>();
  c.worst_ratio = ratio[worst].item<double>();
  c.actual_at_worst = a[worst].item<double>();
  c.expected_at_worst = e[worst].item<double>();
  c.max_abs_difference = difference.max().item<double>();
  c.max_abs_expected = e.abs().max().item<double>();
  return c;
}

// Boost check: shapes equal and every element within the tolerance; the message says by how much.
inline void check_close(const at::Tensor& actual, const at::Tensor& expected, Tolerance tolerance,
                        const std::string& what) {
  BOOST_TEST_REQUIRE(actual.sizes().equals(expected.sizes()), what << ": shape " << actual.sizes() << " vs "
                                                                   << expected.sizes());
  const Closeness c = closeness(actual, expected, tolerance);
  BOOST_TEST(c.worst_ratio <= 1.0, what << ": " << c.describe() << " (atol " << tolerance.atol << ", rtol "
                                        << tolerance.rtol << ")");
  BOOST_TEST_MESSAGE(what << ": " << c.describe());
}

}  // namespace tunegrid::testing
