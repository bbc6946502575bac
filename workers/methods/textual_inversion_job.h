// textual_inversion_job.h — the parameters of `finetune.textual_inversion` (diffusers'
// textual_inversion.py; the method in textual_inversion.h): the shared ones with the script's
// defaults, then its own. Spec in textual_inversion_job_spec.cpp, runner in
// textual_inversion_job.cpp. No torch.
#pragma once
#include "workers/methods/finetune_params.h"

namespace tunegrid {

struct TextualInversionJobParams : FineTuneParams {
  TextualInversionJobParams();
  Param<std::string> placeholder_token{*this, "placeholder_token", "<hanok>",
                                       "the new token (must not be a token yet)"};
  Param<std::string> initializer_token{*this, "initializer_token", "house",
                                       "single token the new rows start from"};
  Param<int> num_vectors{*this, "num_vectors", 1, "embedding vectors of the concept", 1.0};
};

}  // namespace tunegrid
