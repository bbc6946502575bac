// prodigy.h — Prodigy (Mishchenko & Defazio 2024), step for step what prodigyopt 1.1.2's
// Prodigy.step computes for one parameter group (slice_p 1, no FSDP): Adam moments scaled by
// the running estimate d of the distance to the solution, d grown from d0 as
// d̂ = d_coef·Σ(d/d0·dlr·⟨g, x₀ − x⟩, decayed by β3) / Σ‖s‖₁, with `use_bias_correction`,
// `safeguard_warmup` and decoupled (or coupled) weight decay; the learning rate is the
// multiplier of d (1.0 in diffusers' FLUX recipe; a warmup schedule scales it). The estimate
// and every moment are state, so a checkpoint resumes it exactly; in a data-parallel group each
// rank steps on the same summed gradients and so holds the same d.
#pragma once
#include "workers/methods/optimizer.h"

namespace tunegrid {

struct ProdigyOptions {
  double beta1 = 0.9, beta2 = 0.999;
  double beta3 = 0;  // 0: √β2 (prodigyopt's None)
  double epsilon = 1e-8, weight_decay = 0;
  bool decouple = true, use_bias_correction = false, safeguard_warmup = false;
  double d0 = 1e-6, d_coef = 1.0;
  double growth_rate = 0;  // 0: unbounded (prodigyopt's inf)
};

class Prodigy : public Optimizer {
 public:
  Prodigy(std::vector<std::pair<std::string, at::Tensor>> parameters, ProdigyOptions options);

  std::string name() const override { return "prodigy"; }
  void step(double learning_rate) override;
  void zero_grad() override;
  // exp_avg / exp_avg_sq / s / p0 / step of each parameter stepped once, and the group's
  // d, d_max, d_numerator and k ("group.d", ...).
  std::vector<std::pair<std::string, at::Tensor>> state() const override;
  void load_state(const std::map<std::string, at::Tensor>& state, const std::string& what) override;

  double d() const { return d_; }

 private:
  struct Moments {
    at::Tensor exp_avg, exp_avg_sq, s, p0;
    std::int64_t steps = 0;
  };
  struct StepScalars {
    double lr, d, dlr, beta3;  // the schedule's lr, d before the step, d·lr·bias correction, β3
  };
  // Pass 1 for parameter i: its moments and s, adding to the sums that estimate d.
  void moments_step(std::size_t i, const StepScalars& scalars, double& delta_numerator, double& d_denom);
  // Pass 2 for parameter i: the update with the new d and the old d·lr.
  void parameter_step(std::size_t i, double d, double dlr);
  std::vector<std::pair<std::string, at::Tensor>> parameters_;
  std::vector<Moments> moments_;
  ProdigyOptions options_;
  double d_, d_max_, d_numerator_ = 0;
  std::int64_t k_ = 0;
};

}  // namespace tunegrid
