// kid.h — Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs") on
// feature rows, as torchmetrics 1.9 computes it (image/kid.py): the unbiased MMD² estimate
// with the polynomial kernel k(x, y) = (γ·xᵀy + coef)^degree (γ = 1/dim by default),
//   MMD² = Σ_{i≠j} k(x_i, x_j) / (m(m−1)) + Σ_{i≠j} k(y_i, y_j) / (n(n−1)) − 2 Σ k(x_i, y_j) / (mn),
// over `subsets` random subsets of `subset_size` rows drawn without replacement from each
// set (torchmetrics: torch.randperm per subset and set); the result is the mean and the
// standard deviation with ddof 0 (torch.std(unbiased=False)) of the subset values.
// Defaults are torchmetrics': subsets 100, subset_size 1000, degree 3, coef 1. Computed in
// float64 on the CPU; deterministic given `seed`. Custom Diffusion reports KID × 10³.
#pragma once
#include <cstdint>

#include <ATen/core/Tensor.h>

namespace tunegrid {

struct KIDOptions {
  int subsets = 100;        // number of random subsets averaged
  int subset_size = 1000;   // rows per subset; more than either set has is an InputError
  int degree = 3;           // polynomial kernel degree
  double gamma = 0.0;       // kernel scale; ≤ 0 means 1 / feature dim
  double coef = 1.0;        // kernel bias term
  std::uint64_t seed = 0;   // subset sampling
};

struct KIDResult {
  double mean = 0.0;  // store name "kid"
  double std = 0.0;   // store name "kid_std"
};

// The unbiased MMD² between all rows of x [m, D] and y [n, D] (m, n ≥ 2); equals torchmetrics'
// poly_mmd when m = n.
double polynomial_mmd2(const at::Tensor& x, const at::Tensor& y, int degree = 3, double gamma = 0.0, double coef = 1.0);

// KID of generated features `fake` [n, D] against reference features `real` [m, D]. Throws
// InputError naming subset_size when it exceeds either set (as torchmetrics raises), and for
// subsets < 1, subset_size < 2, degree < 1 or mismatched feature widths.
KIDResult kernel_inception_distance(const at::Tensor& real, const at::Tensor& fake, const KIDOptions& options = {});

}  // namespace tunegrid
