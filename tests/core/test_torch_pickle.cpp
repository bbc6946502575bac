// test_torch_pickle.cpp — reading torch.save files without Python: an AUTOMATIC1111 embedding
// written by Python's torch.save (tests/fixtures/external/hanok-a1111.pt: SETITEM, an
// nn.Parameter, an OrderedDict), and every way a file can be refused — not a zip, a truncated
// or compressed member, a global that is not data, an opcode data does not need, a view past
// its storage — with the file named.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/errors.h"
#include "core/torch_pickle.h"
#include "core/zip_archive.h"

using namespace tunegrid;

namespace {

const std::filesystem::path kFixture =
    std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests/fixtures/external/hanok-a1111.pt";

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(torch_pickle)

BOOST_AUTO_TEST_CASE(reads_an_embedding_python_wrote) {
  const TorchSaveFile saved = read_torch_save(kFixture);
  BOOST_TEST(saved.prefix == "hanok-a1111/");
  BOOST_REQUIRE(saved.root.kind == PickleValue::Kind::dict);
  BOOST_TEST(saved.root.find("name")->text == "hanok-a1111");
  BOOST_TEST(saved.root.find("step")->integer == 120);
  BOOST_TEST(saved.root.find("string_to_token")->find("*")->integer == 265);
  const PickleValue* param = saved.root.find("string_to_param")->find("*");
  BOOST_REQUIRE(param);
  BOOST_REQUIRE(param->kind == PickleValue::Kind::tensor);
  BOOST_TEST(param->tensor->dtype == "float32");
  BOOST_TEST(param->tensor->shape == (std::vector<std::int64_t>{2, 32}), boost::test_tools::per_element());
  BOOST_TEST(param->tensor->stride == (std::vector<std::int64_t>{32, 1}), boost::test_tools::per_element());
  BOOST_TEST(saved.storage_bytes(*param->tensor).size() == 2u * 32u * 4u);
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_a_torch_save_zip) {
  const auto dir = std::filesystem::temp_directory_path() / "tunegrid-pickle-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "legacy.pt", std::ios::binary) << std::string("\x80\x02\x8a\x0a", 4) << "not a zip at all, 1.5 format";
  BOOST_TEST(contains(error_of([&] { read_torch_save(dir / "legacy.pt"); }), "legacy torch.save format"));
  const std::string bytes = file_bytes(kFixture);
  std::ofstream(dir / "cut.pt", std::ios::binary) << bytes.substr(0, bytes.size() - 100);
  BOOST_TEST(contains(error_of([&] { read_torch_save(dir / "cut.pt"); }), "cut.pt"));
  std::string compressed = bytes;  // the first member's method field set to 8 (deflate) in the directory
  const auto directory = compressed.find("PK\x01\x02");
  BOOST_REQUIRE(directory != std::string::npos);
  compressed[directory + 10] = 8;
  std::ofstream(dir / "compressed.pt", std::ios::binary) << compressed;
  BOOST_TEST(contains(error_of([&] { read_torch_save(dir / "compressed.pt"); }), "is compressed (method 8)"));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(refuses_pickles_that_are_not_plain_data) {
  // os.system("...") as a pickle: GLOBAL, a tuple, REDUCE.
  const std::string evil = std::string("\x80\x02") + "cos\nsystem\nX\x02\x00\x00\x00ls\x85R.";
  BOOST_TEST(contains(error_of([&] { unpickle(evil, "evil.pkl"); }), "refuses global 'os.system'"));
  BOOST_TEST(contains(error_of([&] { unpickle(std::string("\x80\x02\xff.", 4), "x.pkl"); }), "opcode 0xff"));
  BOOST_TEST(contains(error_of([&] { unpickle(std::string("\x80\x02}q\x00", 5), "x.pkl"); }), "ends early"));
  BOOST_TEST(contains(error_of([&] { unpickle(std::string("\x80\x02h\x07.", 5), "x.pkl"); }), "memo entry 7"));
  std::string deep = "\x80\x02";
  for (int i = 0; i < 1000; ++i) deep += "]";
  for (int i = 0; i < 999; ++i) deep += "a";
  deep += ".";
  BOOST_TEST(contains(error_of([&] { unpickle(deep, "deep.pkl"); }), "nests deeper than 512"));
  // A memoised dict filled after it was memoised is one object (BINGET sees its contents).
  const std::string shared = std::string("\x80\x02}q\x00X\x01\x00\x00\x00kK\x07sh\x00\x86.", 18);
  const PickleValue pair = unpickle(shared, "shared.pkl");
  BOOST_REQUIRE(pair.items.size() == 2u);
  BOOST_TEST(pair.items[1].find("k")->integer == 7);
}

BOOST_AUTO_TEST_SUITE_END()
