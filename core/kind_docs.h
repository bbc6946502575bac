// kind_docs.h — `tunegrid kinds` as text for a terminal and as the Markdown page
// docs/job-kinds.md (generated from the kinds' specs, so the page cannot drift from them; the
// test e2e.docs_match_commands compares the two).
#pragma once
#include <string>
#include <vector>

#include "core/kind_spec.h"

namespace tunegrid {

// Per kind: "name — doc", then one line per parameter (name, type, default, meaning).
std::string kinds_text(const std::vector<KindSpec>& kinds);

// A Markdown page: a table of every kind, then per kind its outputs and a table of its
// parameters (type, default, allowed values, meaning).
std::string kinds_markdown(const std::vector<KindSpec>& kinds);

}  // namespace tunegrid
