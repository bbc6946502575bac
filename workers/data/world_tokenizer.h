// world_tokenizer.h — a CLIP-format byte-level BPE tokenizer folder for the builtin worlds:
// vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json laid out as
// Stable Diffusion 1.5's tokenizer/ (openai/clip-vit-large-patch14), so CLIPTokenizer,
// transformers and diffusers read it unchanged. The vocabulary is OpenAI CLIP's
// construction at small scale: the 256 byte symbols, the same with "</w>", then one token
// per merge, learnt by byte-pair encoding (Sennrich et al. 2016) on the words of every
// scene and aerial caption template until every such word is one token, then
// <|startoftext|> and <|endoftext|>. Words outside the world split into pieces and bytes,
// as with any BPE vocabulary. model_max_length is 32, not 77: the worlds' captions are
// short, and every text forward pass of the tiny models gets 2.4x cheaper.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tunegrid {

// The words of the worlds' captions and prompts with their frequencies (lower case, split
// as CLIP's pre-tokeniser splits letters, digits and punctuation).
std::map<std::string, int> world_caption_words();

// Merges ("left right" pairs in rank order) learnt from `words` until every word is one
// symbol; ties broken by the pair's text, so the result is deterministic.
std::vector<std::pair<std::string, std::string>> learn_bpe_merges(const std::map<std::string, int>& words);

// Writes the four tokenizer files into `dir` (created).
void write_world_tokenizer(const std::filesystem::path& dir);

}  // namespace tunegrid
