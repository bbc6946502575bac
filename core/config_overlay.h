// config_overlay.h — the two ways an experiment's keys are changed before validation:
// a `[profile.P]` table merged over the root, and `--set a.b=VALUE` overrides. Both keep
// the source place of what they bring (toml++ keeps it on moved nodes, not copied ones)
// and type-check the new value against the key it replaces.
#pragma once
#include <string>

#include <toml++/toml.h>

namespace tunegrid {

// Moves every key of `overlay` into `root` (tables merge recursively). `origin` names the
// overlay in messages, e.g. "profile 'paper'".
void overlay_table(toml::table& root, toml::table&& overlay, const std::string& origin,
                   const std::string& path_prefix = "");

// Applies one "a.b.c=VALUE" argument.
void apply_set_override(toml::table& root, const std::string& argument);

}  // namespace tunegrid
