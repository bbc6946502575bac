// test_safetensors.cpp — the safetensors reader and writer (core/safetensors.h): bit-exact
// round trip of every dtype with metadata, a golden file written by the Python reference
// package, byte-identical output to the reference for the same tensors (header padding),
// the reference's data layout (descending dtype, so every offset is aligned),
// and refusal (InputError naming the file and tensor, never a crash) of every kind of
// corrupt file: each prefix of a valid file, lying header lengths, bad JSON, unknown dtypes,
// bad shapes and offsets, overlaps, gaps, byte-count mismatches, overflowing shapes and
// non-string metadata. Fixtures: tests/reference/make_safetensors_fixtures.py.
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/safetensors.h"
#include "tests/temp_dir.h"

using namespace tunegrid;
namespace fs = std::filesystem;

namespace {

const fs::path fixtures = fs::path(TUNEGRID_SOURCE_DIR) / "tests" / "fixtures" / "safetensors";

struct TempDir : tunegrid::testing::TempDir {
  TempDir() : tunegrid::testing::TempDir("safetensors") {}
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE_MESSAGE(out, "cannot write " << path);
}

std::string le64(std::uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(value >> (8 * i));
  return out;
}

// A safetensors file from its parts: 8-byte little-endian header length, header, data.
std::string framed(const std::string& header, const std::string& data = "") {
  return le64(header.size()) + header + data;
}

// Printable form of raw bytes for failure messages.
std::string escaped(const std::string& bytes) {
  std::ostringstream out;
  for (const unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out << c;
    } else {
      static const char* digits = "0123456789abcdef";
      out << "\\x" << digits[c >> 4] << digits[c & 15];
    }
  }
  return out.str();
}

template <typename T>
std::string raw(std::initializer_list<T> values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), values.begin(), out.size());
  return out;
}

std::string tensor_bytes(const SafetensorsFile& file, const std::string& name) {
  return std::string(reinterpret_cast<const char*>(file.data(name)), file.info(name).bytes());
}

// `path` must be refused with an InputError whose message names the file and has each fragment.
void check_refused(const fs::path& path, const std::vector<std::string>& fragments) {
  try {
    SafetensorsFile file(path);
    BOOST_ERROR("accepted " << path.filename() << ": " << escaped(read_bytes(path).substr(0, 200)));
  } catch (const InputError& error) {
    const std::string message = error.what();
    BOOST_CHECK_MESSAGE(message.find(path.string()) != std::string::npos, "message lacks the path: " << message);
    for (const auto& fragment : fragments)
      BOOST_CHECK_MESSAGE(message.find(fragment) != std::string::npos,
                          "message lacks '" << fragment << "': " << message);
  }
}

