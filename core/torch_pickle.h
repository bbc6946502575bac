// torch_pickle.h — reading what Python's torch.save writes, without Python and without
// libtorch's unpickler (which lacks opcodes Python uses, such as SETITEM): the zip container
// (zip_archive.h: <archive>/data.pkl and the tensors' storages <archive>/data/<key>) and the
// pickle in it (protocols 2 to 5), into a tree of PickleValue.
//
// Like torch.load(weights_only=True), only data is understood: None, booleans, integers,
// floats, strings, bytes, lists, tuples, dicts (collections.OrderedDict too) and tensors
// (torch._utils._rebuild_tensor_v2 and _rebuild_parameter over a persistent-id storage such as
// ('storage', torch.FloatStorage, '0', 'cpu', 64)). Any other global — a class the file would
// import and run — is refused with its name. The legacy format of PyTorch < 1.6 (a bare pickle
// stream, no zip) is refused with a message saying so.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/zip_archive.h"

namespace tunegrid {

// A tensor as the pickle describes it: its storage and the view on it.
struct PickleTensor {
  std::string dtype;          // "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"
  std::size_t element_size = 0;
  std::string storage_key;    // the member <archive>/data/<key>
  std::int64_t offset = 0;    // in elements
  std::vector<std::int64_t> shape, stride;
};

struct PickleValue {
  enum class Kind { none, boolean, integer, real, text, bytes, list, tuple, dict, tensor, global, storage };
  Kind kind = Kind::none;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;  // text, bytes; global: "module.name"; storage: its key
  std::vector<PickleValue> items;                             // list, tuple
  std::vector<std::pair<PickleValue, PickleValue>> entries;   // dict, in insertion order
  std::shared_ptr<PickleTensor> tensor;                       // tensor; storage: dtype and element size

  // A dict's value for a string key, or nullptr.
  const PickleValue* find(const std::string& key) const;
  // "a dict", "a tensor", ... for messages.
  std::string describe() const;
};

struct TorchSaveFile {
  std::unique_ptr<ZipArchive> archive;
  std::string prefix;  // "<archive>/" of the members
  PickleValue root;
  // The bytes of a tensor's storage; InputError naming the file when missing or too short.
  std::string_view storage_bytes(const PickleTensor& tensor) const;
};

// InputError naming the file for anything unreadable or not plain data.
TorchSaveFile read_torch_save(const std::filesystem::path& file);

// The pickle alone (tests); `name` names it in messages.
PickleValue unpickle(std::string_view pickle, const std::string& name);

}  // namespace tunegrid
