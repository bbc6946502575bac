// safetensors.cpp — see safetensors.h. The reader maps the whole file read-only and checks
// everything a lying header could get wrong before handing out a pointer: header length
// against the file and the 100 MB limit, the JSON shape of every entry, dtype, shape ×
// dtype size against the declared byte range (with overflow checks), and that the ranges
// tile the data area exactly. The writer lays tensors out as the reference does — by
// descending dtype (its Dtype order, which puts larger elements first, so every tensor
// starts aligned to its element size), then by name — after a compact JSON header whose
// keys are in name order, padded with spaces to a multiple of 8 bytes.
#include "core/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <utility>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/text.h"

namespace tunegrid {

namespace {

using json = nlohmann::json;

constexpr std::uint64_t max_header_bytes = 100'000'000;  // as the reference implementation
constexpr const char* metadata_key = "__metadata__";

struct DTypeEntry {
  DType dtype;
  const char* name;
  std::size_t size;
  int rank;  // position in the reference's Dtype enum (BOOL, U8, I8, ..., I16, F16, BF16, I32, F32, F64, I64)
};

constexpr DTypeEntry dtype_table[] = {
    {DType::F64, "F64", 8, 12}, {DType::F32, "F32", 4, 11}, {DType::F16, "F16", 2, 7}, {DType::BF16, "BF16", 2, 8},
    {DType::I64, "I64", 8, 13}, {DType::I32, "I32", 4, 9},  {DType::I16, "I16", 2, 5}, {DType::I8, "I8", 1, 2},
    {DType::U8, "U8", 1, 1},    {DType::BOOL, "BOOL", 1, 0},
};

int dtype_rank(DType dtype) {
  for (const auto& entry : dtype_table)
    if (entry.dtype == dtype) return entry.rank;
  return -1;
}

std::string known_dtypes() {
  std::string out;
  for (const auto& entry : dtype_table) {
    if (!out.empty()) out += ", ";
    out += entry.name;
  }
  return out;
}

// Multiplies without wrapping; false on overflow.
bool checked_multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  out = a * b;
  return true;
}

template <typename Int>
std::string shape_text(const std::vector<Int>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// A JSON value as text for a message, cut short so that a hostile header cannot make a huge one.
std::string brief(const json& value) {
  std::string text = value.dump();
  if (text.size() > 80) {
    std::size_t cut = 72;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    text = text.substr(0, cut) + "...";
  }
  return text;
}

// "object", "array", "string", "number", ... for messages; integers are told apart by sign.
std::string json_kind(const json& value) {
  if (value.is_number_unsigned()) return fmt::format("the number {}", value.get<std::uint64_t>());
  if (value.is_number_integer()) return fmt::format("the negative number {}", value.get<std::int64_t>());
  if (value.is_number_float()) return fmt::format("the non-integer number {}", brief(value));
  return value.type_name();
}

// Parses the header, refusing duplicate keys at any level (the reference keeps the last one
// silently; a file that says two things about one tensor is not one we guess about).
json parse_header_json(const std::string& where, const char* begin, const char* end) {
  std::vector<std::set<std::string>> keys_per_object;
  std::string duplicate;
  auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        keys_per_object.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!keys_per_object.empty()) keys_per_object.pop_back();
        break;
      case json::parse_event_t::key:
        if (!keys_per_object.empty() && !keys_per_object.back().insert(parsed.get<std::string>()).second &&
            duplicate.empty())
          duplicate = parsed.get<std::string>();
        break;
      default:
        break;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(begin, end, callback);
  } catch (const json::exception& error) {
    throw InputError(fmt::format("{}: the safetensors header is not valid UTF-8 JSON: {}", where, error.what()));
  }
  if (!duplicate.empty())
    throw InputError(
        fmt::format("{}: the safetensors header has the key '{}' twice; expected each key once", where, duplicate));
  if (!header.is_object())
    throw InputError(
        fmt::format("{}: the safetensors header must be a JSON object, found {}", where, json_kind(header)));
  return header;
}

std::map<std::string, std::string> read_metadata(const std::string& where, const json& value) {
  std::map<std::string, std::string> metadata;
  if (value.is_null()) return metadata;  // the reference accepts "__metadata__": null
  if (!value.is_object())
    throw InputError(
        fmt::format("{}: '{}' must be an object of strings, found {}", where, metadata_key, json_kind(value)));
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string())
      throw InputError(fmt::format("{}: metadata '{}' must be a string, found {}", where, key, json_kind(item)));
    metadata.emplace(key, item.get<std::string>());
  }
  return metadata;
}

