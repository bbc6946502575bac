// world_tokenizer.cpp — see world_tokenizer.h.
#include "workers/data/world_tokenizer.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>
#include <tuple>

#include "core/atomic_file.h"
#include "workers/data/aerial_world.h"
#include "workers/data/scene_world.h"

namespace tunegrid {

namespace {

constexpr int kCaptionSeedsPerScene = 24;
// Captions of the worlds are at most ~16 tokens; 32 positions (SD uses 77) make every text
// forward pass of the tiny models 2.4x cheaper.
constexpr int kWorldMaxLength = 32;
constexpr int kCaptionSeedsPerAerialClass = 24;
const char* const kBos = "<|startoftext|>";
const char* const kEos = "<|endoftext|>";

// GPT-2 / CLIP bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other
// 68 bytes for U+0100, U+0101, ... in byte order. Returns each byte's symbol as UTF-8.
std::vector<std::string> byte_symbols() {
  auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
  auto utf8 = [](std::uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
  };
  std::vector<std::string> symbols(256);
  std::uint32_t next = 256;
  for (int b = 0; b < 256; ++b) symbols[static_cast<std::size_t>(b)] = utf8(printable(b) ? static_cast<std::uint32_t>(b) : next++);
  return symbols;
}

// CLIP's pre-tokeniser on ASCII text: runs of letters, single digits, runs of other
// non-space characters.
void add_words(const std::string& text, std::map<std::string, int>& words) {
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    if (std::isalpha(c)) {
      while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    } else if (!std::isdigit(c)) {
      while (end < text.size() && !std::isalnum(static_cast<unsigned char>(text[end])) &&
             !std::isspace(static_cast<unsigned char>(text[end])))
        ++end;
    }
    std::string word = text.substr(i, end - i);
    for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    ++words[word];
    i = end;
  }
}

}  // namespace

std::map<std::string, int> world_caption_words() {
  std::map<std::string, int> words;
  const auto styles = scene_style_names().size(), disasters = scene_disaster_names().size();
  for (std::size_t s = 0; s < styles; ++s)
    for (std::size_t d = 0; d < disasters; ++d) {
      const auto style = static_cast<SceneStyle>(s);
      const auto disaster = static_cast<SceneDisaster>(d);
      add_words(scene_prompt(style, disaster), words);
      for (std::size_t t = 0; t < scene_terrain_names().size(); ++t)
        for (std::size_t h = 0; h < scene_time_names().size(); ++h)
          for (int seed = 0; seed < kCaptionSeedsPerScene; ++seed) {
            const SceneLabels labels{style, disaster, static_cast<SceneTerrain>(t), static_cast<SceneTime>(h)};
            add_words(scene_caption(labels, static_cast<std::uint64_t>(seed)), words);
          }
    }
  for (int c = 0; c < static_cast<int>(aerial_class_names().size()); ++c)
    for (int seed = 0; seed < kCaptionSeedsPerAerialClass; ++seed)
      add_words(aerial_caption(c, static_cast<std::uint64_t>(seed)), words);
  // Words of common prompt phrasing ("a photo of a ...").
  add_words("a photo of an image of the picture", words);
  return words;
}

std::vector<std::pair<std::string, std::string>> learn_bpe_merges(const std::map<std::string, int>& words) {
  // Each word as symbols; the last one carries "</w>", as CLIP's bpe() does.
  std::vector<std::pair<std::vector<std::string>, int>> split;
  for (const auto& [word, count] : words) {
    if (word.empty()) continue;
    std::vector<std::string> symbols;
    for (char c : word) symbols.emplace_back(1, c);
    symbols.back() += "</w>";
    split.emplace_back(std::move(symbols), count);
  }
  std::vector<std::pair<std::string, std::string>> merges;
  for (;;) {
    std::map<std::pair<std::string, std::string>, long> pair_counts;
    for (const auto& [symbols, count] : split)
      for (std::size_t i = 0; i + 1 < symbols.size(); ++i) pair_counts[{symbols[i], symbols[i + 1]}] += count;
    if (pair_counts.empty()) break;
    // The most frequent pair; among equals the first in text order (the map's order).
    auto best = pair_counts.begin();
    for (auto it = pair_counts.begin(); it != pair_counts.end(); ++it)
      if (it->second > best->second) best = it;
    const auto [left, right] = best->first;
    merges.emplace_back(left, right);
    for (auto& entry : split) {
      auto& symbols = entry.first;
      std::vector<std::string> merged;
      for (std::size_t i = 0; i < symbols.size(); ++i) {
        if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
          merged.push_back(left + right);
          ++i;
        } else {
          merged.push_back(symbols[i]);
        }
      }
      symbols = std::move(merged);
    }
  }
  return merges;
}

void write_world_tokenizer(const std::filesystem::path& dir) {
  const auto symbols = byte_symbols();
  const auto merges = learn_bpe_merges(world_caption_words());
  nlohmann::ordered_json vocab = nlohmann::ordered_json::object();
  int next_id = 0;
  for (const auto& symbol : symbols) vocab[symbol] = next_id++;
  for (const auto& symbol : symbols) vocab[symbol + "</w>"] = next_id++;
  std::string merges_text = "#version: 0.2\n";
  for (const auto& [left, right] : merges) {
    merges_text += left + " " + right + "\n";
    if (!vocab.contains(left + right)) vocab[left + right] = next_id++;
  }
  vocab[kBos] = next_id++;
  vocab[kEos] = next_id++;

  auto token = [](const char* content) {
    return nlohmann::ordered_json{{"content", content}, {"lstrip", false}, {"normalized", true},
                                  {"rstrip", false}, {"single_word", false}};
  };
  nlohmann::ordered_json special = {{"bos_token", token(kBos)}, {"eos_token", token(kEos)}, {"pad_token", kEos},
                                    {"unk_token", token(kEos)}};
  nlohmann::ordered_json config = {{"add_prefix_space", false}, {"bos_token", token(kBos)},
                                   {"do_lower_case", true},     {"eos_token", token(kEos)},
                                   {"errors", "replace"},       {"model_max_length", kWorldMaxLength},
                                   {"name_or_path", "tunegrid/builtin-world"},
                                   {"pad_token", kEos},         {"tokenizer_class", "CLIPTokenizer"},
                                   {"unk_token", token(kEos)}};
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "vocab.json", vocab.dump() + "\n");
  write_file_atomically(dir / "merges.txt", merges_text);
  write_file_atomically(dir / "special_tokens_map.json", special.dump(2) + "\n");
  write_file_atomically(dir / "tokenizer_config.json", config.dump(2) + "\n");
}

}  // namespace tunegrid
