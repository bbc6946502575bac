// clip_metrics.h — CLIP-based scores on embeddings from clip_evaluator.h (rows are
// projected, unnormalised embeddings; every score L2-normalises them first).
//   clip_score           (store name clip_score): mean over pairs of cos(image_i, text_i) —
//                        the raw cosine the Hanok paper reports (0.21–0.30 for SD).
//   clip_score_100       (clip_score_100): torchmetrics' CLIPScore value, computed as in
//                        torchmetrics 1.9 (multimodal/clip_score.py): score_i = 100·cos_i per
//                        pair, then max(mean_i score_i, 0) — the clamp is applied to the MEAN,
//                        not per pair (the docstring's per-pair formula is not what compute()
//                        and functional clip_score do).
//   clip_image_alignment (clip_i): mean of cos(generated_i, reference_j) over all pairs —
//                        Custom Diffusion's image alignment (Kumari et al. 2022, Sec. 5).
// Text embeddings: one row per image, or a single row broadcast to every image. Shapes that
// do not fit are an InputError naming the function and the shapes.
#pragma once
#include <ATen/core/Tensor.h>

namespace tunegrid {

// [N] cosines of image i with text i (or with the single text row).
at::Tensor paired_cosines(const at::Tensor& image_embeds /*[N, D]*/, const at::Tensor& text_embeds /*[N or 1, D]*/);

double clip_score(const at::Tensor& image_embeds, const at::Tensor& text_embeds);
double clip_score_100(const at::Tensor& image_embeds, const at::Tensor& text_embeds);
double clip_image_alignment(const at::Tensor& generated_embeds /*[N, D]*/, const at::Tensor& reference_embeds /*[M, D]*/);

}  // namespace tunegrid
