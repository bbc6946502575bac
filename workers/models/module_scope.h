// module_scope.h — a child module that only names its own children, for the torch.nn.ModuleList
// entries and container names that checkpoint keys pass through without parameters of their
// own ("to_out.0", "ff.net.2", "encoder.block", "layer.1").
#pragma once
#include <memory>
#include <string>

#include <torch/nn/module.h>

namespace tunegrid {

inline std::shared_ptr<torch::nn::Module> name_scope(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

}  // namespace tunegrid
