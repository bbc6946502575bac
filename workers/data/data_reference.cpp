// data_reference.cpp — see data_reference.h: parses builtin:scenes?... and builtin:aerial?...
// queries strictly (every parameter known, every value checked) and draws the items.
#include "workers/data/data_reference.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/errors.h"
#include "core/reference_query.h"
#include "core/text.h"
#include "workers/data/aerial_conditions.h"
#include "workers/data/aerial_world.h"
#include "workers/data/image_folder.h"
#include "workers/data/rng.h"
#include "workers/data/scene_world.h"

namespace tunegrid {

namespace {

constexpr const char* kBuiltin = "builtin:";
const std::vector<std::string> kWorlds{"scenes", "aerial"};
const std::vector<std::string> kSceneParameters{"style", "disaster", "terrain", "time", "exclude_style",
                                                "balance", "count", "seed", "size"};
const std::vector<std::string> kAerialParameters{"class", "count", "seed", "size", "clouds", "noise", "mix"};

struct Common {
  int count, size;
  std::uint64_t seed;
};

Common common(const ReferenceQuery& query, int size) {
  Common c;
  c.count = static_cast<int>(query.integer("count", 100, 1, 10'000'000, "a positive integer"));
  c.seed = static_cast<std::uint64_t>(query.integer("seed", 0, 0, INT64_MAX, "a non-negative integer"));
  c.size = static_cast<int>(query.integer("size", size, 16, 512, "an integer image size in [16, 512]"));
  return c;
}

DataSet load_scenes(const std::string& reference, const std::string& query_text, int size) {
  const ReferenceQuery query(fmt::format("data reference '{}'", reference), query_text, kSceneParameters);
  const Common c = common(query, size);
  const int style_count = static_cast<int>(scene_style_names().size());
  auto styles = query.selection("style", style_count, [](const std::string& n, const std::string& w) {
    return static_cast<int>(parse_scene_style(n, w));
  });
  const auto excluded = query.selection("exclude_style", 0, [](const std::string& n, const std::string& w) {
    return static_cast<int>(parse_scene_style(n, w));
  });
  styles.erase(std::remove_if(styles.begin(), styles.end(),
                              [&](int s) { return std::find(excluded.begin(), excluded.end(), s) != excluded.end(); }),
               styles.end());
  if (styles.empty())
    throw InputError(fmt::format("{}: every style is excluded; expected at least one style left", query.what("exclude_style")));
  const auto disasters = query.selection("disaster", static_cast<int>(scene_disaster_names().size()),
                                         [](const std::string& n, const std::string& w) { return static_cast<int>(parse_scene_disaster(n, w)); });
  const auto terrains = query.selection("terrain", static_cast<int>(scene_terrain_names().size()),
                                        [](const std::string& n, const std::string& w) { return static_cast<int>(parse_scene_terrain(n, w)); });
  const auto times = query.selection("time", static_cast<int>(scene_time_names().size()),
                                     [](const std::string& n, const std::string& w) { return static_cast<int>(parse_scene_time(n, w)); });
  const bool balance = query.integer("balance", 0, 0, 1, "0 or 1") == 1;
  DataSet set;
  set.reference = reference;
  for (int i = 0; i < c.count; ++i) {
    // balance=1: item i shows style i mod n, drawn as shot i / n of that style alone, so the
    // shots of a style are the same whichever other styles are selected.
    const int n = static_cast<int>(styles.size());
    Rng rng = balance ? Rng(mix_seed(mix_seed(mix_seed(c.seed, 0xba1a5ceULL), static_cast<std::uint64_t>(styles[i % n])),
                                     static_cast<std::uint64_t>(i / n)))
                      : Rng(mix_seed(mix_seed(c.seed, 0x5ce4e5ULL), static_cast<std::uint64_t>(i)));
    SceneLabels labels;
    labels.style = static_cast<SceneStyle>(balance ? styles[i % n] : styles[rng.below(n)]);
    labels.disaster = static_cast<SceneDisaster>(disasters[rng.below(static_cast<int>(disasters.size()))]);
    labels.terrain = static_cast<SceneTerrain>(terrains[rng.below(static_cast<int>(terrains.size()))]);
    labels.time = static_cast<SceneTime>(times[rng.below(static_cast<int>(times.size()))]);
    const std::uint64_t render_seed = rng.next(), caption_seed = rng.next();
    DataItem item;
    item.image = render_scene(labels, c.size, render_seed);
    item.caption = scene_caption(labels, caption_seed);
    item.labels = {{"style", scene_style_names()[static_cast<int>(labels.style)]},
                   {"class", scene_style_noun(labels.style)},
                   {"disaster", scene_disaster_names()[static_cast<int>(labels.disaster)]},
                   {"terrain", scene_terrain_names()[static_cast<int>(labels.terrain)]},
                   {"time", scene_time_names()[static_cast<int>(labels.time)]}};
    set.items.push_back(std::move(item));
  }
  return set;
}

AerialConditions aerial_conditions(const ReferenceQuery& query) {
  AerialConditions conditions;
  conditions.clouds = query.number("clouds", 0, 0, 1, "a cloud cover in [0, 1]");
  conditions.noise = query.number("noise", 0, 0, 1, "a noise std in [0, 1] (a fraction of 255)");
  conditions.mix = query.number("mix", 0, 0, 0.5, "a blend weight in [0, 0.5]");
  return conditions;
}

// The conditions applied to one render; the mixed-in class is any other class.
void degrade_aerial(ImageBatch& image, int class_index, const AerialConditions& conditions, std::uint64_t seed) {
  ImageBatch other;
  if (conditions.mix > 0) {
    const int classes = static_cast<int>(aerial_class_names().size());
    const int other_class = (class_index + 1 + Rng(seed).below(classes - 1)) % classes;
    other = render_aerial(other_class, image.width, mix_seed(seed, 1));
  }
  apply_aerial_conditions(image, other, conditions, seed);
}

DataSet load_aerial(const std::string& reference, const std::string& query_text, int size) {
  const ReferenceQuery query(fmt::format("data reference '{}'", reference), query_text, kAerialParameters);
  const Common c = common(query, size);
  const auto classes = query.selection("class", static_cast<int>(aerial_class_names().size()), parse_aerial_class);
  const AerialConditions conditions = aerial_conditions(query);
  DataSet set;
  set.reference = reference;
  for (int i = 0; i < c.count; ++i) {
    const int class_index = classes[i % classes.size()];
    Rng rng(mix_seed(mix_seed(c.seed, 0xae1a1ULL), static_cast<std::uint64_t>(i)));
    const std::uint64_t render_seed = rng.next(), caption_seed = rng.next();
    DataItem item;
    item.image = render_aerial(class_index, c.size, render_seed);
    if (conditions.any()) degrade_aerial(item.image, class_index, conditions, rng.next());
    item.caption = aerial_caption(class_index, caption_seed);
    item.labels = {{"class", aerial_class_names()[class_index]}};
    set.items.push_back(std::move(item));
  }
  return set;
}

}  // namespace

DataSet load_data_reference(const std::string& reference, int size) {
  if (reference.rfind(kBuiltin, 0) != 0) {
    DataSet set;
    set.reference = reference;
    std::vector<LoadedImage> images = read_class_folders(reference, size);
    if (images.empty()) {  // a folder of one class's images: its name is their class
      images = read_image_folder(reference, size);
      std::filesystem::path folder = std::filesystem::weakly_canonical(reference);
      if (folder.filename().empty()) folder = folder.parent_path();
      const std::string name = folder.filename().string();
      if (name.empty() || name == "." || name == "..")
        throw InputError(fmt::format("data reference '{}': a folder of images needs a name, its images' class", reference));
      for (auto& loaded : images) loaded.class_name = name;
    }
    for (auto& loaded : images) {
      DataItem item;
      item.image = std::move(loaded.image);
      item.caption = std::move(loaded.caption);
      if (!loaded.class_name.empty()) item.labels = {{"class", loaded.class_name}};
      set.items.push_back(std::move(item));
    }
    return set;
  }
  const std::string rest = reference.substr(std::string(kBuiltin).size());
  const auto question = rest.find('?');
  const std::string world = rest.substr(0, question);
  const std::string query = question == std::string::npos ? "" : rest.substr(question + 1);
  if (world == "scenes") return load_scenes(reference, query, size);
  if (world == "aerial") return load_aerial(reference, query, size);
  throw InputError(fmt::format("data reference '{}': unknown builtin world '{}'{}; expected one of builtin:{}", reference,
                               world, did_you_mean(world, kWorlds), join(kWorlds, ", builtin:")));
}

}  // namespace tunegrid
