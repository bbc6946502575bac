// zip_archive.cpp — see zip_archive.h.
#include "core/zip_archive.h"

#include <fmt/format.h>

#include <cstdint>

#include "core/errors.h"
#include "core/input_file.h"

namespace tunegrid {

namespace {

constexpr std::uint32_t kEndOfDirectory = 0x06054b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::uint32_t kZip64End = 0x06064b50;
constexpr std::uint32_t kDirectoryEntry = 0x02014b50;
constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint16_t kZip64Extra = 0x0001;

// Little-endian fields read with bounds checks.
class Reader {
 public:
  Reader(std::string_view bytes, const ZipArchive& owner) : bytes_(bytes), owner_(owner) {}
  std::uint64_t read(std::size_t at, int size) const {
    if (at > bytes_.size() || bytes_.size() - at < static_cast<std::size_t>(size))
      throw InputError(fmt::format("{}: zip record at byte {} runs past the end (truncated?)", owner_.name(), at));
    std::uint64_t value = 0;
    for (int i = size - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes_[at + i]);
    return value;
  }
  std::uint16_t u16(std::size_t at) const { return static_cast<std::uint16_t>(read(at, 2)); }
  std::uint32_t u32(std::size_t at) const { return static_cast<std::uint32_t>(read(at, 4)); }
  std::uint64_t u64(std::size_t at) const { return read(at, 8); }

 private:
  std::string_view bytes_;
  const ZipArchive& owner_;
};

}  // namespace

ZipArchive::ZipArchive(const std::filesystem::path& file)
    : bytes_(read_input_file(file, "zip archive", std::size_t{1} << 40)), name_(file.string()) {
  read_directory();
}

ZipArchive::ZipArchive(std::string bytes, std::string name) : bytes_(std::move(bytes)), name_(std::move(name)) {
  read_directory();
}

void ZipArchive::fail(const std::string& what) const { throw InputError(fmt::format("{}: {}", name_, what)); }

std::string_view ZipArchive::member(const std::string& name) const {
  const auto it = members_.find(name);
  if (it == members_.end()) fail(fmt::format("the archive has no member '{}'", name));
  return it->second;
}

void ZipArchive::read_directory() {
  const Reader in(bytes_, *this);
  if (bytes_.size() < 22) fail("not a zip archive (too short)");
  // The end-of-directory record: the last one within the final 64 KiB + 22 bytes.
  std::size_t end = std::string::npos;
  const std::size_t lowest = bytes_.size() > 65557 ? bytes_.size() - 65557 : 0;
  for (std::size_t at = bytes_.size() - 22 + 1; at-- > lowest;)
    if (in.u32(at) == kEndOfDirectory) {
      end = at;
      break;
    }
  if (end == std::string::npos) fail("not a zip archive (no end-of-directory record)");
  std::uint64_t entries = in.u16(end + 10), offset = in.u32(end + 16);
  if ((entries == 0xFFFF || offset == 0xFFFFFFFF) && end >= 20 && in.u32(end - 20) == kZip64Locator) {
    const std::uint64_t record = in.u64(end - 20 + 8);
    if (in.u32(record) != kZip64End) fail("zip64 end-of-directory record is missing");
    entries = in.u64(record + 32);
    offset = in.u64(record + 48);
  }
  std::size_t at = offset;
  for (std::uint64_t i = 0; i < entries; ++i) {
    if (in.u32(at) != kDirectoryEntry) fail(fmt::format("central directory entry {} is damaged", i));
    const std::uint16_t flags = in.u16(at + 8), method = in.u16(at + 10);
    std::uint64_t size = in.u32(at + 20), local = in.u32(at + 42);
    const std::size_t name_length = in.u16(at + 28), extra_length = in.u16(at + 30), comment_length = in.u16(at + 32);
    if (at + 46 + name_length > bytes_.size()) fail("central directory runs past the end (truncated?)");
    const std::string name = bytes_.substr(at + 46, name_length);
    for (std::size_t extra = at + 46 + name_length; extra + 4 <= at + 46 + name_length + extra_length;) {
      const std::uint16_t id = in.u16(extra), length = in.u16(extra + 2);
      if (id == kZip64Extra) {  // only the fields whose 32-bit value overflowed, in this order
        std::size_t field = extra + 4;
        if (in.u32(at + 24) == 0xFFFFFFFF) field += 8;  // uncompressed size
        if (size == 0xFFFFFFFF) size = in.u64(field), field += 8;
        if (local == 0xFFFFFFFF) local = in.u64(field);
      }
      extra += 4 + length;
    }
    if (flags & 1) fail(fmt::format("member '{}' is encrypted", name));
    if (method != 0) fail(fmt::format("member '{}' is compressed (method {}); torch.save stores members as they are", name, method));
    if (in.u32(local) != kLocalHeader) fail(fmt::format("member '{}': local header is damaged", name));
    const std::size_t data = local + 30 + in.u16(local + 26) + in.u16(local + 28);
    if (data > bytes_.size() || bytes_.size() - data < size) fail(fmt::format("member '{}' runs past the end (truncated?)", name));
    names_.push_back(name);
    members_[name] = std::string_view(bytes_).substr(data, size);
    at += 46 + name_length + extra_length + comment_length;
  }
}

}  // namespace tunegrid
