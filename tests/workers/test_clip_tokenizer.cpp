// test_clip_tokenizer.cpp — parity of tunegrid's CLIPTokenizer (workers/models/clip_tokenizer.cpp) with
// transformers' slow CLIPTokenizer (no ftfy): every case of tests/fixtures/clip_tokenizer_cases.json, made by
// tests/reference/make_tiny_tokenizer.py on the tiny 1,000-token vocabulary in tests/fixtures/tiny-sd/tokenizer,
// must give the same ids, padded ids and decoded text; plus add_tokens, an SD2-style pad token, truncation,
// decoding round trips, and the errors for broken tokenizer folders (built in temporary folders here).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "tests/temp_dir.h"
#include "workers/models/clip_tokenizer.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using tunegrid::CLIPTokenizer;
using tunegrid::InputError;
using Ids = std::vector<std::int64_t>;

namespace {

const fs::path kSource = TUNEGRID_SOURCE_DIR;
const fs::path kTokenizerDir = kSource / "tests" / "fixtures" / "tiny-sd" / "tokenizer";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  BOOST_REQUIRE(out.good());
}

const json& fixtures() {
  static const json cases = json::parse(read_text(kSource / "tests" / "fixtures" / "clip_tokenizer_cases.json"));
  return cases;
}

Ids ids_of(const json& array) { return array.get<Ids>(); }

struct TempDir : tunegrid::testing::TempDir {
  TempDir() : tunegrid::testing::TempDir("clip-tokenizer") {}
};

// Copies the tiny tokenizer's vocabulary and merges into `dir` (configs left to the caller).
void copy_vocabulary(const fs::path& dir) {
  fs::copy_file(kTokenizerDir / "vocab.json", dir / "vocab.json");
  fs::copy_file(kTokenizerDir / "merges.txt", dir / "merges.txt");
}