// Writes a file with this header (framed with its true length) and data, then check_refused.
void check_header_refused(const TempDir& temp, const std::string& header, const std::string& data,
                          const std::vector<std::string>& fragments) {
  const auto path = temp / "bad.safetensors";
  write_bytes(path, framed(header, data));
  BOOST_TEST_CONTEXT("header " << header) { check_refused(path, fragments); }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(safetensors)

BOOST_AUTO_TEST_CASE(round_trip_of_every_dtype_with_metadata_is_bit_exact) {
  TempDir temp;
  // Awkward bit patterns: NaN payloads, negative zero, subnormals, integer extremes.
  const std::map<std::string, std::pair<DType, std::vector<std::int64_t>>> layout = {
      {"z.f64", {DType::F64, {2}}},      {"y.f32", {DType::F32, {2, 3}}},   {"x.f16", {DType::F16, {4}}},
      {"w.bf16", {DType::BF16, {2, 2}}}, {"v.i64", {DType::I64, {3}}},      {"u.i32", {DType::I32, {2}}},
      {"t.i16", {DType::I16, {2}}},      {"s.i8", {DType::I8, {2}}},        {"r.u8", {DType::U8, {3}}},
      {"q.bool", {DType::BOOL, {2}}},    {"p.empty", {DType::F32, {0, 3}}}, {"o.scalar", {DType::F64, {}}},
  };
  const std::map<std::string, std::string> values = {
      {"z.f64", raw<std::uint64_t>({0x7ff8000000000123ull, 0x8000000000000001ull})},
      {"y.f32", raw<std::uint32_t>({0x7fc00001u, 0x80000000u, 0x00000001u, 0x3f800000u, 0xff800000u, 0x12345678u})},
      {"x.f16", raw<std::uint16_t>({0x3c00, 0x7e01, 0x8000, 0x0001})},
      {"w.bf16", raw<std::uint16_t>({0x3f80, 0xffc1, 0x0001, 0x8000})},
      {"v.i64",
       raw<std::int64_t>({std::numeric_limits<std::int64_t>::min(), -1, std::numeric_limits<std::int64_t>::max()})},
      {"u.i32",
       raw<std::int32_t>({std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()})},
      {"t.i16", raw<std::int16_t>({-32768, 32767})},
      {"s.i8", raw<std::int8_t>({-128, 127})},
      {"r.u8", raw<std::uint8_t>({0, 128, 255})},
      {"q.bool", raw<std::uint8_t>({1, 0})},
      {"p.empty", ""},
      {"o.scalar", raw<double>({-2.5e-300})},
  };
  std::vector<TensorToWrite> tensors;  // in reverse name order: the writer must sort
  for (const auto& [name, spec] : layout)
    tensors.push_back({name, spec.first, spec.second, values.at(name).empty() ? nullptr : values.at(name).data()});
  const std::map<std::string, std::string> metadata = {
      {"format", "pt"}, {"ünïcode key", "line\nbreak \"quoted\" \\ \x01 tab\t"}, {"", "empty key"}};
  const auto path = temp / "round.safetensors";
  write_safetensors(path, tensors, metadata);

  SafetensorsFile file(path);
  BOOST_TEST(file.path() == path);
  BOOST_TEST((file.metadata() == metadata));
  std::vector<std::string> expected_names;
  for (const auto& entry : layout) expected_names.push_back(entry.first);
  BOOST_TEST(file.names() == expected_names, boost::test_tools::per_element());
  // Data back to back in the reference's order (descending dtype, then name), each tensor
  // aligned to its element size.
  std::vector<std::pair<std::size_t, std::string>> by_offset;
  for (const auto& name : expected_names) by_offset.emplace_back(file.info(name).begin, name);
  std::stable_sort(by_offset.begin(), by_offset.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::size_t previous_end = 0;
  for (const auto& [begin, name] : by_offset) {
    BOOST_TEST_CONTEXT("tensor " << name) {
      BOOST_TEST(file.contains(name));
      const TensorInfo& info = file.info(name);
      BOOST_TEST(info.name == name);
      BOOST_TEST(dtype_name(info.dtype) == dtype_name(layout.at(name).first));
      BOOST_TEST(info.shape == layout.at(name).second, boost::test_tools::per_element());
      BOOST_TEST(info.begin == previous_end);
      BOOST_TEST(info.begin % dtype_size(info.dtype) == 0u);
      BOOST_TEST(escaped(tensor_bytes(file, name)) == escaped(values.at(name)));
      BOOST_TEST(static_cast<std::size_t>(info.numel()) * dtype_size(info.dtype) == info.bytes());
      previous_end = info.end;
    }
  }
  const std::string bytes = read_bytes(path);
  std::uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | static_cast<unsigned char>(bytes[i]);
  BOOST_TEST(header_length % 8 == 0);
  BOOST_TEST(bytes.size() == 8 + header_length + previous_end);
  BOOST_TEST(std::distance(fs::directory_iterator(temp.path), fs::directory_iterator()) == 1);  // no temporary left
}

BOOST_AUTO_TEST_CASE(reads_golden_file_written_by_python_reference) {
  SafetensorsFile file(fixtures / "golden.safetensors");
  BOOST_TEST((file.metadata() == std::map<std::string, std::string>{{"format", "pt"}, {"note", "golden"}}));
  const std::vector<std::string> names = {"bf16", "bool", "empty", "f16", "f32",    "f64",
                                          "i16",  "i32",  "i64",   "i8",  "scalar", "u8"};
  BOOST_TEST(file.names() == names, boost::test_tools::per_element());
  auto check = [&](const std::string& name, DType dtype, std::vector<std::int64_t> shape, const std::string& bytes) {
    BOOST_TEST_CONTEXT("tensor " << name) {
      const TensorInfo& info = file.info(name);
      BOOST_TEST(dtype_name(info.dtype) == dtype_name(dtype));
      BOOST_TEST(info.shape == shape, boost::test_tools::per_element());
      BOOST_TEST(escaped(tensor_bytes(file, name)) == escaped(bytes));
    }
  };
  check("f64", DType::F64, {1}, raw<double>({0.1}));
  check("f32", DType::F32, {2, 3}, raw<float>({-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f}));
  check("f16", DType::F16, {3}, raw<std::uint16_t>({0x3c00, 0xc000, 0x3800}));  // 1, -2, 0.5
  check("bf16", DType::BF16, {2}, raw<std::uint16_t>({0x3f80, 0xc040}));        // 1, -3
  check("i64", DType::I64, {2}, raw<std::int64_t>({-1, std::int64_t(1) << 40}));
  check("i32", DType::I32, {2}, raw<std::int32_t>({-7, 2147483647}));
  check("i16", DType::I16, {2}, raw<std::int16_t>({-300, 300}));
  check("i8", DType::I8, {2}, raw<std::int8_t>({-128, 127}));
  check("u8", DType::U8, {3}, raw<std::uint8_t>({0, 128, 255}));
  check("bool", DType::BOOL, {3}, raw<std::uint8_t>({1, 0, 1}));
  check("empty", DType::F32, {0, 4}, "");
  check("scalar", DType::F32, {}, raw<float>({3.25f}));
  BOOST_TEST(file.info("scalar").numel() == 1);
  BOOST_TEST(file.info("empty").numel() == 0);
  BOOST_TEST(file.info("f32").numel() == 6);
  // The reference lays data out by descending dtype, not by name: offsets are what count.
  BOOST_TEST(file.info("i64").begin == 0u);
  BOOST_TEST(file.info("bool").end == 82u);
}

BOOST_AUTO_TEST_CASE(writer_output_is_byte_identical_to_python_reference) {
  TempDir temp;
  const std::string a = raw<float>({1.5f, -2.0f}), b = raw<std::int16_t>({1, -2, 3}), c = raw<std::uint8_t>({7});
  const auto path = temp / "layout.safetensors";
  write_safetensors(
      path, {{"c", DType::U8, {1}, c.data()}, {"a", DType::F32, {2}, a.data()}, {"b", DType::I16, {3}, b.data()}},
      {{"format", "pt"}});
  const std::string expected = read_bytes(fixtures / "layout.safetensors");
  BOOST_TEST(escaped(read_bytes(path)) == escaped(expected));
  BOOST_TEST(expected.substr(0, 8) == le64(200));  // 193 bytes of JSON padded with 7 spaces
  BOOST_TEST(expected.substr(8 + 193, 7) == std::string(7, ' '));

  // No tensors and no metadata: exactly what the reference writes for an empty dict.
  write_safetensors(temp / "empty.safetensors", {});
  BOOST_TEST(escaped(read_bytes(temp / "empty.safetensors")) == escaped(le64(8) + "{}      "));
  // Metadata appears only when there is some.
  write_safetensors(temp / "plain.safetensors", {{"a", DType::F32, {2}, a.data()}});
  BOOST_TEST(escaped(read_bytes(temp / "plain.safetensors")) ==
             escaped(framed("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  ", a)));
}

BOOST_AUTO_TEST_CASE(writer_lays_data_out_like_python_reference_with_aligned_offsets) {
  TempDir temp;
  // Every tensor of the reference's golden file, written again: the data area must be the
  // reference's byte for byte (descending dtype, then name), while the header keeps its
  // keys in name order.
  const SafetensorsFile golden(fixtures / "golden.safetensors");
  std::vector<TensorToWrite> tensors;
  for (const auto& name : golden.names()) {
    const TensorInfo& info = golden.info(name);
    tensors.push_back({name, info.dtype, info.shape, info.bytes() ? golden.data(name) : nullptr});
  }
  const auto path = temp / "again.safetensors";
  write_safetensors(path, tensors, golden.metadata());
  const SafetensorsFile again(path);
  for (const auto& name : golden.names())
    BOOST_TEST_CONTEXT("tensor " << name) {
      BOOST_TEST(again.info(name).begin == golden.info(name).begin);
      BOOST_TEST(again.info(name).end == golden.info(name).end);
      BOOST_TEST(again.info(name).begin % dtype_size(again.info(name).dtype) == 0u);
    }
  auto data_area = [](const std::string& bytes) {
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(bytes[i]);
    return bytes.substr(8 + length);
  };
  const std::string written = read_bytes(path);
  BOOST_TEST(escaped(data_area(written)) == escaped(data_area(read_bytes(fixtures / "golden.safetensors"))));
  std::size_t previous = 0;
  for (const auto& name : golden.names()) {  // header keys in name order
    const std::size_t at = written.find("\"" + name + "\":{\"dtype\"");
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, name << " is missing from the header");
    BOOST_TEST(at > previous, name << " is out of name order in the header");
    previous = at;
  }

  // A byte-sized tensor named first no longer pushes a float tensor off its alignment.
  const std::string three = raw<std::uint8_t>({1, 2, 3}), f = raw<float>({0.5f});
  write_safetensors(temp / "mixed.safetensors", {{"a", DType::U8, {3}, three.data()}, {"b", DType::F32, {1}, f.data()}});
  const SafetensorsFile mixed(temp / "mixed.safetensors");
  BOOST_TEST(mixed.info("b").begin == 0u);
  BOOST_TEST(mixed.info("a").begin == 4u);
  BOOST_TEST(escaped(tensor_bytes(mixed, "a")) == escaped(three));
  BOOST_TEST(escaped(tensor_bytes(mixed, "b")) == escaped(f));
}

BOOST_AUTO_TEST_CASE(every_prefix_of_a_valid_file_is_refused) {
  TempDir temp;
  for (const char* fixture : {"layout.safetensors", "golden.safetensors"}) {
    const std::string bytes = read_bytes(fixtures / fixture);
    const auto path = temp / fixture;
    write_bytes(path, bytes);
    BOOST_REQUIRE_NO_THROW(SafetensorsFile{path});  // the whole file is fine
    std::size_t refused = 0;
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      write_bytes(path, bytes.substr(0, length));
      try {
        SafetensorsFile file(path);
        BOOST_ERROR(fixture << " cut to " << length << " bytes was accepted");
      } catch (const InputError& error) {
        ++refused;
        if (std::string(error.what()).find(path.string()) == std::string::npos)
          BOOST_ERROR(fixture << " cut to " << length << ": message lacks the path: " << error.what());
      }
    }
    BOOST_TEST(refused == bytes.size());
    write_bytes(path, bytes + '\0');  // one trailing byte too many
    check_refused(path, {"expected no trailing bytes"});
  }
}

