// safetensors.h — reading and writing the safetensors format (huggingface/safetensors):
// 8 bytes little-endian header length N, N bytes of JSON header
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//  "__metadata__": {"key": "value"}}, then the data area. Reading memory-maps the file and
// validates strictly, as the reference implementation does: the header length is bounded
// by the file size, offsets lie inside the data area, tensors cover it contiguously
// without overlap, and every byte count equals shape × dtype size. A truncated or lying
// file is an InputError naming the file (and the tensor), never a crash or a huge
// allocation. Writing produces files the reference reader accepts (header padded with
// spaces to a multiple of 8; the data area ordered as the Python library orders it, by dtype
// then name, so every tensor is aligned to its element size), atomically (atomic_file.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tunegrid {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

std::size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);  // "F32", ...
bool parse_dtype(const std::string& name, DType& out);

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::size_t begin = 0, end = 0;  // byte offsets inside the data area

  std::int64_t numel() const;
  std::size_t bytes() const { return end - begin; }
};

class SafetensorsFile {
 public:
  // Maps and validates `path`; throws InputError naming the file (and tensor) on any problem.
  explicit SafetensorsFile(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  // Throws InputError naming the file and the missing tensor (with a did-you-mean).
  const TensorInfo& info(const std::string& name) const;
  // The tensor's bytes inside the mapping (valid while this object lives).
  const std::uint8_t* data(const std::string& name) const;

 private:
  std::filesystem::path path_;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
  const std::uint8_t* mapping_ = nullptr;
  std::size_t mapping_size_ = 0;
  std::size_t data_start_ = 0;  // 8 + header length
};

struct TensorToWrite {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  const void* data = nullptr;  // shape × dtype size bytes, little-endian
};

// Writes a safetensors file atomically; throws InputError on inconsistent input (duplicate
// names, a "__metadata__" tensor) and StoreError when the file cannot be written.
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace tunegrid
