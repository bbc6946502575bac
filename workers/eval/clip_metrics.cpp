// clip_metrics.cpp — see clip_metrics.h.
#include "workers/eval/clip_metrics.h"

#include <algorithm>

#include <fmt/format.h>

#include <ATen/ATen.h>

#include "core/errors.h"

namespace tunegrid {
namespace {

std::string shape_text(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::string text = "[";
  for (std::int64_t d = 0; d < t.dim(); ++d) text += (d ? ", " : "") + std::to_string(t.size(d));
  return text + "]";
}

void check_matrix(const at::Tensor& t, const char* function, const char* name) {
  if (!t.defined() || t.dim() != 2 || t.size(0) < 1)
    throw InputError(fmt::format("{}: {} must be a non-empty [rows, dim] matrix, got {}", function, name, shape_text(t)));
}

at::Tensor normalized(const at::Tensor& t) {
  const at::Tensor x = t.detach().to(at::kCPU, at::kDouble);  // [R, D]
  return x / x.norm(2, {1}, true);                             // [R, D], unit rows
}

}  // namespace

at::Tensor paired_cosines(const at::Tensor& image_embeds, const at::Tensor& text_embeds) {
  check_matrix(image_embeds, "clip_score", "image embeddings");
  check_matrix(text_embeds, "clip_score", "text embeddings");
  if (image_embeds.size(1) != text_embeds.size(1) ||
      (text_embeds.size(0) != 1 && text_embeds.size(0) != image_embeds.size(0)))
    throw InputError(fmt::format("clip_score: image embeddings {} and text embeddings {} do not pair up; expected "
                                 "one text row per image, or a single text row",
                                 shape_text(image_embeds), shape_text(text_embeds)));
  return (normalized(image_embeds) * normalized(text_embeds)).sum(1);  // [N]
}

double clip_score(const at::Tensor& image_embeds, const at::Tensor& text_embeds) {
  return paired_cosines(image_embeds, text_embeds).mean().item<double>();
}

double clip_score_100(const at::Tensor& image_embeds, const at::Tensor& text_embeds) {
  const double mean = (100.0 * paired_cosines(image_embeds, text_embeds)).mean().item<double>();
  return std::max(mean, 0.0);
}

double clip_image_alignment(const at::Tensor& generated_embeds, const at::Tensor& reference_embeds) {
  check_matrix(generated_embeds, "clip_image_alignment", "generated image embeddings");
  check_matrix(reference_embeds, "clip_image_alignment", "reference image embeddings");
  if (generated_embeds.size(1) != reference_embeds.size(1))
    throw InputError(fmt::format("clip_image_alignment: generated embeddings {} and reference embeddings {} differ "
                                 "in width",
                                 shape_text(generated_embeds), shape_text(reference_embeds)));
  return normalized(generated_embeds).mm(normalized(reference_embeds).t()).mean().item<double>();  // mean of [N, M]
}

}  // namespace tunegrid
