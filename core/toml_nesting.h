// toml_nesting.h — a guard run before toml++ parses a document. toml++ limits the nesting
// of arrays and inline tables (256) but not the depth of dotted keys and table headers
// (`a.b.c… = 1`, `[a.b.c…]`): ~30,000 levels overflow the stack while the parsed tree is
// built or destroyed. This scan measures how deep the document's keys nest — header
// segments + dotted-key segments + enclosing arrays and inline tables — without building
// anything, so such a file is refused with its line instead of crashing the process.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace tunegrid {

// Deepest key nesting allowed in an experiment file (tunegrid's own files nest at most 6).
constexpr std::size_t kMaxTomlKeyDepth = 64;

struct TomlNesting {
  std::size_t depth = 0;  // deepest nesting found
  std::size_t line = 0;   // 1-based line where it was first reached
};

// Scans TOML text; tolerant of malformed input (the parser reports that afterwards).
TomlNesting measure_toml_nesting(std::string_view text);

// Throws InputError("<source>:<line>: keys nest N levels deep; ...") past kMaxTomlKeyDepth.
void check_toml_nesting(std::string_view text, const std::string& source_name);

}  // namespace tunegrid
