// aerial_world.h — the builtin procedural overhead-imagery world for the classifier
// studies: PatternNet's 38 classes (Zhou et al. 2018: airplane, baseball field, basketball
// court, beach, bridge, cemetery, chaparral, christmas tree farm, closed road, coastal
// mansion, crosswalk, dense residential, ferry terminal, football field, forest, freeway,
// golf course, harbor, intersection, mobile home park, nursing home, oil gas field,
// oil well, overpass, parking lot, parking space, railway, river, runway, runway marking,
// shipping yard, solar panel, sparse residential, storage tank, swimming pool,
// tennis court, transformer station, wastewater treatment plant), each a recognisable
// overhead pattern with random variation (position, rotation, count, colours, clutter).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/shard.h"

namespace tunegrid {

// The 38 class names in PatternNet's (alphabetical) order; a class is its index here.
const std::vector<std::string>& aerial_class_names();

// Name -> index; throws InputError naming `what`, with a did-you-mean suggestion.
int parse_aerial_class(const std::string& name, const std::string& what);

// One image (count 1, size × size, RGB) of class `class_index`, seen from straight above at
// a random rotation; deterministic in (class_index, size, seed). size in [16, 512] and
// class_index in [0, 38) (InputError otherwise).
ImageBatch render_aerial(int class_index, int size, std::uint64_t seed);

// The class with its article, as captions name it: "a baseball field", "an airplane",
// "a dense residential area".
std::string aerial_subject(int class_index);
// Any class name as prompts and class captions say it, with its article: an aerial class as
// its captions do (aerial_subject: "a storage tank"), any other name with_article ("a hanok",
// "an apartment building").
std::string class_subject(const std::string& name);

// The prompt of a class when sampling it: "an aerial image of a baseball field".
std::string aerial_prompt(int class_index);

// "an aerial image of a baseball field" and a few other templates, chosen by `seed`.
std::string aerial_caption(int class_index, std::uint64_t seed);

}  // namespace tunegrid
