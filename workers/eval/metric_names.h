// metric_names.h — the names under which evaluation results land in the result store
// (/metrics/<name>, docs/experiments-and-store.md). They are a contract: reports, tables and
// tests read them back, so change them only together with results/.
#pragma once

namespace tunegrid::metric_names {

// clip_metrics.h
inline constexpr const char* kCLIPScore = "clip_score";          // mean raw cosine (Hanok paper, 0.2–0.3 for SD)
inline constexpr const char* kCLIPScore100 = "clip_score_100";   // torchmetrics CLIPScore: max(100·mean cos, 0)
inline constexpr const char* kCLIPImageAlignment = "clip_i";     // Custom Diffusion image alignment
// kid.h
inline constexpr const char* kKIDMean = "kid";                   // mean unbiased MMD² over subsets
inline constexpr const char* kKIDStd = "kid_std";                // its standard deviation (ddof 0)
// classifier_metrics.h
inline constexpr const char* kAccuracy = "accuracy";             // top-1 on labelled test images
inline constexpr const char* kStyleAccuracy = "style_accuracy";  // oracle: argmax == the prompt's style
inline constexpr const char* kDisasterAccuracy = "disaster_accuracy";
// CLIP zero-shot over the 38 aerial classes: argmax == the prompt's class
inline constexpr const char* kClassAccuracy = "class_accuracy";  // oracle: argmax == the prompt's disaster

}  // namespace tunegrid::metric_names
