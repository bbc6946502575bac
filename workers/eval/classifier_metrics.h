// classifier_metrics.h — top-1 accuracies of classifier logits, and scoring image batches
// with a ConvClassifier (the builtin oracle):
//   accuracy         (store name accuracy): fraction of rows whose argmax is the label.
//   confusion_matrix (matrices/confusion): counts of (true, predicted) class pairs.
//   concept_accuracy (style_accuracy, disaster_accuracy): fraction of rows whose argmax is
//                    one expected class — "does the oracle see a hanok in the fire in the
//                    images generated for 'a hanok in the fire'".
// Ties in argmax go to the lowest class index (torch.argmax's first maximum).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/shard.h"
#include "workers/models/conv_classifier.h"

namespace tunegrid {

double accuracy(const at::Tensor& logits /*[N, C]*/, const at::Tensor& labels /*[N] integer*/);
double concept_accuracy(const at::Tensor& logits /*[N, C]*/, std::int64_t expected_class);
// The confusion matrix of logits' argmax against labels: row = true class, column = predicted,
// labelled with `classes` (one per logits column; InputError otherwise).
CountMatrix confusion_matrix(const at::Tensor& logits /*[N, C]*/, const at::Tensor& labels /*[N] integer*/,
                             const std::vector<std::string>& classes);

// Logits of every head, in config.heads order ([N, classes] each, CPU float32): the images
// resized to the model's image_size with Pillow's bicubic when they differ, mapped to
// [-1, 1], run in eval mode without gradients, `batch_size` at a time.
std::vector<at::Tensor> classify_images(ConvClassifier& model, const ImageBatch& images, int batch_size = 256);
// The same for images already as a tensor [N, 3, H, W] in [-1, 1] (not resized).
std::vector<at::Tensor> classify_tensor(ConvClassifier& model, const at::Tensor& images, int batch_size = 256);

// concept_accuracy of head `head` against the class named `expected_class`; InputError
// naming the head or the class (and the known ones) when unknown.
double concept_accuracy(ConvClassifier& model, const ImageBatch& images, const std::string& head,
                        const std::string& expected_class);

}  // namespace tunegrid
