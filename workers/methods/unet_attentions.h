// unet_attentions.h — every attention block (diffusers' Attention: attn1 and attn2 of each
// transformer block) of a UNet by its module path, "down_blocks.0.attentions.0.
// transformer_blocks.0.attn2", in path order: where LoRA adapters and hypernetwork hooks go.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "workers/models/unet_2d_condition.h"

namespace tunegrid {

struct AttentionImpl;  // workers/models/transformer_2d.h

std::map<std::string, std::shared_ptr<AttentionImpl>> unet_attentions(UNet2DConditionModel& unet);

}  // namespace tunegrid
