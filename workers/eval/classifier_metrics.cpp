// classifier_metrics.cpp — see classifier_metrics.h.
#include "workers/eval/classifier_metrics.h"

#include <algorithm>

#include <fmt/format.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "core/errors.h"
#include "workers/eval/clip_preprocess.h"
#include "workers/eval/image_resize.h"

namespace tunegrid {
namespace {

void check_logits(const at::Tensor& logits, const char* function) {
  if (!logits.defined() || logits.dim() != 2 || logits.size(0) < 1 || logits.size(1) < 1)
    throw InputError(fmt::format("{}: logits must be a non-empty [N, classes] matrix, got {} dims", function,
                                 logits.defined() ? logits.dim() : 0));
}

}  // namespace

double accuracy(const at::Tensor& logits, const at::Tensor& labels) {
  check_logits(logits, "accuracy");
  if (!labels.defined() || labels.dim() != 1 || labels.size(0) != logits.size(0))
    throw InputError(fmt::format("accuracy: expected {} labels (one per logits row), got a tensor of {} dims with {} "
                                 "entries",
                                 logits.size(0), labels.defined() ? labels.dim() : 0,
                                 labels.defined() ? labels.numel() : 0));
  const at::Tensor predicted = logits.detach().to(at::kCPU).argmax(1);  // [N]
  return predicted.eq(labels.to(at::kCPU, at::kLong)).to(at::kDouble).mean().item<double>();
}

CountMatrix confusion_matrix(const at::Tensor& logits, const at::Tensor& labels, const std::vector<std::string>& classes) {
  accuracy(logits, labels);  // the same shape checks
  const auto n = static_cast<std::int64_t>(classes.size());
  if (logits.size(1) != n)
    throw InputError(fmt::format("confusion_matrix: {} class names for {} logits columns", n, logits.size(1)));
  const at::Tensor truth = labels.to(at::kCPU, at::kLong).contiguous();
  const at::Tensor predicted = logits.detach().to(at::kCPU).argmax(1).contiguous();
  CountMatrix matrix;
  matrix.labels = classes;
  matrix.counts.assign(static_cast<std::size_t>(n * n), 0);
  const auto* t = truth.data_ptr<std::int64_t>();
  const auto* p = predicted.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < truth.numel(); ++i) {
    if (t[i] < 0 || t[i] >= n)
      throw InputError(fmt::format("confusion_matrix: label {} of row {} is not in [0, {})", t[i], i, n));
    ++matrix.counts[static_cast<std::size_t>(t[i] * n + p[i])];
  }
  return matrix;
}

double concept_accuracy(const at::Tensor& logits, std::int64_t expected_class) {
  check_logits(logits, "concept_accuracy");
  if (expected_class < 0 || expected_class >= logits.size(1))
    throw InputError(fmt::format("concept_accuracy: expected class {} is not in [0, {})", expected_class,
                                 logits.size(1)));
  const at::Tensor predicted = logits.detach().to(at::kCPU).argmax(1);  // [N]
  return predicted.eq(expected_class).to(at::kDouble).mean().item<double>();
}

std::vector<at::Tensor> classify_tensor(ConvClassifier& model, const at::Tensor& images, int batch_size) {
  if (batch_size < 1) throw InputError(fmt::format("classify: batch size must be at least 1, got {}", batch_size));
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  const auto device = model->parameters().front().device();
  std::vector<std::vector<at::Tensor>> parts(model->config.heads.size());
  for (std::int64_t start = 0; start < images.size(0); start += batch_size) {
    const std::int64_t end = std::min<std::int64_t>(start + batch_size, images.size(0));
    const auto logits = model->forward(images.slice(0, start, end).to(device, at::kFloat));  // per head [b, classes]
    for (std::size_t h = 0; h < logits.size(); ++h) parts[h].push_back(logits[h].to(at::kCPU));
  }
  model->train(was_training);
  std::vector<at::Tensor> out;
  for (auto& head : parts) out.push_back(at::cat(head));  // [N, classes]
  return out;
}

std::vector<at::Tensor> classify_images(ConvClassifier& model, const ImageBatch& images, int batch_size) {
  const int size = model->config.image_size;
  const bool resize = images.height != size || images.width != size;
  return classify_tensor(model, images_to_tensor(resize ? resize_bicubic(images, size, size) : images), batch_size);
}

double concept_accuracy(ConvClassifier& model, const ImageBatch& images, const std::string& head,
                        const std::string& expected_class) {
  const std::size_t index = model->config.head_index(head);
  const auto& classes = model->config.heads[index].classes;
  const auto it = std::find(classes.begin(), classes.end(), expected_class);
  if (it == classes.end()) {
    std::string known;
    for (const auto& name : classes) known += (known.empty() ? "" : ", ") + name;
    throw InputError(fmt::format("classifier head '{}' has no class '{}'; its classes are: {}", head, expected_class,
                                 known));
  }
  return concept_accuracy(classify_images(model, images)[index], it - classes.begin());
}

}  // namespace tunegrid
