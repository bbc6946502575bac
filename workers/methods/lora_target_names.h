// lora_target_names.h — the projections LoRA can adapt, as peft names them: the UNet
// attention's (to_q, to_k, to_v, to_out.0) and the text encoder's CLIPAttention's (q_proj,
// k_proj, v_proj, out_proj). No torch: the finetune.lora kind's parameters list them.
#pragma once
#include <string>
#include <vector>

namespace tunegrid {

const std::vector<std::string>& lora_target_names();
const std::vector<std::string>& lora_text_encoder_target_names();

}  // namespace tunegrid