BOOST_AUTO_TEST_CASE(header_length_must_fit_the_file_and_the_limit) {
  TempDir temp;
  const auto path = temp / "length.safetensors";
  const std::string header = "{}      ";
  write_bytes(path, le64(header.size() + 1) + header);
  check_refused(path, {"header length 9", "only 8 bytes follow"});
  write_bytes(path, le64(1000) + header);
  check_refused(path, {"header length 1000"});
  write_bytes(path, le64(100'000'001) + header);
  check_refused(path, {"header length 100000001 exceeds the limit of 100000000 bytes"});
  write_bytes(path, le64(std::numeric_limits<std::uint64_t>::max()) + header);
  check_refused(path, {"header length 18446744073709551615 exceeds the limit"});
  write_bytes(path, le64(std::uint64_t(1) << 63) + header);
  check_refused(path, {"exceeds the limit"});
  write_bytes(path, "");
  check_refused(path, {"file has 0 bytes", "8-byte header length"});
  write_bytes(path, std::string(7, '\0'));
  check_refused(path, {"file has 7 bytes"});
  check_refused(temp / "missing.safetensors", {"cannot open"});
  check_refused(temp.path, {"regular"});
}

BOOST_AUTO_TEST_CASE(header_must_be_a_json_object) {
  TempDir temp;
  check_header_refused(temp, "", "", {"not valid UTF-8 JSON"});
  check_header_refused(temp, "{\"a\":", "", {"not valid UTF-8 JSON"});
  check_header_refused(temp, "{} trailing", "", {"not valid UTF-8 JSON"});
  check_header_refused(temp, "{\"a\xff\":{}}", "", {"not valid UTF-8 JSON"});
  check_header_refused(temp, "[1, 2]", "", {"must be a JSON object", "found array"});
  check_header_refused(temp, "\"text\"", "", {"must be a JSON object", "found string"});
  check_header_refused(temp, "{\"w\":[1]}", "", {"tensor 'w'", "must be an object"});
  // The reference silently keeps the last of two equal keys; we refuse the ambiguity.
  check_header_refused(temp,
                       "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                       "\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
                       "x", {"key 'w' twice"});
  check_header_refused(temp, "{\"w\":{\"dtype\":\"U8\",\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "x",
                       {"key 'dtype' twice"});
}

