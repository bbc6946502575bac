// clip_evaluator.cpp — see clip_evaluator.h.
#include "workers/eval/clip_evaluator.h"

#include <algorithm>

#include <fmt/format.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "core/errors.h"
#include "workers/eval/clip_preprocess.h"

namespace tunegrid {

std::filesystem::path clip_tokenizer_dir(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "vocab.json")) return dir;
  if (std::filesystem::exists(dir / "tokenizer" / "vocab.json")) return dir / "tokenizer";
  throw InputError(fmt::format("{}: no CLIP tokenizer: expected vocab.json and merges.txt in the folder or in its "
                               "tokenizer/ subfolder",
                               dir.string()));
}

CLIPEvaluator::CLIPEvaluator(const std::filesystem::path& dir, const c10::Device& device, int batch_size)
    : dir_(dir), batch_size_(batch_size), device_(device) {
  if (!std::filesystem::is_directory(dir))
    throw InputError(fmt::format("{}: not a folder; expected a CLIPModel folder (config.json, model.safetensors, "
                                 "vocab.json, merges.txt)",
                                 dir.string()));
  if (batch_size < 1) throw InputError(fmt::format("CLIP evaluator: batch size must be at least 1, got {}", batch_size));
  tokenizer_ = std::make_unique<CLIPTokenizer>(clip_tokenizer_dir(dir));
  model_ = load_clip_model(dir);
  model_->to(device_);
  const int positions = model_->text_model->config.max_position_embeddings;
  if (tokenizer_->max_length() > positions)
    throw InputError(fmt::format("{}: the tokenizer pads to {} tokens but the text model has {} positions",
                                 dir.string(), tokenizer_->max_length(), positions));
}

at::Tensor CLIPEvaluator::image_embeddings(const ImageBatch& images) {
  torch::NoGradGuard no_grad;
  const at::Tensor pixels = clip_pixel_values(images, image_size()).to(device_);  // [N, 3, S, S]
  std::vector<at::Tensor> parts;
  for (std::int64_t start = 0; start < pixels.size(0); start += batch_size_) {
    const std::int64_t end = std::min<std::int64_t>(start + batch_size_, pixels.size(0));
    parts.push_back(model_->image_embeds(pixels.slice(0, start, end)));  // [b, projection_dim]
  }
  return at::cat(parts).to(at::kCPU, at::kFloat);  // [N, projection_dim]
}

at::Tensor CLIPEvaluator::text_embeddings(const std::vector<std::string>& prompts) {
  if (prompts.empty()) throw InputError("CLIP evaluator: no prompts to embed");
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (std::size_t start = 0; start < prompts.size(); start += batch_size_) {
    const std::size_t end = std::min(prompts.size(), start + batch_size_);
    std::vector<std::int64_t> ids;
    for (std::size_t i = start; i < end; ++i) {
      const auto encoded = tokenizer_->encode(prompts[i], true);
      ids.insert(ids.end(), encoded.begin(), encoded.end());
    }
    const auto rows = static_cast<std::int64_t>(end - start);
    const at::Tensor input_ids = at::tensor(ids, at::kLong).view({rows, -1}).to(device_);  // [b, max_length]
    parts.push_back(model_->text_embeds(input_ids));                            // [b, projection_dim]
  }
  return at::cat(parts).to(at::kCPU, at::kFloat);  // [P, projection_dim]
}

}  // namespace tunegrid
