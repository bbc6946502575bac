// unet_attentions.cpp — see unet_attentions.h.
#include "workers/methods/unet_attentions.h"

#include "workers/models/transformer_2d.h"

namespace tunegrid {

std::map<std::string, std::shared_ptr<AttentionImpl>> unet_attentions(UNet2DConditionModel& unet) {
  std::map<std::string, std::shared_ptr<AttentionImpl>> out;
  for (const auto& item : unet->named_modules("", false))
    if (auto attention = std::dynamic_pointer_cast<AttentionImpl>(item.value())) out.emplace(item.key(), attention);
  return out;
}

}  // namespace tunegrid