BOOST_AUTO_TEST_CASE(unknown_or_missing_dtype_is_refused) {
  TempDir temp;
  check_header_refused(temp, R"({"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "x",
                       {"tensor 'w' has dtype \"F8_E4M3\" but expected one of F64, F32, F16, BF16"});
  check_header_refused(temp, R"({"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", "xxxx",
                       {"tensor 'w'", "\"f32\""});
  check_header_refused(temp, R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", "xxxx",
                       {"tensor 'w'", "dtype 4"});
  check_header_refused(temp, R"({"w":{"shape":[1],"data_offsets":[0,4]}})", "xxxx", {"tensor 'w' has no 'dtype'"});
}

BOOST_AUTO_TEST_CASE(shape_must_be_non_negative_integers) {
  TempDir temp;
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[-1,2],"data_offsets":[0,0]}})", "",
                       {"tensor 'w'", "non-negative", "the negative number -1"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[2.5],"data_offsets":[0,2]}})", "xx",
                       {"tensor 'w'", "non-integer number 2.5"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":["2"],"data_offsets":[0,2]}})", "xx",
                       {"tensor 'w'", "string"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":2,"data_offsets":[0,2]}})", "xx", {"tensor 'w'", "'shape'"});
  // A long shape is cut short in the message.
  std::string long_shape;
  for (int i = 0; i < 1000; ++i) long_shape += "1,";
  check_header_refused(temp, "{\"w\":{\"dtype\":\"U8\",\"shape\":[" + long_shape + "-1]}}", "",
                       {"tensor 'w' has shape [1,1,1,", ",1...; expected non-negative"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","data_offsets":[0,2]}})", "xx",
                       {"tensor 'w'", "'shape'", "nothing"});
}

BOOST_AUTO_TEST_CASE(offsets_must_lie_inside_the_data_area) {
  TempDir temp;
  const std::string eight(8, 'x');
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[100],"data_offsets":[0,100]}})", eight,
                       {"tensor 'w' has data_offsets [0, 100] but the data area has only 8 bytes"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[8],"data_offsets":[-4,4]}})", eight,
                       {"tensor 'w'", "'data_offsets'", "[-4,4]"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[8],"data_offsets":[0,4,8]}})", eight,
                       {"tensor 'w'", "two non-negative integers"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[8],"data_offsets":[8,0]}})", eight,
                       {"tensor 'w'", "[8, 0]", "begin <= end"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[8],"data_offsets":[0,18446744073709551615]}})", eight,
                       {"tensor 'w'", "only 8 bytes"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[8],"data_offsets":[0,18446744073709551616]}})", eight,
                       {"tensor 'w'", "'data_offsets'"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[8]}})", eight, {"tensor 'w'", "'data_offsets'", "nothing"});
}

