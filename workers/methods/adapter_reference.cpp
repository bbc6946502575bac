// adapter_reference.cpp — see adapter_reference.h.
#include "workers/methods/adapter_reference.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <utility>

#include "core/errors.h"
#include "core/input_file.h"

namespace tunegrid {

namespace {

// FILE or FILE:SUFFIX, the split only where FILE exists; the file must exist either way.
std::pair<std::string, std::string> split_reference(const std::string& text, const std::string& what,
                                                    const char* suffix_name) {
  std::string file = text, suffix;
  if (const auto colon = text.rfind(':'); colon != std::string::npos && colon > 0 &&
                                          describe_non_regular_file(text.substr(0, colon)).empty() &&
                                          !describe_non_regular_file(text).empty()) {
    file = text.substr(0, colon);
    suffix = text.substr(colon + 1);
  }
  if (const std::string problem = describe_non_regular_file(file); !problem.empty())
    throw InputError(fmt::format("{} {}: {}; expected FILE or FILE:{}", what, file, problem, suffix_name));
  return {file, suffix};
}

}  // namespace

LoRAReference parse_lora_reference(const std::string& text, const std::string& what) {
  const auto [file, suffix] = split_reference(text, what, "SCALE");
  LoRAReference reference{file, 1.0};
  if (!suffix.empty()) {
    char* end = nullptr;
    reference.scale = std::strtod(suffix.c_str(), &end);
    if (end == suffix.c_str() || *end != '\0' || !std::isfinite(reference.scale))
      throw InputError(fmt::format("{} {}: scale '{}' is not a number; expected FILE:SCALE, e.g. {}:0.8", what, text,
                                   suffix, file));
  }
  return reference;
}

EmbeddingReference parse_embedding_reference(const std::string& text, const std::string& what) {
  const auto [file, token] = split_reference(text, what, "TOKEN");
  return {file, token};
}

}  // namespace tunegrid
