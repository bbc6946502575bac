// t5_tokenizer.cpp — see t5_tokenizer.h.
#include "workers/models/t5_tokenizer.h"

#include <sentencepiece_processor.h>

#include <fmt/format.h>

#include "core/errors.h"

namespace tunegrid {

T5Tokenizer::T5Tokenizer(const std::filesystem::path& dir)
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()), model_file_(dir / "spiece.model") {
  if (!std::filesystem::is_regular_file(model_file_))
    throw InputError(fmt::format("{}: no SentencePiece model (a T5 tokenizer folder holds spiece.model)",
                                 model_file_.string()));
  const auto status = processor_->Load(model_file_.string());
  if (!status.ok())
    throw InputError(fmt::format("{}: not a SentencePiece model: {}", model_file_.string(), status.ToString()));
  if (processor_->pad_id() >= 0) pad_id_ = processor_->pad_id();
  if (processor_->eos_id() >= 0) eos_id_ = processor_->eos_id();
}

T5Tokenizer::~T5Tokenizer() = default;
T5Tokenizer::T5Tokenizer(T5Tokenizer&&) noexcept = default;
T5Tokenizer& T5Tokenizer::operator=(T5Tokenizer&&) noexcept = default;

std::vector<std::int64_t> T5Tokenizer::encode_plain(const std::string& text) const {
  std::vector<int> pieces;
  const auto status = processor_->Encode(text, &pieces);
  if (!status.ok())
    throw InputError(fmt::format("{}: cannot tokenize '{}': {}", model_file_.string(), text, status.ToString()));
  return {pieces.begin(), pieces.end()};
}

std::vector<std::int64_t> T5Tokenizer::encode(const std::string& text, int max_length) const {
  if (max_length < 1) throw InputError(fmt::format("T5 max_sequence_length must be at least 1, found {}", max_length));
  std::vector<std::int64_t> ids = encode_plain(text);
  if (ids.size() > static_cast<std::size_t>(max_length - 1)) ids.resize(max_length - 1);
  ids.push_back(eos_id_);
  ids.resize(max_length, pad_id_);
  return ids;
}

std::size_t T5Tokenizer::vocab_size() const { return static_cast<std::size_t>(processor_->GetPieceSize()); }

}  // namespace tunegrid