BOOST_AUTO_TEST_CASE(tensors_must_tile_the_data_area) {
  TempDir temp;
  check_header_refused(temp,
                       R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                       std::string(12, 'x'), {"tensor 'b' at data_offsets [4, 12] overlaps tensor 'a' at [0, 8]"});
  check_header_refused(temp,
                       R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("b":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})",
                       std::string(8, 'x'), {"tensor 'b'", "overlaps tensor 'a'"});
  check_header_refused(temp,
                       R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                       R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                       std::string(12, 'x'),
                       {"tensor 'b' starts at data offset 8 but tensor 'a' ends at 4", "4 bytes between"});
  check_header_refused(temp, R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, 'x'),
                       {"first tensor 'a' starts at data offset 4; expected 0"});
  check_header_refused(temp, R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", std::string(8, 'x'),
                       {"cover 4 bytes", "data area has 8 bytes"});
  check_header_refused(temp, "{}", "x", {"cover 0 bytes", "data area has 1 bytes"});
}

BOOST_AUTO_TEST_CASE(byte_count_must_equal_shape_times_dtype_size) {
  TempDir temp;
  const auto path = temp / "model.safetensors";
  write_bytes(path,
              framed(R"({"a.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12]}})", std::string(12, 'x')));
  try {
    SafetensorsFile file(path);
    BOOST_ERROR("accepted a byte-count mismatch");
  } catch (const InputError& error) {
    BOOST_TEST(std::string(error.what()) ==
               path.string() + ": tensor 'a.weight' has 12 bytes but shape [2, 3] of F32 needs 24");
  }
  check_header_refused(temp, R"({"b":{"dtype":"BOOL","shape":[],"data_offsets":[0,0]}})", "",
                       {"tensor 'b' has 0 bytes but shape [] of BOOL needs 1"});
}

