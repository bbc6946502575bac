// json_file.cpp — see json_file.h.
#include "core/json_file.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/errors.h"
#include "core/input_file.h"

namespace tunegrid {

namespace {

// Deepest nesting of [ and { outside strings (tolerant of malformed text: the parser judges).
std::size_t json_nesting_depth(const std::string& text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

nlohmann::json read_json_file(const std::filesystem::path& file, const std::string& role) {
  const std::string text = read_input_file(file, role);
  if (const std::size_t depth = json_nesting_depth(text); depth > kMaxJsonDepth)
    throw InputError(fmt::format("{}: arrays and objects nest {} levels deep; a {} nests at most {}", file.string(),
                                 depth, role, kMaxJsonDepth));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    throw InputError(fmt::format("{}: {} is not valid JSON at byte {}: {}", file.string(), role, error.byte,
                                 error.what()));
  }
}

}  // namespace tunegrid
