// lora_target_names.cpp — see lora_target_names.h.
#include "workers/methods/lora_target_names.h"

namespace tunegrid {

const std::vector<std::string>& lora_target_names() {
  static const std::vector<std::string> names = {"to_q", "to_k", "to_v", "to_out.0"};
  return names;
}

const std::vector<std::string>& lora_text_encoder_target_names() {
  static const std::vector<std::string> names = {"q_proj", "k_proj", "v_proj", "out_proj"};
  return names;
}

}  // namespace tunegrid
