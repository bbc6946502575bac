// prodigy.cpp — see prodigy.h.
#include "workers/methods/prodigy.h"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"

namespace tunegrid {

Prodigy::Prodigy(std::vector<std::pair<std::string, at::Tensor>> parameters, ProdigyOptions options)
    : parameters_(std::move(parameters)), moments_(parameters_.size()), options_(options), d_(options.d0),
      d_max_(options.d0) {}

void Prodigy::zero_grad() {
  for (auto& item : parameters_)
    if (item.second.grad().defined()) item.second.mutable_grad() = at::Tensor();
}

void Prodigy::moments_step(std::size_t i, const StepScalars& k, double& delta_numerator, double& d_denom) {
  const ProdigyOptions& o = options_;
  at::Tensor& param = parameters_[i].second;
  at::Tensor grad = param.grad();
  if (o.weight_decay != 0 && !o.decouple) grad.add_(param, o.weight_decay);  // in place, as prodigyopt
  Moments& m = moments_[i];
  if (!m.exp_avg_sq.defined()) {
    m.s = at::zeros_like(param).flatten();
    m.p0 = param.any().item<bool>() ? param.flatten().clone() : at::zeros({}, param.options());
    if (o.beta1 > 0) m.exp_avg = at::zeros_like(param);
    m.exp_avg_sq = at::zeros_like(param);
  }
  if (k.lr <= 0) return;
  const double d = k.d, dlr = k.dlr;
  const at::Tensor flat_grad = grad.flatten();
  delta_numerator += (d / o.d0) * dlr * at::dot(flat_grad, m.p0 - param.flatten()).item<double>();
  if (o.beta1 > 0) m.exp_avg.mul_(o.beta1).add_(grad, d * (1 - o.beta1));
  m.exp_avg_sq.mul_(o.beta2).addcmul_(grad, grad, d * d * (1 - o.beta2));
  m.s.mul_(k.beta3).add_(flat_grad, o.safeguard_warmup ? (d / o.d0) * d : (d / o.d0) * dlr);
  d_denom += m.s.abs().sum().item<double>();
}

void Prodigy::parameter_step(std::size_t i, double d, double dlr) {
  const ProdigyOptions& o = options_;
  at::Tensor& param = parameters_[i].second;
  Moments& m = moments_[i];
  ++m.steps;
  const at::Tensor denom = m.exp_avg_sq.sqrt().add_(d * o.epsilon);
  if (o.weight_decay != 0 && o.decouple) param.add_(param, -o.weight_decay * dlr);
  if (o.beta1 > 0)
    param.addcdiv_(m.exp_avg, denom, -dlr);
  else
    param.addcdiv_(param.grad(), denom, -dlr * d);
}

void Prodigy::step(double lr) {
  at::NoGradGuard no_grad;
  const ProdigyOptions& o = options_;
  const double k = static_cast<double>(k_);
  const double bias_correction =
      o.use_bias_correction ? std::sqrt(1 - std::pow(o.beta2, k + 1)) / (1 - std::pow(o.beta1, k + 1)) : 1.0;
  const StepScalars scalars{lr, d_, d_ * lr * bias_correction, o.beta3 > 0 ? o.beta3 : std::sqrt(o.beta2)};
  // Pass 1: the moments, s, and the sums that estimate d (each term a float32 reduction, summed in float64).
  double d_numerator = d_numerator_ * scalars.beta3, delta_numerator = 0, d_denom = 0;
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    if (parameters_[i].second.grad().defined()) moments_step(i, scalars, delta_numerator, d_denom);
  if (d_denom == 0) return;  // prodigyopt: no update, k unchanged
  double d = scalars.d;
  if (lr > 0) {
    d_numerator += delta_numerator;
    const double d_hat = o.d_coef * d_numerator / d_denom;
    if (d == o.d0) d = std::max(d, d_hat);
    d_max_ = std::max(d_max_, d_hat);
    d = o.growth_rate > 0 ? std::min(d_max_, d * o.growth_rate) : d_max_;
  }
  d_numerator_ = d_numerator;
  d_ = d;
  // Pass 2: the update, with the new d in the denominator and the old dlr as the step.
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    if (parameters_[i].second.grad().defined()) parameter_step(i, d, scalars.dlr);
  ++k_;
}

std::vector<std::pair<std::string, at::Tensor>> Prodigy::state() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Moments& m = moments_[i];
    if (!m.exp_avg_sq.defined()) continue;
    const std::string& name = parameters_[i].first;
    if (m.exp_avg.defined()) out.emplace_back("exp_avg." + name, m.exp_avg);
    out.emplace_back("exp_avg_sq." + name, m.exp_avg_sq);
    out.emplace_back("s." + name, m.s);
    out.emplace_back("p0." + name, m.p0);
    out.emplace_back("step." + name, at::scalar_tensor(m.steps, at::kLong));
  }
  const auto scalar = [](double value) { return at::scalar_tensor(value, at::kDouble); };
  out.emplace_back("group.d", scalar(d_));
  out.emplace_back("group.d_max", scalar(d_max_));
  out.emplace_back("group.d_numerator", scalar(d_numerator_));
  out.emplace_back("group.k", at::scalar_tensor(k_, at::kLong));
  return out;
}

void Prodigy::load_state(const std::map<std::string, at::Tensor>& state, const std::string& what) {
  const auto find = [&](const std::string& key) -> const at::Tensor& {
    const auto found = state.find(key);
    if (found == state.end()) throw InputError(fmt::format("{}: optimizer state '{}' is missing", what, key));
    return found->second;
  };
  d_ = find("group.d").item<double>();
  d_max_ = find("group.d_max").item<double>();
  d_numerator_ = find("group.d_numerator").item<double>();
  k_ = find("group.k").item<std::int64_t>();
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const std::string& name = parameters_[i].first;
    const at::Tensor& param = parameters_[i].second;
    if (!state.count("step." + name)) {
      moments_[i] = Moments{};
      continue;
    }
    const auto tensor = [&](const std::string& part, at::IntArrayRef shape) {
      const at::Tensor& value = find(part + name);
      if (!value.sizes().equals(shape))
        throw InputError(fmt::format("{}: optimizer state '{}{}' has shape [{}], expected [{}]", what, part, name,
                                     fmt::join(value.sizes(), ", "), fmt::join(shape, ", ")));
      return value.to(param.options()).clone();
    };
    Moments m;
    m.steps = find("step." + name).item<std::int64_t>();
    if (options_.beta1 > 0) m.exp_avg = tensor("exp_avg.", param.sizes());
    m.exp_avg_sq = tensor("exp_avg_sq.", param.sizes());
    m.s = tensor("s.", {param.numel()});
    const at::Tensor& p0 = find("p0." + name);
    m.p0 = tensor("p0.", p0.dim() == 0 ? at::IntArrayRef{} : at::IntArrayRef{param.numel()});
    moments_[i] = m;
  }
}

}  // namespace tunegrid
