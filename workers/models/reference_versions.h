// reference_versions.h — the diffusers and transformers releases whose files tunegrid's
// writers are made to match and are checked against (the parity fixtures and the
// check_*_in_diffusers.py scripts under tests/reference/ were made with these). Written
// into every config.json tunegrid saves (`_diffusers_version`, `transformers_version`).
#pragma once

namespace tunegrid {

inline constexpr const char* kDiffusersVersion = "0.42.1";
inline constexpr const char* kTransformersVersion = "5.23.0";

}  // namespace tunegrid