// One tensor entry: dtype, shape, data_offsets, and the byte count they must agree on.
TensorInfo read_tensor_entry(const std::string& where, const std::string& name, const json& entry,
                             std::uint64_t data_bytes) {
  if (!entry.is_object())
    throw InputError(fmt::format("{}: tensor '{}' must be an object with dtype, shape and data_offsets, found {}",
                                 where, name, json_kind(entry)));
  TensorInfo info;
  info.name = name;

  const auto dtype = entry.find("dtype");
  if (dtype == entry.end())
    throw InputError(fmt::format("{}: tensor '{}' has no 'dtype' (expected one of {})", where, name, known_dtypes()));
  if (!dtype->is_string() || !parse_dtype(dtype->get<std::string>(), info.dtype))
    throw InputError(
        fmt::format("{}: tensor '{}' has dtype {} but expected one of {}", where, name, brief(*dtype), known_dtypes()));

  const auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array())
    throw InputError(fmt::format("{}: tensor '{}' needs 'shape', an array of non-negative integers, found {}", where,
                                 name, shape == entry.end() ? std::string("nothing") : json_kind(*shape)));
  std::uint64_t elements = 1;
  bool overflow = false;
  for (const auto& dim : *shape) {
    if (!dim.is_number_unsigned())
      throw InputError(fmt::format("{}: tensor '{}' has shape {}; expected non-negative integer sizes, found {}", where,
                                   name, brief(*shape), json_kind(dim)));
    const auto size = dim.get<std::uint64_t>();
    if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw InputError(fmt::format("{}: tensor '{}' has shape {}; the size {} is larger than 2^63 - 1", where, name,
                                   brief(*shape), size));
    info.shape.push_back(static_cast<std::int64_t>(size));
    // Like the reference, an overflow anywhere in the running product is an error, even if a
    // later dimension is 0.
    if (!overflow && !checked_multiply(elements, size, elements)) overflow = true;
  }
  std::uint64_t needed = 0;
  if (overflow || !checked_multiply(elements, dtype_size(info.dtype), needed))
    throw InputError(fmt::format("{}: tensor '{}' has shape {} of {}, whose byte count overflows 64 bits", where, name,
                                 shape_text(info.shape), dtype_name(info.dtype)));

  const auto offsets = entry.find("data_offsets");
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned())
    throw InputError(
        fmt::format("{}: tensor '{}' needs 'data_offsets', two non-negative integers [begin, end], "
                    "found {}",
                    where, name, offsets == entry.end() ? std::string("nothing") : brief(*offsets)));
  const auto begin = (*offsets)[0].get<std::uint64_t>();
  const auto end = (*offsets)[1].get<std::uint64_t>();
  if (end < begin)
    throw InputError(
        fmt::format("{}: tensor '{}' has data_offsets [{}, {}]; expected begin <= end", where, name, begin, end));
  if (end > data_bytes)
    throw InputError(
        fmt::format("{}: tensor '{}' has data_offsets [{}, {}] but the data area has only {} bytes "
                    "(file truncated?)",
                    where, name, begin, end, data_bytes));
  if (end - begin != needed)
    throw InputError(fmt::format("{}: tensor '{}' has {} bytes but shape {} of {} needs {}", where, name, end - begin,
                                 shape_text(info.shape), dtype_name(info.dtype), needed));
  info.begin = static_cast<std::size_t>(begin);
  info.end = static_cast<std::size_t>(end);
  return info;
}

// The byte ranges, sorted by offset, must tile [0, data_bytes) with no gap and no overlap.
void check_coverage(const std::string& where, const std::map<std::string, TensorInfo>& tensors,
                    std::uint64_t data_bytes) {
  std::vector<const TensorInfo*> order;
  order.reserve(tensors.size());
  for (const auto& [name, info] : tensors) order.push_back(&info);
  std::stable_sort(order.begin(), order.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return std::make_pair(a->begin, a->end) < std::make_pair(b->begin, b->end);
  });
  std::uint64_t covered = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo* info : order) {
    if (info->begin < covered)
      throw InputError(
          fmt::format("{}: tensor '{}' at data_offsets [{}, {}] overlaps tensor '{}' at [{}, {}]; "
                      "expected each tensor to start where the previous one ends",
                      where, info->name, info->begin, info->end, previous->name, previous->begin, previous->end));
    if (info->begin > covered)
      throw InputError(
          previous ? fmt::format("{}: tensor '{}' starts at data offset {} but tensor '{}' ends at {}; the {} bytes "
                                 "between belong to no tensor",
                                 where, info->name, info->begin, previous->name, covered, info->begin - covered)
                   : fmt::format("{}: the first tensor '{}' starts at data offset {}; expected 0", where, info->name,
                                 info->begin));
    covered = info->end;
    previous = info;
  }
  if (covered != data_bytes)
    throw InputError(
        fmt::format("{}: the tensors cover {} bytes of data but the data area has {} bytes; expected "
                    "no trailing bytes",
                    where, covered, data_bytes));
}

