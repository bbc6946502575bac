// torch_save_file.h — writing and reading the files Python's torch.save makes (a zip
// container: <archive>/data.pkl, a protocol-2 pickle whose tensors point at
// <archive>/data/<key> storages; <archive>/version, <archive>/byteorder), for the formats
// that are still .pt pickles: AUTOMATIC1111 embeddings and hypernetworks. Dicts, lists,
// strings, ints, floats, None and CPU tensors are written as plain Python objects — no
// TorchScript type tags (libtorch's pickle_save adds torch.jit._pickle.restore_type_tag,
// which torch.load(weights_only=True) and AUTOMATIC1111's restricted unpickler refuse).
// Reading is core/torch_pickle.h's (tunegrid's own files and those Python writes alike);
// tensor_of turns a tensor it describes into an at::Tensor.
#pragma once
#include <filesystem>
#include <string>

#include <ATen/core/ivalue.h>

#include "core/torch_pickle.h"

namespace tunegrid {

void write_torch_save_file(const std::filesystem::path& file, const c10::IValue& value);

// A copy of the tensor `value` describes; InputError naming `what` when it is no tensor.
at::Tensor tensor_of(const TorchSaveFile& file, const PickleValue& value, const std::string& what);

}  // namespace tunegrid
