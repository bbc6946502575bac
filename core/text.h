// text.h — small string helpers shared by error messages: did-you-mean suggestions
// (Levenshtein distance), joining, splitting, quoting.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace tunegrid {

std::size_t edit_distance(std::string_view a, std::string_view b);

// " (did you mean 'x'?)" for the closest candidate within a sensible distance, else "".
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

// "a hanok", "an apartment building": the noun with its indefinite article (by its first
// letter; "" stays "").
std::string with_article(const std::string& noun);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

// The pieces between separators, empty ones included: split("a+b", '+') = {"a", "b"},
// split("", '+') = {""}.
std::vector<std::string> split(const std::string& text, char separator);

// `text` with every occurrence of `from` replaced by `to`, left to right, never rescanning a
// replacement ("{}" -> the concept text in prompt templates). An empty `from` changes nothing.
std::string replace_all(std::string text, std::string_view from, std::string_view to);

// `text` for a message: control characters as \xNN, cut to `max_chars` bytes with "…" and
// the full length when longer (user input can be long or hold a NUL).
std::string abbreviate(std::string_view text, std::size_t max_chars = 80);

// Why `name` cannot be one safe path component (a directory name such as runs/<name>), or ""
// when it can: it must be non-empty, at most 200 bytes, not "." or "..", without '/' and
// without control characters (NUL, newline, ...).
std::string path_component_problem(std::string_view name);

// ISO-8601 UTC time stamp with milliseconds, e.g. 2026-11-22T01:02:03.456Z.
std::string utc_timestamp_now();

std::string host_name();

}  // namespace tunegrid