// Closes a descriptor on every path out of the constructor.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::size_t dtype_size(DType dtype) {
  for (const auto& entry : dtype_table)
    if (entry.dtype == dtype) return entry.size;
  return 0;
}

const char* dtype_name(DType dtype) {
  for (const auto& entry : dtype_table)
    if (entry.dtype == dtype) return entry.name;
  return "?";
}

bool parse_dtype(const std::string& name, DType& out) {
  for (const auto& entry : dtype_table)
    if (name == entry.name) {
      out = entry.dtype;
      return true;
    }
  return false;
}

std::int64_t TensorInfo::numel() const {
  std::uint64_t product = 1;
  for (const auto size : shape) product *= static_cast<std::uint64_t>(size);  // validated when read
  return static_cast<std::int64_t>(product);
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path) {
  const std::string where = path.string();
  FileDescriptor file;
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd < 0) throw InputError(fmt::format("{}: cannot open safetensors file: {}", where, std::strerror(errno)));
  struct stat status {};
  if (::fstat(file.fd, &status) != 0)
    throw InputError(fmt::format("{}: cannot stat safetensors file: {}", where, std::strerror(errno)));
  if (!S_ISREG(status.st_mode)) throw InputError(fmt::format("{}: expected a regular safetensors file", where));
  const auto file_bytes = static_cast<std::uint64_t>(status.st_size);
  if (file_bytes < 8)
    throw InputError(
        fmt::format("{}: file has {} bytes but a safetensors file starts with an 8-byte header length "
                    "(truncated?)",
                    where, file_bytes));
  void* mapped = ::mmap(nullptr, static_cast<std::size_t>(file_bytes), PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (mapped == MAP_FAILED)
    throw InputError(fmt::format("{}: cannot map safetensors file: {}", where, std::strerror(errno)));
  mapping_ = static_cast<const std::uint8_t*>(mapped);
  mapping_size_ = static_cast<std::size_t>(file_bytes);

  try {
    std::uint64_t header_bytes = 0;
    for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | mapping_[i];
    if (header_bytes > max_header_bytes)
      throw InputError(
          fmt::format("{}: header length {} exceeds the limit of {} bytes", where, header_bytes, max_header_bytes));
    if (header_bytes > file_bytes - 8)
      throw InputError(
          fmt::format("{}: header length {} but only {} bytes follow the 8-byte length "
                      "(file of {} bytes truncated?)",
                      where, header_bytes, file_bytes - 8, file_bytes));
    data_start_ = static_cast<std::size_t>(8 + header_bytes);
    const std::uint64_t data_bytes = file_bytes - data_start_;
    const char* text = reinterpret_cast<const char*>(mapping_ + 8);
    const json header = parse_header_json(where, text, text + header_bytes);
    for (const auto& [key, value] : header.items()) {
      if (key == metadata_key)
        metadata_ = read_metadata(where, value);
      else
        tensors_.emplace(key, read_tensor_entry(where, key, value, data_bytes));
    }
    check_coverage(where, tensors_, data_bytes);
  } catch (...) {
    ::munmap(const_cast<std::uint8_t*>(mapping_), mapping_size_);
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_) ::munmap(const_cast<std::uint8_t*>(mapping_), mapping_size_);
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& entry : tensors_) out.push_back(entry.first);
  return out;
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  const auto found = tensors_.find(name);
  if (found == tensors_.end()) {
    if (tensors_.empty())
      throw InputError(fmt::format("{}: no tensor '{}' (the file holds no tensors)", path_.string(), name));
    throw InputError(fmt::format("{}: no tensor '{}'{} ({} tensors in the file)", path_.string(), name,
                                 did_you_mean(name, names()), tensors_.size()));
  }
  return found->second;
}

