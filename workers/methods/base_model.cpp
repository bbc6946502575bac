// base_model.cpp — see base_model.h.
#include "workers/methods/base_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <utility>

#include "workers/models/model_config.h"

namespace tunegrid {

namespace {

using FamilyLoader = std::unique_ptr<BaseModel> (*)(const std::filesystem::path&);

// (pipeline class, loader) of every family, in list order.
const std::vector<std::pair<std::string, FamilyLoader>>& families() {
#define TUNEGRID_FAMILY_ENTRY(name, pipeline) {pipeline, load_##name##_base},
  static const std::vector<std::pair<std::string, FamilyLoader>> all = {TUNEGRID_MODEL_FAMILIES(TUNEGRID_FAMILY_ENTRY)};
#undef TUNEGRID_FAMILY_ENTRY
  return all;
}

}  // namespace

std::unique_ptr<BaseModel> load_base_model(const std::filesystem::path& dir) {
  const JsonConfig index = open_model_index(dir);
  const std::string pipeline = index.get_string("_class_name", families().front().first);
  std::vector<std::string> known;
  for (const auto& [family_pipeline, load] : families()) {
    if (family_pipeline == pipeline) return load(dir);
    known.push_back(family_pipeline);
  }
  index.fail("_class_name", fmt::format("'{}'; tunegrid fine-tunes {} folders", pipeline, fmt::join(known, ", ")));
}

}  // namespace tunegrid
