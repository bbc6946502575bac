// json_file.h — reading a JSON file tunegrid is handed (a model's config.json, a tokenizer's
// vocabulary, a sharded checkpoint's index, an artifact's manifest) with one set of
// messages: core/input_file.h's checks (not a regular file, unreadable, too large), a
// nesting limit, and the parser's byte position on a syntax error. Every problem is an
// InputError naming the file and the role it plays.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace tunegrid {

// Arrays and objects nest at most this deep (nlohmann parses deep nesting iteratively but
// prints it, in messages, recursively).
constexpr std::size_t kMaxJsonDepth = 64;

nlohmann::json read_json_file(const std::filesystem::path& file, const std::string& role);

}  // namespace tunegrid