// Runs every case against `tokenizer`; returns how many matched fully.
int check_cases(const CLIPTokenizer& tokenizer, const json& cases) {
  int matched = 0;
  for (const json& c : cases) {
    const std::string name = c["name"], text = c["text"];
    BOOST_TEST_CONTEXT("case " << name) {
      const Ids plain = tokenizer.encode_plain(text), padded = tokenizer.encode(text);
      const Ids expected_plain = ids_of(c["ids"]), expected_padded = ids_of(c["padded"]);
      BOOST_TEST(plain == expected_plain, boost::test_tools::per_element());
      BOOST_TEST(padded == expected_padded, boost::test_tools::per_element());
      const std::string decoded = tokenizer.decode(expected_plain);
      BOOST_TEST(decoded == c["decode"].get<std::string>());
      // Unpadded: the padded ids up to and including the first eos after bos.
      const Ids unpadded = tokenizer.encode(text, false);
      const std::size_t unpadded_size = std::min<std::size_t>(expected_plain.size() + 2, tokenizer.max_length());
      const Ids expected_unpadded(expected_padded.begin(), expected_padded.begin() + unpadded_size);
      BOOST_TEST(unpadded == expected_unpadded, boost::test_tools::per_element());
      if (plain == expected_plain && padded == expected_padded && decoded == c["decode"].get<std::string>() &&
          unpadded == expected_unpadded)
        ++matched;
    }
  }
  return matched;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(clip_tokenizer)

BOOST_AUTO_TEST_CASE(loads_the_tiny_vocabulary) {
  const CLIPTokenizer tokenizer(kTokenizerDir);
  BOOST_TEST(tokenizer.vocab_size() == 1000u);
  BOOST_TEST(tokenizer.max_length() == 77);
  BOOST_TEST(tokenizer.bos_id() == fixtures()["bos_id"].get<std::int64_t>());
  BOOST_TEST(tokenizer.eos_id() == fixtures()["eos_id"].get<std::int64_t>());
  BOOST_TEST(tokenizer.pad_id() == fixtures()["pad_id"].get<std::int64_t>());
  BOOST_TEST(tokenizer.token_id("<|startoftext|>") == 998);
  BOOST_TEST(tokenizer.token_id("!") == 0);       // first byte symbol
  BOOST_TEST(tokenizer.token_id("!</w>") == 256);  // first byte symbol + </w>
  BOOST_CHECK_THROW(tokenizer.token_id("<hanok>"), InputError);
}

BOOST_AUTO_TEST_CASE(cases_match_transformers) {
  const CLIPTokenizer tokenizer(kTokenizerDir);
  const json& cases = fixtures()["cases"];
  BOOST_TEST(cases.size() >= 60u);
  const int matched = check_cases(tokenizer, cases);
  BOOST_TEST_MESSAGE("clip_tokenizer: " << matched << " of " << cases.size() << " cases match");
  BOOST_TEST(matched == static_cast<int>(cases.size()));
}

BOOST_AUTO_TEST_CASE(added_tokens_match_transformers) {
  const json& sets = fixtures()["added_sets"];
  BOOST_TEST(sets.size() >= 1u);
  for (const json& set : sets) {
    BOOST_TEST_CONTEXT("added set " << set["name"].get<std::string>()) {
      CLIPTokenizer tokenizer(kTokenizerDir);
      BOOST_TEST(tokenizer.add_tokens(set["tokens"].get<std::vector<std::string>>()) == set["added"].get<int>());
      BOOST_TEST(tokenizer.vocab_size() == set["vocab_size"].get<std::size_t>());
      for (const auto& [token, id] : set["ids"].items())
        BOOST_TEST(tokenizer.token_id(token) == id.get<std::int64_t>());
      const int matched = check_cases(tokenizer, set["cases"]);
      BOOST_TEST(matched == static_cast<int>(set["cases"].size()));
    }
  }
}

BOOST_AUTO_TEST_CASE(add_tokens_behaviour) {
  CLIPTokenizer tokenizer(kTokenizerDir);
  const Ids before = tokenizer.encode_plain("a photo of <hanok>");
  BOOST_TEST(tokenizer.add_tokens({"<hanok>", "<v*>"}) == 2);
  BOOST_TEST(tokenizer.vocab_size() == 1002u);
  BOOST_TEST(tokenizer.token_id("<hanok>") == 1000);
  BOOST_TEST(tokenizer.token_id("<v*>") == 1001);
  BOOST_TEST(tokenizer.add_tokens({"<hanok>", "<|endoftext|>", ""}) == 0);  // known ones are left alone
  BOOST_TEST(tokenizer.vocab_size() == 1002u);

  const Ids after = tokenizer.encode_plain("a photo of <hanok>");
  BOOST_TEST(after.size() < before.size());
  BOOST_TEST(after.back() == 1000);
  BOOST_TEST(tokenizer.encode_plain("<hanok><v*>") == (Ids{1000, 1001}), boost::test_tools::per_element());
  BOOST_TEST(tokenizer.encode("<v*>", false) == (Ids{998, 1001, 999}), boost::test_tools::per_element());
  // Matched as written, like the slow tokenizer (the lower-casing happens after the added-token split).
  const Ids upper = tokenizer.encode_plain("<HANOK>");
  BOOST_TEST(std::count(upper.begin(), upper.end(), 1000) == 0);
  BOOST_TEST(tokenizer.decode({320, 1000, 1001}) == "a <hanok> <v*>");

  // A token the vocabulary already has keeps its id and is not counted, but is matched whole from now on.
  CLIPTokenizer other(kTokenizerDir);
  const std::int64_t a_id = other.token_id("a");
  BOOST_TEST(other.add_tokens({"a"}) == 0);
  BOOST_TEST(other.vocab_size() == 1000u);
  BOOST_TEST(other.encode_plain("a") == (Ids{a_id}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sd2_pad_token_from_config) {
  TempDir dir;
  copy_vocabulary(dir.path);
  write_text(dir.path / "tokenizer_config.json",
             R"({"model_max_length": 77, "pad_token": "!", "bos_token": {"content": "<|startoftext|>"},
                 "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"})");
  const CLIPTokenizer tokenizer(dir.path);
  const json& pad_bang = fixtures()["pad_bang"];
  BOOST_TEST(tokenizer.pad_id() == pad_bang["pad_id"].get<std::int64_t>());
  BOOST_TEST(tokenizer.eos_id() == 999);
  const int matched = check_cases(tokenizer, pad_bang["cases"]);
  BOOST_TEST(matched == static_cast<int>(pad_bang["cases"].size()));
}

BOOST_AUTO_TEST_CASE(truncation_keeps_eos_last) {
  TempDir dir;
  copy_vocabulary(dir.path);
  write_text(dir.path / "special_tokens_map.json", R"({"pad_token": "<|endoftext|>"})");
  write_text(dir.path / "tokenizer_config.json", R"({"model_max_length": 8})");
  const CLIPTokenizer tokenizer(dir.path);
  BOOST_TEST(tokenizer.max_length() == 8);
  const Ids plain = tokenizer.encode_plain("a photo of a hanok house on fire at night");
  BOOST_REQUIRE(plain.size() > 6u);
  const Ids ids = tokenizer.encode("a photo of a hanok house on fire at night");
  Ids expected{998};
  expected.insert(expected.end(), plain.begin(), plain.begin() + 6);
  expected.push_back(999);
  BOOST_TEST(ids == expected, boost::test_tools::per_element());
  BOOST_TEST(tokenizer.encode("a photo", false) == (Ids{998, 320, 535, 999}), boost::test_tools::per_element());
  BOOST_TEST(tokenizer.encode("a photo") == (Ids{998, 320, 535, 999, 999, 999, 999, 999}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(decode_round_trips_ascii) {
  const CLIPTokenizer tokenizer(kTokenizerDir);
  for (const std::string text : {"a photo of a hanok", "the flooded house burns at night", "zebra quixotic jazz",
                                 "victorian mansion with a red roof", "x"}) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(tokenizer.decode(tokenizer.encode_plain(text)) == text);
    }
  }
  // Lower-cased, whitespace collapsed, punctuation words apart (as transformers decodes them).
  BOOST_TEST(tokenizer.decode(tokenizer.encode_plain("  A  Photo,\tof\nA HANOK!  ")) == "a photo , of a hanok !");
  BOOST_TEST(tokenizer.decode(tokenizer.encode("a photo", false)) == "<|startoftext|>a photo <|endoftext|>");
  BOOST_TEST(tokenizer.decode({}) == "");
  BOOST_CHECK_THROW(tokenizer.decode({1000}), InputError);
}

BOOST_AUTO_TEST_CASE(missing_files_throw) {
  {
    TempDir dir;
    fs::copy_file(kTokenizerDir / "vocab.json", dir.path / "vocab.json");
    try {
      CLIPTokenizer tokenizer(dir.path);
      BOOST_ERROR("a folder without merges.txt loaded");
    } catch (const InputError& e) {
      BOOST_TEST(std::string(e.what()).find("merges.txt") != std::string::npos, e.what());
    }
  }
  {
    TempDir dir;
    fs::copy_file(kTokenizerDir / "merges.txt", dir.path / "merges.txt");
    try {
      CLIPTokenizer tokenizer(dir.path);
      BOOST_ERROR("a folder without vocab.json loaded");
    } catch (const InputError& e) {
      BOOST_TEST(std::string(e.what()).find("vocab.json") != std::string::npos, e.what());
    }
  }
  BOOST_CHECK_THROW(CLIPTokenizer(kSource / "tests" / "fixtures" / "no-such-tokenizer"), InputError);
}

BOOST_AUTO_TEST_CASE(malformed_files_throw) {
  {  // a merges line with three symbols, on line 5
    TempDir dir;
    fs::copy_file(kTokenizerDir / "vocab.json", dir.path / "vocab.json");
    std::istringstream merges(read_text(kTokenizerDir / "merges.txt"));
    std::string line, text;
    for (int number = 1; std::getline(merges, line); ++number) text += (number == 5 ? "h a n\n" : line + "\n");
    write_text(dir.path / "merges.txt", text);
    try {
      CLIPTokenizer tokenizer(dir.path);
      BOOST_ERROR("a malformed merges.txt loaded");
    } catch (const InputError& e) {
      BOOST_TEST(std::string(e.what()).find("merges.txt:5") != std::string::npos, e.what());
    }
  }
  {  // a merges line with one symbol
    TempDir dir;
    fs::copy_file(kTokenizerDir / "vocab.json", dir.path / "vocab.json");
    write_text(dir.path / "merges.txt", "#version: 0.2\nh a\nlonely\n");
    try {
      CLIPTokenizer tokenizer(dir.path);
      BOOST_ERROR("a malformed merges.txt loaded");
    } catch (const InputError& e) {
      BOOST_TEST(std::string(e.what()).find("merges.txt:3") != std::string::npos, e.what());
    }
  }
  {  // malformed vocab.json, then a malformed tokenizer_config.json
    TempDir dir;
    copy_vocabulary(dir.path);
    write_text(dir.path / "vocab.json", "{\"a\": 0, ");
    try {
      CLIPTokenizer tokenizer(dir.path);
      BOOST_ERROR("a malformed vocab.json loaded");
    } catch (const InputError& e) {
      BOOST_TEST(std::string(e.what()).find("vocab.json") != std::string::npos, e.what());
    }
    fs::remove(dir.path / "vocab.json");
    fs::copy_file(kTokenizerDir / "vocab.json", dir.path / "vocab.json");
    write_text(dir.path / "tokenizer_config.json", "{\"model_max_length\": }");
    try {
      CLIPTokenizer tokenizer(dir.path);
      BOOST_ERROR("a malformed tokenizer_config.json loaded");
    } catch (const InputError& e) {
      BOOST_TEST(std::string(e.what()).find("tokenizer_config.json") != std::string::npos, e.what());
    }
  }
  {  // the folder without configs loads with CLIP's defaults
    TempDir dir;
    copy_vocabulary(dir.path);
    const CLIPTokenizer tokenizer(dir.path);
    BOOST_TEST(tokenizer.max_length() == 77);
    BOOST_TEST(tokenizer.pad_id() == 999);
  }
}

BOOST_AUTO_TEST_SUITE_END()
