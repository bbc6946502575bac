// weights.h — moving a libtorch module's parameters to and from safetensors files, keyed
// exactly as diffusers / transformers name them (docs/design.md "Weights keyed exactly as...").
// Loading is strict (stable-diffusion.cpp, CTranslate2): a missing key or a shape mismatch
// is an InputError naming the file, the key, the shape found and the shape expected;
// unexpected keys are returned for the caller to report. Sharded checkpoints
// (`<name>.safetensors.index.json` with a weight_map) load like single files.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

namespace tunegrid {

class SafetensorsFile;

// The tensors of one checkpoint, possibly spread over shards.
class WeightSource {
 public:
  // `file` is a .safetensors file or a .safetensors.index.json; throws InputError if absent.
  explicit WeightSource(const std::filesystem::path& file);
  ~WeightSource();
  // DIR/<stem>.safetensors, else DIR/<stem>.safetensors.index.json; InputError naming both.
  static std::filesystem::path find_in(const std::filesystem::path& dir, const std::string& stem);

  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  std::vector<std::int64_t> shape(const std::string& name) const;
  // A CPU tensor of the stored dtype, copied out of the file.
  at::Tensor tensor(const std::string& name) const;
  std::string describe() const;  // the file (or index) for messages

 private:
  std::filesystem::path path_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsFile*> owner_;
};

struct LoadReport {
  std::size_t loaded = 0;
  std::vector<std::string> unexpected;  // keys in the file that the module does not have
};

// Renames a checkpoint key into the module's naming (legacy layouts); identity when empty.
using KeyRename = std::function<std::string(const std::string&)>;

// Copies every parameter and persistent buffer of `module` from `source` (keys prefixed by
// `prefix`, e.g. "text_model." or "" ), converting dtypes; strict as described above.
LoadReport load_weights(torch::nn::Module& module, const WeightSource& source, const std::string& prefix = "",
                        const KeyRename& rename = {});

// What every model loader does: load `module` strictly from DIR/<stem>.safetensors (or its
// sharded index) and log the unexpected keys (except position_ids buffers, which newer
// transformers no longer keep).
void load_module_weights(torch::nn::Module& module, const std::filesystem::path& dir, const std::string& stem,
                         const KeyRename& rename = {});

// Writes every parameter and buffer of `module` (prefixed) as float32 safetensors.
// Writes named tensors (floating point as float32, integers and bools as they are) to a
// safetensors file, atomically.
void save_tensors(const std::filesystem::path& file, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                  const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Every tensor of a safetensors file, by name (CPU copies), and its metadata.
std::map<std::string, at::Tensor> load_tensors(const std::filesystem::path& file,
                                               std::map<std::string, std::string>* metadata = nullptr);

void save_weights(const torch::nn::Module& module, const std::filesystem::path& file, const std::string& prefix = "",
                  const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace tunegrid
