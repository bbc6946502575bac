// dreambooth_job.h — the parameters of `finetune.dreambooth` (diffusers' train_dreambooth.py;
// the method in dreambooth.h): the shared ones with the script's defaults, then its own and
// prior preservation's. Spec in dreambooth_job_spec.cpp, runner in dreambooth_job.cpp. No torch.
#pragma once
#include "workers/methods/finetune_params.h"

namespace tunegrid {

struct DreamBoothJobParams : FineTuneParams {
  DreamBoothJobParams();
  Param<std::string> instance_text{*this, "instance_text", "sks house",
                                   "the subject in prompts (identifier + class)"};
  Param<bool> train_text_encoder{*this, "train_text_encoder", false, "also train the text encoder"};
  PriorPreservationParams prior{*this, "class images", false, "a photo of a house", 100};
};

}  // namespace tunegrid
