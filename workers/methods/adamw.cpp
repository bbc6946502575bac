// adamw.cpp — see adamw.h.
#include "workers/methods/adamw.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "core/errors.h"

namespace tunegrid {

AdamW::AdamW(std::vector<std::pair<std::string, at::Tensor>> parameters, AdamWOptions options)
    : parameters_(std::move(parameters)), moments_(parameters_.size()), options_(options) {}

void AdamW::zero_grad() {
  for (auto& item : parameters_)
    if (item.second.grad().defined()) item.second.mutable_grad() = at::Tensor();
}

void AdamW::step(double learning_rate) {
  at::NoGradGuard no_grad;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    at::Tensor& param = parameters_[i].second;
    const at::Tensor grad = param.grad();
    if (!grad.defined()) continue;
    Moments& m = moments_[i];
    if (!m.exp_avg.defined()) {
      m.exp_avg = at::zeros_like(param);
      m.exp_avg_sq = at::zeros_like(param);
    }
    ++m.steps;
    param.mul_(1.0 - learning_rate * options_.weight_decay);
    m.exp_avg.lerp_(grad, 1.0 - options_.beta1);
    m.exp_avg_sq.mul_(options_.beta2).addcmul_(grad, grad, 1.0 - options_.beta2);
    const double bias_correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(m.steps));
    const double bias_correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(m.steps));
    const at::Tensor denom = (m.exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(options_.epsilon);
    param.addcdiv_(m.exp_avg, denom, -learning_rate / bias_correction1);
  }
}

std::vector<std::pair<std::string, at::Tensor>> AdamW::state() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Moments& m = moments_[i];
    if (!m.exp_avg.defined()) continue;
    const std::string& name = parameters_[i].first;
    out.emplace_back("exp_avg." + name, m.exp_avg);
    out.emplace_back("exp_avg_sq." + name, m.exp_avg_sq);
    out.emplace_back("step." + name, at::scalar_tensor(m.steps, at::kLong));
  }
  return out;
}

void AdamW::load_state(const std::map<std::string, at::Tensor>& state, const std::string& what) {
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const std::string& name = parameters_[i].first;
    const auto step = state.find("step." + name);
    if (step == state.end()) {
      moments_[i] = Moments{};
      continue;
    }
    Moments m;
    m.steps = step->second.item<std::int64_t>();
    for (const char* part : {"exp_avg.", "exp_avg_sq."}) {
      const auto found = state.find(part + name);
      if (found == state.end())
        throw InputError(fmt::format("{}: optimizer state '{}{}' is missing", what, part, name));
      if (!found->second.sizes().equals(parameters_[i].second.sizes()))
        throw InputError(fmt::format("{}: optimizer state '{}{}' has shape [{}], the parameter [{}]", what, part, name,
                                     fmt::join(found->second.sizes(), ", "),
                                     fmt::join(parameters_[i].second.sizes(), ", ")));
      (std::string(part) == "exp_avg." ? m.exp_avg : m.exp_avg_sq) =
          found->second.to(parameters_[i].second.options()).clone();
    }
    moments_[i] = m;
  }
}

}  // namespace tunegrid
