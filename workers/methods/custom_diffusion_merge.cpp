// custom_diffusion_merge.cpp — see custom_diffusion_merge.h. Solved in float64: C and
// d K_tᵀ are small (d × d, n × n) but can be badly conditioned.
#include "workers/methods/custom_diffusion_merge.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "core/errors.h"

namespace tunegrid {

std::map<std::string, at::Tensor> merge_custom_diffusion(const std::map<std::string, at::Tensor>& base,
                                                         const std::vector<MergeConcept>& concepts,
                                                         const at::Tensor& regularization) {
  if (concepts.empty()) throw InputError("custom diffusion merge: no concepts");
  const at::Tensor R = regularization.to(at::kDouble);
  // C = RᵀR plus a ridge of 1e-6 of its mean eigenvalue: caption features from a small
  // vocabulary (the builtin world's) span fewer than d directions, and an almost singular C
  // would cost the constraints their precision. The constraints hold for any invertible C;
  // the ridge only adds 1e-6·‖W' − W‖² to what is minimised.
  at::Tensor C = at::matmul(R.t(), R);  // [d, d]
  C = C + at::eye(C.size(0), C.options()) * (1e-6 * C.trace().item<double>() / C.size(0));
  std::vector<at::Tensor> targets;
  for (const auto& concept_weights : concepts) targets.push_back(concept_weights.targets.to(at::kDouble));
  const at::Tensor K = at::cat(targets);                    // [n, d]
  const at::Tensor D = at::linalg_solve(C, K.t()).t();      // [n, d]
  const at::Tensor gram = at::matmul(D, K.t());             // [n, n]
  const auto rank = at::linalg_matrix_rank(gram).item<std::int64_t>();
  if (rank < gram.size(0))
    throw InputError(fmt::format("custom diffusion merge: the {} target feature rows of the concepts have rank {}; "
                                 "the constraints cannot all hold (use fewer or more distinct target prompts)",
                                 gram.size(0), rank));
  const at::Tensor inverse = at::inverse(gram);             // [n, n]
  std::map<std::string, at::Tensor> merged;
  for (const auto& [name, weight] : base) {
    const at::Tensor W = weight.to(at::kDouble);  // [out, d]
    std::vector<at::Tensor> values;
    for (std::size_t i = 0; i < concepts.size(); ++i) {
      const auto found = concepts[i].weights.find(name);
      if (found == concepts[i].weights.end())
        throw InputError(fmt::format("custom diffusion merge: concept {} has no weights for '{}'", i + 1, name));
      values.push_back(at::matmul(targets[i], found->second.to(at::kDouble).t()));  // [n_i, out]
    }
    const at::Tensor V = at::cat(values);                                            // [n, out]
    const at::Tensor delta = at::matmul(V.t() - at::matmul(W, K.t()), inverse);      // [out, n]
    merged[name] = (W + at::matmul(delta, D)).to(weight.scalar_type());
  }
  return merged;
}

}  // namespace tunegrid
