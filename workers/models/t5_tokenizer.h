// t5_tokenizer.h — the T5 tokenizer of the FLUX pipelines (tokenizer_2/), read from the folder's
// SentencePiece model (spiece.model) with libsentencepiece, as transformers' T5Tokenizer(Fast)
// builds it from the same file: pieces, then </s>, truncated to max_length with </s> kept last
// and padded with <pad> to max_length (FluxPipeline asks for padding="max_length",
// max_sequence_length 512, or a shorter model_max_length of the folder). No torch: ids are plain integers.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace tunegrid {

class T5Tokenizer {
 public:
  // Reads DIR/spiece.model; InputError naming the file when it is absent or unreadable.
  explicit T5Tokenizer(const std::filesystem::path& dir);
  ~T5Tokenizer();
  T5Tokenizer(T5Tokenizer&&) noexcept;
  T5Tokenizer& operator=(T5Tokenizer&&) noexcept;

  // The pieces' ids of `text`, without </s> and without padding.
  std::vector<std::int64_t> encode_plain(const std::string& text) const;
  // ids + </s>, truncated to max_length (</s> kept last), padded with <pad> to max_length.
  std::vector<std::int64_t> encode(const std::string& text, int max_length) const;

  // The length FluxPipeline pads to by default (512), at most the folder's
  // tokenizer_config.json `model_max_length` (a model trained on shorter sequences says so there).
  int default_max_length() const { return default_max_length_; }

  std::int64_t pad_id() const { return pad_id_; }
  std::int64_t eos_id() const { return eos_id_; }
  std::size_t vocab_size() const;

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  std::filesystem::path model_file_;
  std::int64_t pad_id_ = 0, eos_id_ = 1;
  int default_max_length_ = 512;
};

}  // namespace tunegrid
