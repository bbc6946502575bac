// clip_tokenizer.h — CLIPTokenizer as in transformers (models/clip/tokenization_clip.py):
// byte-level BPE from a tokenizer folder's vocab.json + merges.txt; the same text cleaning
// (whitespace collapsed, lower-cased; transformers' fallback without ftfy), the same
// pre-tokenisation pattern, <|startoftext|> / <|endoftext|> around the ids, padding and
// truncation to model_max_length (77 for Stable Diffusion). Tokens added at run time
// (Textual Inversion's placeholders) are matched whole before BPE, like transformers'
// added tokens. No torch: ids are plain integers.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tunegrid {

class CLIPTokenizer {
 public:
  // Reads DIR/vocab.json, DIR/merges.txt and, when present, DIR/tokenizer_config.json and
  // DIR/special_tokens_map.json (model_max_length, pad_token). Throws InputError naming the
  // missing or malformed file.
  explicit CLIPTokenizer(const std::filesystem::path& dir);

  // Token ids of `text` without special tokens and without padding.
  std::vector<std::int64_t> encode_plain(const std::string& text) const;
  // bos + ids + eos, truncated to max_length (eos kept last) and, if `pad`, padded with
  // pad_id to max_length — what the Stable Diffusion pipelines feed the text encoder.
  std::vector<std::int64_t> encode(const std::string& text, bool pad = true) const;

  // Adds tokens to the vocabulary (ids vocab_size(), vocab_size()+1, ...); returns how many
  // were new. Already known tokens are left alone, as transformers' add_tokens does.
  int add_tokens(const std::vector<std::string>& tokens);
  std::int64_t token_id(const std::string& token) const;  // throws InputError if unknown

  std::string decode(const std::vector<std::int64_t>& ids) const;

  std::size_t vocab_size() const { return id_to_token_.size(); }
  int max_length() const { return max_length_; }
  std::int64_t bos_id() const { return bos_id_; }
  std::int64_t eos_id() const { return eos_id_; }
  std::int64_t pad_id() const { return pad_id_; }

 private:
  // One piece of text between added tokens: BasicTokenizer, the pattern, byte symbols, BPE -> ids.
  void append_text_ids(const std::string& text, std::vector<std::int64_t>& ids) const;
  // One pattern match (UTF-8) -> its BPE tokens' ids.
  void append_word_ids(const std::string& word, std::vector<std::int64_t>& ids) const;
  std::int64_t register_token(const std::string& token);  // existing id, or the next new one

  std::unordered_map<std::string, std::int64_t> token_to_id_;  // vocab.json + specials + added tokens
  std::vector<std::string> id_to_token_;
  std::unordered_map<std::string, int> merge_ranks_;  // "first second" -> rank (line order of merges.txt)
  std::vector<std::string> special_tokens_;           // bos, eos, unk, pad: matched whole in raw text
  std::vector<std::string> added_tokens_;             // add_tokens(): matched whole, decoded apart
  int max_length_ = 77;
  std::int64_t bos_id_ = 0, eos_id_ = 0, pad_id_ = 0, unk_id_ = 0;
};

}  // namespace tunegrid
