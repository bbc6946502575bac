// hypernetwork_job.h — the parameters of `finetune.hypernetwork` (AUTOMATIC1111's
// hypernetwork training; the method in hypernetwork.h): the shared ones with its defaults,
// then its own, named as A1111's fields. Spec in hypernetwork_job_spec.cpp, runner in
// hypernetwork_job.cpp. No torch.
#pragma once
#include "workers/methods/finetune_params.h"

namespace tunegrid {

struct HypernetworkJobParams : FineTuneParams {
  HypernetworkJobParams();
  Param<std::string> hypernetwork_name{*this, "hypernetwork_name", "hanok",
                                       "name (file <name>.pt and the A1111 field)"};
  Param<std::vector<int>> enable_sizes{*this, "enable_sizes", {}, "context widths (empty: all of the UNet's)", 1.0};
  Param<std::vector<double>> layer_structure{*this, "layer_structure", {1.0, 2.0, 1.0}, "width factors, 1 ... 1",
                                             0.0};
  Param<std::string> activation_func{*this, "activation_func", "linear", "activation after hidden layers",
                                     std::nullopt, {"linear", "relu", "leakyrelu", "elu", "swish", "tanh", "sigmoid"}};
  Param<bool> add_layer_norm{*this, "add_layer_norm", false, "LayerNorm after each Linear"};
  Param<bool> use_dropout{*this, "use_dropout", false, "dropout 0.3 after hidden layers (A1111's structure)"};
  Param<bool> last_layer_dropout{*this, "last_layer_dropout", true,
                                 "with use_dropout: after the last hidden layer too"};
  Param<std::vector<double>> dropout_structure{*this, "dropout_structure", {},
                                               "dropout per layer_structure entry, 0 ... 0 (empty: from use_dropout)",
                                               0.0};
  Param<bool> activate_output{*this, "activate_output", false, "activation after the last Linear too"};
  Param<std::string> instance_text{*this, "instance_text", "hanok", "what {} in prompt templates becomes"};
};

}  // namespace tunegrid
