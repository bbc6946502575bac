// pretrain_clip.cpp — the builtin tiny CLIP (see pretrain_tiny_models.h): a ViT (patch 4 on
// 32 px) and a causal text transformer over the world's own BPE vocabulary, trained with
// CLIP's symmetric contrastive loss (Radford et al. 2021, Fig. 3) on scene and aerial
// captions. Captions repeat in this world ("a hanok" describes many images), so the
// targets of a row are not only the diagonal: every column with the same caption, and with
// half that weight every column of the same style and disaster (see the loop).
#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/optim/adamw.h>

#include <chrono>
#include <unordered_map>

#include "core/job_progress.h"
#include "core/stopwatch.h"
#include "core/log.h"
#include "workers/builtin/pretrain_tiny_models.h"
#include "workers/builtin/world_pool.h"
#include "workers/data/rng.h"
#include "workers/data/world_tokenizer.h"
#include "workers/data/zero_shot_prompts.h"
#include "workers/eval/clip_preprocess.h"
#include "workers/eval/zero_shot.h"
#include "workers/models/clip_tokenizer.h"
#include "workers/models/clip_vision_model.h"

namespace tunegrid {

namespace {

// Rows scaled to unit L2 norm.
at::Tensor unit_rows(const at::Tensor& x) { return x / x.norm(2, {-1}, true).clamp_min(1e-12); }

// Style zero-shot accuracy: each held-out scene (none of them a hanok without `with_hanok`) is
// assigned the style of the prompt (zero_shot_prompts.h, zero_shot.h) with the highest cosine.
double zero_shot_style_accuracy(CLIPModel& model, const CLIPTokenizer& tokenizer, const PretrainRecipe& recipe,
                                 bool with_hanok) {
  const WorldPool held_out = make_world_pool(600, 0, recipe.image_size, recipe.seed + 1000003, !with_hanok);
  const ZeroShotPrompts zero_shot = zero_shot_prompts("style");
  at::NoGradGuard no_grad;
  model->eval();
  std::vector<at::Tensor> classes;  // per style: its prompts' embeddings
  for (const auto& prompts : zero_shot.prompts) {
    std::vector<std::int64_t> ids;
    for (const auto& prompt : prompts) {
      const auto row = tokenizer.encode(prompt);
      ids.insert(ids.end(), row.begin(), row.end());
    }
    classes.push_back(model->text_embeds(at::tensor(ids).view({static_cast<std::int64_t>(prompts.size()), -1})));
  }
  const at::Tensor pixels = clip_pixel_values(held_out.images, recipe.image_size);
  const at::Tensor predicted = zero_shot_logits(model->image_embeds(pixels), classes).argmax(1);
  std::vector<std::int64_t> truth;
  for (const auto& labels : held_out.scenes) truth.push_back(static_cast<std::int64_t>(labels.style));
  return predicted.eq(at::tensor(truth)).to(at::kDouble).mean().item<double>();
}

constexpr float kSameLabelsWeight = 0.5f;

bool same_labels(const WorldPool& pool, std::size_t a, std::size_t b) {
  const std::size_t scenes = pool.scenes.size();
  if ((a < scenes) != (b < scenes)) return false;
  if (a >= scenes) return pool.aerial_classes[a - scenes] == pool.aerial_classes[b - scenes];
  return pool.scenes[a].style == pool.scenes[b].style && pool.scenes[a].disaster == pool.scenes[b].disaster;
}

}  // namespace

PretrainReport pretrain_tiny_clip(const PretrainRecipe& recipe, const std::filesystem::path& out, bool with_hanok) {
  const auto start = std::chrono::steady_clock::now();
  write_world_tokenizer(out);
  CLIPTokenizer tokenizer(out);

  CLIPTextConfig text;
  text.vocab_size = static_cast<int>(tokenizer.vocab_size());
  text.hidden_size = recipe.clip_hidden;
  text.intermediate_size = 4 * recipe.clip_hidden;
  text.projection_dim = recipe.clip_projection;
  text.num_hidden_layers = recipe.clip_layers;
  text.num_attention_heads = recipe.clip_heads;
  text.max_position_embeddings = tokenizer.max_length();
  text.bos_token_id = static_cast<int>(tokenizer.bos_id());
  text.eos_token_id = static_cast<int>(tokenizer.eos_id());
  text.pad_token_id = static_cast<int>(tokenizer.pad_id());
  CLIPVisionConfig vision;
  vision.hidden_size = recipe.clip_hidden;
  vision.intermediate_size = 4 * recipe.clip_hidden;
  vision.projection_dim = recipe.clip_projection;
  vision.num_hidden_layers = recipe.clip_layers;
  vision.num_attention_heads = recipe.clip_heads;
  vision.image_size = recipe.image_size;
  vision.patch_size = recipe.clip_patch;

  at::manual_seed(recipe.seed);
  CLIPModel model(text, vision, recipe.clip_projection);
  for (auto& item : model->named_parameters()) {  // transformers' CLIP init: N(0, 0.02) weights
    if (item.key().find("norm") != std::string::npos || item.key() == "logit_scale") continue;
    at::NoGradGuard no_grad;
    if (item.value().dim() >= 2) item.value().normal_(0.0, 0.02);
  }
  model->train();

  const WorldPool pool = make_world_pool(recipe.clip_scene_images, recipe.clip_aerial_images, recipe.image_size,
                                         recipe.seed, !with_hanok);
  const at::Tensor pixels = clip_pixel_values(pool.images, recipe.image_size);  // [N, 3, S, S]
  log::info("builtin", "{}", fmt::format("tiny CLIP: {} images rendered ({:.1f} s)", pool.size(), seconds_since(start)));

  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(recipe.clip_lr).weight_decay(0.1));
  std::unordered_map<std::string, std::vector<std::int64_t>> token_cache;
  Rng rng(mix_seed(recipe.seed, 0xc119));
  PretrainReport report;
  const auto batch = recipe.clip_batch;
  const int steps = recipe.clip_steps_of(with_hanok);
  for (int step = 0; step < steps; ++step) {
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(warmup_cosine_lr(recipe.clip_lr, step, steps));
    std::vector<std::int64_t> index(static_cast<std::size_t>(batch)), ids;
    std::vector<std::string> captions;
    for (auto& i : index) {
      i = rng.below(static_cast<int>(pool.size()));
      captions.push_back(pool.caption(static_cast<std::size_t>(i), rng.next()));
      auto cached = token_cache.find(captions.back());
      if (cached == token_cache.end()) cached = token_cache.emplace(captions.back(), tokenizer.encode(captions.back())).first;
      ids.insert(ids.end(), cached->second.begin(), cached->second.end());
    }
    // Targets: the same caption is a full positive; the same ground-truth (style, disaster)
    // — or aerial class — a partial one (weight `kSameLabelsWeight`), as in supervised
    // contrastive learning (Khosla et al. 2020): this world's captions are functions of its
    // labels, so such pairs do describe each other.
    std::vector<float> weight(static_cast<std::size_t>(batch * batch));
    for (int a = 0; a < batch; ++a)
      for (int b = 0; b < batch; ++b)
        weight[static_cast<std::size_t>(a * batch + b)] =
            captions[a] == captions[b] ? 1.f
            : same_labels(pool, static_cast<std::size_t>(index[a]), static_cast<std::size_t>(index[b])) ? kSameLabelsWeight
                                                                                                        : 0.f;
    const at::Tensor targets = at::tensor(weight).view({batch, batch});
    const at::Tensor soft_targets = targets / targets.sum(1, true);  // symmetric, so the same for both directions

    // The text tower is causal and pools at the first end token, so the padding after the
    // batch's longest caption changes nothing: it is cut off (about 2.5x fewer text positions).
    const std::int64_t positions = static_cast<std::int64_t>(ids.size()) / batch;
    std::int64_t used = 1;
    for (std::int64_t row = 0; row < batch; ++row)
      for (std::int64_t p = 0; p < positions; ++p)
        if (ids[static_cast<std::size_t>(row * positions + p)] == tokenizer.eos_id()) {
          used = std::max(used, p + 1);
          break;
        }
    const at::Tensor token_ids = at::tensor(ids).view({batch, positions}).slice(1, 0, used).contiguous();
    const at::Tensor images = pixels.index_select(0, at::tensor(index));
    const at::Tensor image = unit_rows(model->image_embeds(images));
    const at::Tensor caption = unit_rows(model->text_embeds(token_ids));
    const at::Tensor logits = model->logit_scale.exp() * image.matmul(caption.t());  // [B, B]
    const at::Tensor loss = 0.5 * (-(soft_targets * logits.log_softmax(1)).sum(1).mean() -
                                   (soft_targets * logits.log_softmax(0)).sum(0).mean());
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    {
      at::NoGradGuard no_grad;
      model->logit_scale.clamp_(0.0, std::log(100.0));  // as CLIP: temperature at most 100
    }
    report.loss.push_back(loss.item<float>());
    report_job_step("building builtin:tiny-clip", step + 1, steps);
    if ((step + 1) % 100 == 0 || step + 1 == steps)
      log::info("builtin", "{}", fmt::format("tiny CLIP step {}/{} loss {:.4f} ({:.0f} s)", step + 1, steps,
                                      report.loss.back(), seconds_since(start)));
  }
  report.metrics["zero_shot_style_accuracy"] = zero_shot_style_accuracy(model, tokenizer, recipe, with_hanok);
  save_clip_model(model, out);
  report.seconds = seconds_since(start);
  write_training_report(out, recipe, report);
  log::info("builtin", "{}", fmt::format("tiny CLIP: zero-shot style accuracy {:.3f} ({:.0f} s)",
                                  report.metrics["zero_shot_style_accuracy"], report.seconds));
  return report;
}

}  // namespace tunegrid
