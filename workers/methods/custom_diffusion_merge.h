// custom_diffusion_merge.h — Custom Diffusion's closed-form multi-concept merge (Kumari et
// al. 2023, Sec. 3.2, "constrained optimization to merge concepts"; adobe-research/
// custom-diffusion src/composenW.py): for every cross-attention key / value matrix W of the
// base model, the W' closest to W in the norm of the regularization captions' text features
// (C = Rᵀ R) that maps each concept's target-prompt features exactly as that concept's
// fine-tuned matrix W_i does:
//   minimise ‖(W' − W) Rᵀ‖² (+ a 1e-6 ridge)  subject to  W' K_tᵀ = V_tᵀ,  K_t = [K_1; K_2; ...],  V_t = [K_1 W_1ᵀ; K_2 W_2ᵀ; ...]
//   d = (C⁻¹ K_tᵀ)ᵀ,  Δ = (V_tᵀ − W K_tᵀ)(d K_tᵀ)⁻¹,  W' = W + Δ d.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace tunegrid {

struct MergeConcept {
  std::map<std::string, at::Tensor> weights;  // projection name -> the concept's fine-tuned W_i [out, d]
  at::Tensor targets;                         // K_i [n_i, d]: text features of the concept's target prompts
};

// `base`: projection name -> W [out, d]; `regularization`: R [m, d] (m ≥ d rows, so C is
// invertible). Every concept must have every projection of `base`. Returns W' per name (in
// W's dtype; computed in float64). Throws InputError when the target rows are linearly
// dependent (the constraints cannot all hold).
std::map<std::string, at::Tensor> merge_custom_diffusion(const std::map<std::string, at::Tensor>& base,
                                                         const std::vector<MergeConcept>& concepts,
                                                         const at::Tensor& regularization);

}  // namespace tunegrid
