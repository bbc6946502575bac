// test_t5_tokenizer.cpp — parity of tunegrid's T5Tokenizer (workers/models/t5_tokenizer.cpp,
// libsentencepiece) with transformers 5's T5Tokenizer as FluxPipeline calls it
// (padding="max_length", truncation, </s> appended): every case of
// tests/fixtures/parity/t5_tokenizer_cases.json (made by tests/reference/make_tiny_flux.py on the
// tiny 300-piece model in tests/fixtures/tiny-flux/tokenizer_2: words, capitals, punctuation,
// digits, repeated and edge spaces, NFKC-folded and unknown characters, the empty string, a prompt
// past the length) must give the same ids; plus the errors for a missing or broken model file.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "tests/input_error.h"
#include "tests/temp_dir.h"
#include "workers/data/world_sentencepiece.h"
#include "workers/data/world_tokenizer.h"
#include "workers/models/t5_tokenizer.h"

namespace fs = std::filesystem;
using tunegrid::T5Tokenizer;
using Ids = std::vector<std::int64_t>;

namespace {

const fs::path kFixtures = fs::path(TUNEGRID_SOURCE_DIR) / "tests" / "fixtures";

}  // namespace

BOOST_AUTO_TEST_SUITE(t5_tokenizer)

BOOST_AUTO_TEST_CASE(every_case_matches_transformers) {
  std::ifstream in(kFixtures / "parity" / "t5_tokenizer_cases.json");
  const auto fixture = nlohmann::json::parse(in);
  const T5Tokenizer tokenizer(kFixtures / "tiny-flux" / "tokenizer_2");
  BOOST_TEST(tokenizer.vocab_size() == fixture.at("vocab_size").get<std::size_t>());
  BOOST_TEST(tokenizer.pad_id() == fixture.at("pad_id").get<std::int64_t>());
  BOOST_TEST(tokenizer.eos_id() == fixture.at("eos_id").get<std::int64_t>());
  const int max_length = fixture.at("max_length");
  BOOST_TEST(fixture.at("cases").size() >= 30u);
  for (const auto& entry : fixture.at("cases")) {
    const std::string text = entry.at("text");
    BOOST_TEST(tokenizer.encode(text, max_length) == entry.at("ids").get<Ids>(), "text: '" << text << "'");
    BOOST_TEST(tokenizer.encode_plain(text) == entry.at("pieces_ids").get<Ids>(), "text: '" << text << "'");
  }
}

BOOST_AUTO_TEST_CASE(truncation_keeps_the_end_of_sequence_token_last) {
  const T5Tokenizer tokenizer(kFixtures / "tiny-flux" / "tokenizer_2");
  const Ids ids = tokenizer.encode("a house in the fire a house in the fire a house in the fire", 5);
  BOOST_TEST(ids.size() == 5u);
  BOOST_TEST(ids.back() == tokenizer.eos_id());
  BOOST_TEST(tokenizer.encode("", 3) == (Ids{tokenizer.eos_id(), tokenizer.pad_id(), tokenizer.pad_id()}));
}

BOOST_AUTO_TEST_CASE(missing_or_broken_models_are_named) {
  tunegrid::testing::TempDir dir("t5-tokenizer");
  BOOST_TEST(tunegrid::testing::input_error_of([&] { T5Tokenizer{dir.path}; }).find("spiece.model") !=
             std::string::npos);
  std::ofstream(dir.path / "spiece.model") << "not a model";
  const std::string broken = tunegrid::testing::input_error_of([&] { T5Tokenizer{dir.path}; });
  BOOST_TEST(broken.find("not a SentencePiece model") != std::string::npos);
  BOOST_TEST(broken.find((dir.path / "spiece.model").string()) != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// The world's own T5 vocabulary (workers/data/world_sentencepiece.h, builtin:tiny-flux's
// tokenizer_2): every caption word encodes without <unk>, the file is the same every time, and
// the folder's model_max_length is the length FLUX pads to by default.
BOOST_AUTO_TEST_SUITE(world_sentencepiece)

BOOST_AUTO_TEST_CASE(world_words_encode_without_unknown_pieces) {
  tunegrid::testing::TempDir first("world-spm"), second("world-spm");
  tunegrid::write_world_sentencepiece(first.path, 400, 32);
  tunegrid::write_world_sentencepiece(second.path, 400, 32);
  const auto bytes = [](const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  BOOST_TEST(bytes(first / "spiece.model") == bytes(second / "spiece.model"));
  const T5Tokenizer tokenizer(first.path);
  BOOST_TEST(tokenizer.pad_id() == 0);
  BOOST_TEST(tokenizer.eos_id() == 1);
  BOOST_TEST(tokenizer.vocab_size() <= 400u);
  for (const auto& [word, count] : tunegrid::world_caption_words())
    for (const auto id : tokenizer.encode_plain(word)) BOOST_TEST(id != 2, word);  // 2: <unk>
  BOOST_TEST(tokenizer.default_max_length() == 32);
  const Ids ids = tokenizer.encode("an aerial image of a runway", tokenizer.default_max_length());
  BOOST_TEST(ids.size() == 32u);
}

BOOST_AUTO_TEST_CASE(default_length_is_flux_pipelines_unless_the_folder_says_less) {
  // transformers writes model_max_length 512 for T5 (the fixture's): FluxPipeline's 512.
  BOOST_TEST(T5Tokenizer(kFixtures / "tiny-flux" / "tokenizer_2").default_max_length() == 512);
  tunegrid::testing::TempDir dir("world-spm");
  fs::copy_file(kFixtures / "tiny-flux" / "tokenizer_2" / "spiece.model", dir / "spiece.model");
  BOOST_TEST(T5Tokenizer(dir.path).default_max_length() == 512);  // no tokenizer_config.json
  std::ofstream(dir / "tokenizer_config.json") << R"({"model_max_length": 1000000000000000019884624838656})";
  BOOST_TEST(T5Tokenizer(dir.path).default_max_length() == 512);  // transformers' "no limit"
  std::ofstream(dir / "tokenizer_config.json") << R"({"model_max_length": 77})";
  BOOST_TEST(T5Tokenizer(dir.path).default_max_length() == 77);
  std::ofstream(dir / "tokenizer_config.json") << "{";
  BOOST_TEST(tunegrid::testing::input_error_of([&] { T5Tokenizer{dir.path}; }).find("tokenizer_config.json") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
