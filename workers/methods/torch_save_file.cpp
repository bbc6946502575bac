// torch_save_file.cpp — see torch_save_file.h.
#include "workers/methods/torch_save_file.h"

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>
#include <fmt/format.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/csrc/jit/serialization/pickler.h>

#include <map>

#include "core/atomic_file.h"
#include "core/errors.h"

namespace tunegrid {

void write_torch_save_file(const std::filesystem::path& file, const c10::IValue& value) {
  std::string pickle;
  torch::jit::Pickler pickler([&](const char* data, std::size_t size) { pickle.append(data, size); },
                              /*tensor_table=*/nullptr, /*type_renamer=*/nullptr, /*memoized_class_types=*/nullptr,
                              /*get_tensor_id=*/nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(value);
  pickler.stop();

  std::string archive;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, std::size_t size) {
      archive.append(static_cast<const char*>(data), size);
      return size;
    });
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    writer.writeRecord("byteorder", "little", 6);
    const auto& tensors = pickler.tensorData();
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      const auto data = torch::jit::getWriteableTensorData(tensors[i]);
      writer.writeRecord(fmt::format("data/{}", i), data.data(), data.sizeInBytes());
    }
    writer.writeEndOfFile();
  }
  write_file_atomically(file, archive);
}

at::Tensor tensor_of(const TorchSaveFile& file, const PickleValue& value, const std::string& what) {
  if (value.kind != PickleValue::Kind::tensor) throw InputError(fmt::format("{}: expected a tensor, found {}", what, value.describe()));
  static const std::map<std::string, at::ScalarType> kTypes = {
      {"float32", at::kFloat}, {"float64", at::kDouble}, {"float16", at::kHalf}, {"bfloat16", at::kBFloat16},
      {"int64", at::kLong},    {"int32", at::kInt},      {"int16", at::kShort}, {"int8", at::kChar},
      {"uint8", at::kByte},    {"bool", at::kBool}};
  const PickleTensor& tensor = *value.tensor;
  const std::string_view bytes = file.storage_bytes(tensor);
  const auto type = kTypes.at(tensor.dtype);
  return at::from_blob(const_cast<char*>(bytes.data()) + tensor.offset * tensor.element_size, tensor.shape, tensor.stride,
                       at::TensorOptions().dtype(type))
      .clone();
}

}  // namespace tunegrid