const std::uint8_t* SafetensorsFile::data(const std::string& name) const {
  return mapping_ + data_start_ + info(name).begin;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  const std::string where = path.string();
  std::vector<const TensorToWrite*> order;
  order.reserve(tensors.size());
  for (const auto& tensor : tensors) order.push_back(&tensor);
  std::stable_sort(order.begin(), order.end(),
                   [](const TensorToWrite* a, const TensorToWrite* b) { return a->name < b->name; });

  // JSON strings as serde_json writes them (control characters escaped, UTF-8 kept).
  auto quoted = [&](const std::string& text, const char* what) {
    try {
      return json(text).dump();
    } catch (const json::exception&) {
      throw InputError(fmt::format("{}: {} is not valid UTF-8", where, what));
    }
  };

  std::string header = "{";
  if (!metadata.empty()) {
    header += fmt::format("\"{}\":{{", metadata_key);
    bool first = true;
    for (const auto& [key, value] : metadata) {
      if (!first) header += ',';
      first = false;
      header += quoted(key, "a metadata key");
      header += ':';
      header += quoted(value, fmt::format("metadata '{}'", key).c_str());
    }
    header += '}';
  }
  // Check every tensor and size it, in name order (duplicates are neighbours).
  std::vector<std::uint64_t> sizes;  // per `order` entry
  sizes.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const TensorToWrite& tensor = *order[i];
    if (tensor.name == metadata_key)
      throw InputError(fmt::format("{}: a tensor may not be named '{}' (reserved for metadata)", where, metadata_key));
    if (i > 0 && order[i - 1]->name == tensor.name)
      throw InputError(fmt::format("{}: tensor '{}' is given twice; expected unique names", where, tensor.name));
    std::uint64_t bytes = dtype_size(tensor.dtype);
    if (bytes == 0) throw InputError(fmt::format("{}: tensor '{}' has an unknown dtype", where, tensor.name));
    for (const auto size : tensor.shape) {
      if (size < 0)
        throw InputError(fmt::format("{}: tensor '{}' has shape {}; expected non-negative sizes", where, tensor.name,
                                     shape_text(tensor.shape)));
      if (!checked_multiply(bytes, static_cast<std::uint64_t>(size), bytes))
        throw InputError(fmt::format("{}: tensor '{}' has shape {} of {}, whose byte count overflows 64 bits", where,
                                     tensor.name, shape_text(tensor.shape), dtype_name(tensor.dtype)));
    }
    if (bytes > 0 && tensor.data == nullptr)
      throw InputError(fmt::format("{}: tensor '{}' has shape {} of {} but no data", where, tensor.name,
                                   shape_text(tensor.shape), dtype_name(tensor.dtype)));
    sizes.push_back(bytes);
  }

  // The data area in the reference's order: descending dtype, then name. Larger elements
  // come first, so every offset is a multiple of its tensor's element size.
  std::vector<std::size_t> layout(order.size());  // indices into `order`
  for (std::size_t i = 0; i < layout.size(); ++i) layout[i] = i;
  std::stable_sort(layout.begin(), layout.end(), [&](std::size_t a, std::size_t b) {
    return dtype_rank(order[a]->dtype) > dtype_rank(order[b]->dtype);  // stable: name order within a dtype
  });
  std::vector<std::uint64_t> begins(order.size());
  std::uint64_t offset = 0;
  for (const std::size_t i : layout) {
    if (offset + sizes[i] < offset) throw InputError(fmt::format("{}: the tensors' total size overflows 64 bits", where));
    begins[i] = offset;
    offset += sizes[i];
  }

  // Header entries in name order.
  for (std::size_t i = 0; i < order.size(); ++i) {
    const TensorToWrite& tensor = *order[i];
    if (header.size() > 1) header += ',';
    header += quoted(tensor.name, "a tensor name");
    header += fmt::format(":{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}", dtype_name(tensor.dtype),
                          fmt::join(tensor.shape, ","), begins[i], begins[i] + sizes[i]);
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');
  if (header.size() > max_header_bytes)
    throw InputError(fmt::format("{}: the header would be {} bytes, above the {}-byte limit readers accept", where,
                                 header.size(), max_header_bytes));

  const auto temporary = temporary_beside(path);
  std::FILE* out = std::fopen(temporary.c_str(), "wb");
  if (!out) throw StoreError(fmt::format("{}: cannot create {}: {}", where, temporary.string(), std::strerror(errno)));
  unsigned char length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(header.size()) >> (8 * i));
  bool ok = std::fwrite(length, 1, 8, out) == 8 && std::fwrite(header.data(), 1, header.size(), out) == header.size();
  for (std::size_t k = 0; ok && k < layout.size(); ++k) {
    const std::size_t i = layout[k];
    if (sizes[i] > 0) ok = std::fwrite(order[i]->data, 1, sizes[i], out) == sizes[i];
  }
  const int saved = errno;
  if (std::fclose(out) != 0) ok = false;
  if (!ok) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw StoreError(fmt::format("{}: cannot write {}: {}", where, temporary.string(), std::strerror(saved)));
  }
  publish_file(temporary, path);
}

}  // namespace tunegrid
