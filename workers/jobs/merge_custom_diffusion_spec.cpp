// merge_custom_diffusion_spec.cpp — the parameters of `merge.custom_diffusion` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in merge_custom_diffusion.cpp.
#include "workers/jobs/job_specs.h"

namespace tunegrid {

KindSpec merge_custom_diffusion_spec() {
  KindSpec spec;
  spec.name = "merge.custom_diffusion";
  spec.doc = "Custom Diffusion's closed-form merge of several single-concept results.";
  spec.outputs = "metrics `constraint_relative_error`, `regularization_rows`; the merged weights in its artifact folder";
  spec.params = {
      {"concepts", ParamType::string_list, Value(Value::List{}), "finetune.custom_diffusion stages to merge (>= 2)",
       std::nullopt, {}},
      {"regularization_data", ParamType::string, Value("builtin:scenes?count=200&seed=5"),
       "data whose captions give the regularization features", std::nullopt, {}},
      {"target_prompts", ParamType::string_list, Value(Value::List{Value("photo of a {}"), Value("a {}")}),
       "prompts whose features each concept must keep ({} is the concept)", std::nullopt, {}},
  };
  return spec;
}

}  // namespace tunegrid
