// torch_save_file.h — writing and reading the files Python's torch.save makes (a zip
// container: <archive>/data.pkl, a protocol-2 pickle whose tensors point at
// <archive>/data/<key> storages; <archive>/version, <archive>/byteorder), for the formats
// that are still .pt pickles: AUTOMATIC1111 embeddings and hypernetworks. Dicts, lists,
// strings, ints, floats, None and CPU tensors are written as plain Python objects — no
// TorchScript type tags (libtorch's pickle_save adds torch.jit._pickle.restore_type_tag,
// which torch.load(weights_only=True) and AUTOMATIC1111's restricted unpickler refuse).
// Reading uses libtorch's unpickler, which reads such files (tunegrid's own) but not every
// file Python writes: libtorch 1.13 lacks the SETITEM opcode Python uses for one-item dicts.
#pragma once
#include <filesystem>

#include <ATen/core/ivalue.h>

namespace tunegrid {

void write_torch_save_file(const std::filesystem::path& file, const c10::IValue& value);

// Throws InputError naming the file when it cannot be read or unpickled.
c10::IValue read_torch_save_file(const std::filesystem::path& file);

}  // namespace tunegrid
