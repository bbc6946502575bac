// world_sentencepiece.h — a T5-format tokenizer folder for the builtin worlds (tokenizer_2/ of
// builtin:tiny-flux): spiece.model, a unigram SentencePiece model (Kudo & Richardson 2018, as
// T5's own) trained with libsentencepiece on the words of every scene and aerial caption
// (world_caption_words, each as often as it occurs), with T5's special pieces (<pad> 0,
// </s> 1, <unk> 2, no <s>), plus the tokenizer_config.json transformers writes for a
// T5Tokenizer. T5Tokenizer (t5_tokenizer.h) and transformers read it unchanged.
#pragma once
#include <filesystem>

namespace tunegrid {

// Writes DIR/spiece.model and DIR/tokenizer_config.json (model_max_length: what the model was
// trained on). `vocabulary` is an upper bound: the world's words need fewer pieces.
// Deterministic: the same arguments give the same file.
void write_world_sentencepiece(const std::filesystem::path& dir, int vocabulary, int model_max_length);

}  // namespace tunegrid