BOOST_AUTO_TEST_CASE(shape_product_overflow_is_refused) {
  TempDir temp;
  check_header_refused(temp, R"({"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}})",
                       "xxxx", {"tensor 'w' has shape [1099511627776, 1099511627776] of F32", "overflows"});
  // The element count fits; times 4 bytes it does not (a wrapping multiply would give 0).
  check_header_refused(temp, R"({"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", "",
                       {"tensor 'w'", "overflows"});
  // As in the reference, an overflowing running product is refused even if a later size is 0.
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[1099511627776,1099511627776,0],"data_offsets":[0,0]}})", "",
                       {"tensor 'w'", "overflows"});
  check_header_refused(temp, R"({"w":{"dtype":"U8","shape":[0,9223372036854775808],"data_offsets":[0,0]}})", "",
                       {"tensor 'w'", "2^63 - 1"});
}

BOOST_AUTO_TEST_CASE(metadata_values_must_be_strings) {
  TempDir temp;
  check_header_refused(temp, R"({"__metadata__":{"epoch":1}})", "",
                       {"metadata 'epoch' must be a string, found the number 1"});
  check_header_refused(temp, R"({"__metadata__":{"k":null}})", "", {"metadata 'k'", "found null"});
  check_header_refused(temp, R"({"__metadata__":{"k":{"nested":"x"}}})", "", {"metadata 'k'", "found object"});
  check_header_refused(temp, R"({"__metadata__":["a"]})", "", {"'__metadata__' must be an object of strings"});
  // A null metadata object is accepted, as by the reference.
  const auto path = temp / "null.safetensors";
  write_bytes(path, framed(R"({"__metadata__":null})"));
  SafetensorsFile file(path);
  BOOST_TEST(file.metadata().empty());
}

BOOST_AUTO_TEST_CASE(missing_tensor_suggests_the_closest_name) {
  SafetensorsFile file(fixtures / "golden.safetensors");
  BOOST_TEST(!file.contains("f33"));
  for (int accessor = 0; accessor < 2; ++accessor) {
    try {
      if (accessor == 0)
        file.info("f33");
      else
        file.data("f33");
      BOOST_ERROR("found a tensor that is not there");
    } catch (const InputError& error) {
      const std::string message = error.what();
      BOOST_TEST(message.find("golden.safetensors: no tensor 'f33' (did you mean 'f32'?)") != std::string::npos,
                 message);
    }
  }
}

BOOST_AUTO_TEST_CASE(empty_data_area_is_allowed) {
  TempDir temp;
  const auto path = temp / "empty.safetensors";
  write_bytes(path, framed("{}"));
  {
    SafetensorsFile file(path);
    BOOST_TEST(file.names().empty());
    BOOST_CHECK_THROW(file.info("x"), InputError);
  }
  write_bytes(path, framed(R"({"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                           R"("s":{"dtype":"I8","shape":[3,0],"data_offsets":[0,0]},"__metadata__":{}})"));
  SafetensorsFile file(path);
  BOOST_TEST(file.names() == (std::vector<std::string>{"e", "s"}), boost::test_tools::per_element());
  BOOST_TEST(file.info("s").bytes() == 0u);
  BOOST_TEST(file.info("s").numel() == 0);
  BOOST_TEST(file.data("s") != nullptr);
}

BOOST_AUTO_TEST_CASE(writer_refuses_inconsistent_input) {
  TempDir temp;
  const std::string four(4, 'x');
  const auto path = temp / "out.safetensors";
  auto check_write_refused = [&](const std::vector<TensorToWrite>& tensors, const std::string& fragment) {
    try {
      write_safetensors(path, tensors);
      BOOST_ERROR("wrote " << fragment);
    } catch (const InputError& error) {
      BOOST_TEST(std::string(error.what()).find(fragment) != std::string::npos, error.what());
    }
    BOOST_TEST(fs::is_empty(temp.path));  // neither the file nor a temporary is left
  };
  check_write_refused({{"a", DType::F32, {1}, four.data()}, {"a", DType::F32, {1}, four.data()}},
                      "tensor 'a' is given twice");
  check_write_refused({{"__metadata__", DType::F32, {1}, four.data()}}, "'__metadata__'");
  check_write_refused({{"a", DType::F32, {-1}, four.data()}}, "tensor 'a' has shape [-1]");
  check_write_refused({{"a", DType::F32, {1}, nullptr}}, "tensor 'a' has shape [1] of F32 but no data");
  check_write_refused({{"a", DType::U8, {std::int64_t(1) << 40, std::int64_t(1) << 40}, four.data()}}, "overflows");
  check_write_refused({{"bad\xff", DType::F32, {1}, four.data()}}, "not valid UTF-8");
  BOOST_CHECK_THROW(write_safetensors(temp / "no" / "such" / "dir.safetensors", {}), StoreError);
}

BOOST_AUTO_TEST_SUITE_END()
