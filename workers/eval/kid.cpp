// kid.cpp — see kid.h.
#include "workers/eval/kid.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "core/errors.h"

namespace tunegrid {
namespace {

void check_features(const at::Tensor& t, const char* name) {
  if (!t.defined() || t.dim() != 2 || t.size(0) < 2)
    throw InputError(fmt::format("kernel_inception_distance: {} features must be a [rows, dim] matrix with at least "
                                 "2 rows, got {} dims and {} rows",
                                 name, t.defined() ? t.dim() : 0, t.defined() && t.dim() > 0 ? t.size(0) : 0));
}

}  // namespace

double polynomial_mmd2(const at::Tensor& x_in, const at::Tensor& y_in, int degree, double gamma, double coef) {
  check_features(x_in, "real");
  check_features(y_in, "generated");
  if (x_in.size(1) != y_in.size(1))
    throw InputError(fmt::format("kernel_inception_distance: real features have width {}, generated features {}",
                                 x_in.size(1), y_in.size(1)));
  const at::Tensor x = x_in.detach().to(at::kCPU, at::kDouble);  // [m, D]
  const at::Tensor y = y_in.detach().to(at::kCPU, at::kDouble);  // [n, D]
  const double g = gamma > 0 ? gamma : 1.0 / static_cast<double>(x.size(1));
  auto kernel = [&](const at::Tensor& a, const at::Tensor& b) { return (a.mm(b.t()) * g + coef).pow(degree); };
  const at::Tensor k_xx = kernel(x, x);  // [m, m]
  const at::Tensor k_yy = kernel(y, y);  // [n, n]
  const at::Tensor k_xy = kernel(x, y);  // [m, n]
  const double m = static_cast<double>(x.size(0)), n = static_cast<double>(y.size(0));
  const double xx = (k_xx.sum() - k_xx.diagonal().sum()).item<double>();
  const double yy = (k_yy.sum() - k_yy.diagonal().sum()).item<double>();
  const double xy = k_xy.sum().item<double>();
  return xx / (m * (m - 1)) + yy / (n * (n - 1)) - 2 * xy / (m * n);
}

KIDResult kernel_inception_distance(const at::Tensor& real, const at::Tensor& fake, const KIDOptions& options) {
  check_features(real, "real");
  check_features(fake, "generated");
  if (options.subsets < 1)
    throw InputError(fmt::format("kernel_inception_distance: subsets must be at least 1, got {}", options.subsets));
  if (options.degree < 1)
    throw InputError(fmt::format("kernel_inception_distance: degree must be at least 1, got {}", options.degree));
  if (options.subset_size < 2)
    throw InputError(fmt::format("kernel_inception_distance: subset_size must be at least 2, got {}",
                                 options.subset_size));
  if (options.subset_size > real.size(0) || options.subset_size > fake.size(0))
    throw InputError(fmt::format("kernel_inception_distance: subset_size {} is larger than the number of samples "
                                 "({} real, {} generated); expected at most {}",
                                 options.subset_size, real.size(0), fake.size(0),
                                 std::min(real.size(0), fake.size(0))));
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  const at::Tensor real_rows = real.detach().to(at::kCPU, at::kDouble);  // [m, D]
  const at::Tensor fake_rows = fake.detach().to(at::kCPU, at::kDouble);  // [n, D]
  std::vector<double> values;
  values.reserve(options.subsets);
  for (int s = 0; s < options.subsets; ++s) {
    const at::Tensor pick_real = at::randperm(real_rows.size(0), generator, at::kLong).slice(0, 0, options.subset_size);
    const at::Tensor pick_fake = at::randperm(fake_rows.size(0), generator, at::kLong).slice(0, 0, options.subset_size);
    values.push_back(polynomial_mmd2(real_rows.index_select(0, pick_real), fake_rows.index_select(0, pick_fake),
                                     options.degree, options.gamma, options.coef));
  }
  KIDResult result;
  for (double v : values) result.mean += v;
  result.mean /= static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - result.mean) * (v - result.mean);
  result.std = std::sqrt(squares / static_cast<double>(values.size()));
  return result;
}

}  // namespace tunegrid
