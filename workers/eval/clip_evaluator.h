// clip_evaluator.h — the CLIP model behind the CLIP metrics (clip_metrics.h): image and text
// embeddings as transformers' CLIPModel.get_image_features / get_text_features return them
// (projected, not normalised), the images prepared by CLIPImageProcessor (clip_preprocess.h)
// and the prompts by CLIPTokenizer (padded to max_length; padding after the end-of-text
// token does not change the pooled output). What torchmetrics' CLIPScore computes before
// normalising.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/shard.h"
#include "workers/models/clip_tokenizer.h"
#include "workers/models/clip_vision_model.h"

namespace tunegrid {

// The folder of a CLIPModel folder's tokenizer: DIR or DIR/tokenizer (vocab.json + merges.txt);
// InputError naming DIR when neither has one.
std::filesystem::path clip_tokenizer_dir(const std::filesystem::path& dir);

class CLIPEvaluator {
 public:
  // DIR is a transformers CLIPModel folder: config.json + model.safetensors, with the
  // tokenizer files (vocab.json, merges.txt) beside them or in DIR/tokenizer/. Throws
  // InputError naming the folder and what is missing. The model computes on `device` (the
  // embeddings come back to the CPU); `batch_size` bounds each forward pass.
  explicit CLIPEvaluator(const std::filesystem::path& dir, const c10::Device& device = c10::Device(c10::kCPU),
                         int batch_size = 32);

  // [N, projection_dim] float32 on the CPU, for every image of the batch (any size; resized
  // and center-cropped to the vision tower's image_size).
  at::Tensor image_embeddings(const ImageBatch& images);
  // [P, projection_dim] float32 on the CPU, one row per prompt.
  at::Tensor text_embeddings(const std::vector<std::string>& prompts);

  int image_size() const { return model_->vision_model->config.image_size; }
  int projection_dim() const { return static_cast<int>(model_->visual_projection->weight.size(0)); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  CLIPModel model_{nullptr};
  std::unique_ptr<CLIPTokenizer> tokenizer_;
  int batch_size_;
  c10::Device device_;
};

}  // namespace tunegrid
