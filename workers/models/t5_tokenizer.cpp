// t5_tokenizer.cpp — see t5_tokenizer.h.
#include "workers/models/t5_tokenizer.h"

#include <sentencepiece_processor.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "core/errors.h"

namespace tunegrid {

namespace {

constexpr int kFluxPipelineMaxSequenceLength = 512;

// tokenizer_config.json's model_max_length when the folder has one and it is a positive integer
// (transformers writes 512 for T5; absent or huge: no limit of its own).
int configured_max_length(const std::filesystem::path& dir) {
  const auto file = dir / "tokenizer_config.json";
  std::ifstream in(file);
  if (!in) return kFluxPipelineMaxSequenceLength;
  const auto config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded())
    throw InputError(fmt::format("{}: not valid JSON", file.string()));
  const auto found = config.find("model_max_length");
  if (found == config.end() || !found->is_number_integer() || found->get<std::int64_t>() < 1)
    return kFluxPipelineMaxSequenceLength;
  return static_cast<int>(std::min<std::int64_t>(found->get<std::int64_t>(), kFluxPipelineMaxSequenceLength));
}

}  // namespace

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
  default_max_length_ = configured_max_length(dir);
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
