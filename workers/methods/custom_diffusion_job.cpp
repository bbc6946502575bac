// custom_diffusion_job.cpp — the `finetune.custom_diffusion` job kind: its parameters
// (custom_diffusion_job.h) into a CustomDiffusion (custom_diffusion.h), regularization images
// and rescale augmentation for the shared fine-tuning job (finetune_job.h); with
// concepts_data, the paper's joint training on several concepts (diffusers' concepts_list):
// one entry per concept in concepts_data / concepts_instance_text / concepts_class_prompt,
// each image captioned with its own concept's text and each concept with its own
// regularization images.
#include <fmt/format.h>

#include "core/errors.h"
#include "workers/methods/custom_diffusion.h"
#include "workers/methods/custom_diffusion_job.h"
#include "workers/methods/finetune_job.h"

namespace tunegrid {

namespace {

struct ConceptLists {
  std::vector<std::string> data, texts, class_prompts;
};

ConceptLists concept_lists_of(const CustomDiffusionJobParams& params, const Job& job, bool with_prior) {
  ConceptLists lists{params.concepts_data.of(job), params.concepts_instance_text.of(job),
                     params.concepts_class_prompt.of(job)};
  const std::string what = fmt::format("{} job {}", job.kind, job.id);
  if (lists.data.size() < 2)
    throw InputError(fmt::format("{}: {} names {} concept; joint training needs at least two (or leave it empty and "
                                 "use data)",
                                 what, params.concepts_data.name(), lists.data.size()));
  if (lists.texts.size() != lists.data.size() || (with_prior && lists.class_prompts.size() != lists.data.size()))
    throw InputError(fmt::format("{}: {} has {} entries but {} {} and {} {}; give one of each per concept{}", what,
                                 params.concepts_data.name(), lists.data.size(), params.concepts_instance_text.name(),
                                 lists.texts.size(), params.concepts_class_prompt.name(), lists.class_prompts.size(),
                                 with_prior ? "" : " (class prompts only with prior preservation)"));
  return lists;
}

// Every concept's images, captioned with its text, and (with `prior`) its regularization images.
TrainingSets joint_training_sets(const TrainingSetSources& sources, const ConceptLists& lists,
                                 const std::optional<PriorPreservation>& prior) {
  TrainingSets sets;
  for (std::size_t k = 0; k < lists.data.size(); ++k) {
    TrainingSetOptions options = sources.settings.data;
    options.data = lists.data[k];
    const std::string concept_what = fmt::format("{} concept {} ('{}')", sources.what, k + 1, lists.texts[k]);
    TrainingSet concept_set = sources.base.training_set(options, concept_what);
    concept_set.concept_texts.assign(static_cast<std::size_t>(concept_set.size()), lists.texts[k]);
    append_training_set(sets.instances, concept_set);
    if (!prior) continue;
    if (!sets.prior) sets.prior = TrainingSet();
    append_training_set(*sets.prior,
                        class_training_set(sources, *prior, lists.class_prompts[k], sets.instances.images.height,
                                           fmt::format("class_images_{}.safetensors", k + 1)));
  }
  return sets;
}

}  // namespace

JobKind finetune_custom_diffusion_kind() {
  auto params = std::make_shared<const CustomDiffusionJobParams>();
  return finetune_kind(finetune_custom_diffusion_spec(), params, [params](const Job& job, const FineTuneSettings&) {
    CustomDiffusionConfig config;
    config.modifier_token = params->modifier_token.of(job);
    config.initializer_token = params->initializer_token.of(job);
    config.concept_text = params->instance_text.of(job);
    config.freeze_model = params->freeze_model.of(job);
    MethodJob method_job;
    method_job.prior = params->prior.of(job);
    method_job.rescale_augmentation = params->augment.of(job);
    if (!params->concepts_data.of(job).empty()) {
      const ConceptLists lists = concept_lists_of(*params, job, method_job.prior.has_value());
      config.concept_texts = lists.texts;
      method_job.training_sets = [lists, prior = method_job.prior](const TrainingSetSources& sources) {
        return joint_training_sets(sources, lists, prior);
      };
    }
    method_job.method = std::make_unique<CustomDiffusion>(config);
    return method_job;
  });
}

}  // namespace tunegrid
