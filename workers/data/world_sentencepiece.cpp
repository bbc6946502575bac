// world_sentencepiece.cpp — see world_sentencepiece.h.
#include "workers/data/world_sentencepiece.h"

#include <sentencepiece_trainer.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "workers/data/world_tokenizer.h"

namespace tunegrid {

namespace {

// The training sentences: every caption word as often as the world uses it.
class WordSentences : public sentencepiece::SentenceIterator {
 public:
  WordSentences() {
    for (const auto& [word, count] : world_caption_words())
      for (int i = 0; i < count; ++i) sentences_.push_back(word);
  }
  bool done() const override { return next_ >= sentences_.size(); }
  void Next() override { ++next_; }
  const std::string& value() const override { return sentences_[next_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  std::vector<std::string> sentences_;
  std::size_t next_ = 0;
};

nlohmann::json tokenizer_config(int model_max_length) {
  return {{"tokenizer_class", "T5Tokenizer"}, {"model_max_length", model_max_length},
          {"eos_token", "</s>"},              {"pad_token", "<pad>"},
          {"unk_token", "<unk>"},             {"extra_ids", 0},
          {"legacy", true},                   {"additional_special_tokens", nlohmann::json::array()}};
}

}  // namespace

void write_world_sentencepiece(const std::filesystem::path& dir, int vocabulary, int model_max_length) {
  std::filesystem::create_directories(dir);
  WordSentences sentences;
  std::string model;
  const std::string args = fmt::format(
      "--model_type=unigram --vocab_size={} --hard_vocab_limit=false --pad_id=0 --eos_id=1 --unk_id=2 --bos_id=-1 "
      "--pad_piece=<pad> --eos_piece=</s> --unk_piece=<unk> --character_coverage=1.0 --num_threads=1 "
      "--input_sentence_size=0 --shuffle_input_sentence=false --minloglevel=2",
      vocabulary);
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &sentences, &model);
  if (!status.ok())
    throw InputError(fmt::format("{}: training the world's SentencePiece model failed: {}", dir.string(),
                                 status.ToString()));
  write_file_atomically(dir / "spiece.model", model);
  write_file_atomically(dir / "tokenizer_config.json", tokenizer_config(model_max_length).dump(2) + "\n");
}

}  // namespace tunegrid
