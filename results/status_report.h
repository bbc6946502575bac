// status_report.h — `tunegrid status DIR`: what the store holds — jobs done and failed
// per kind, failed jobs with their errors, shards that cannot be read. It reads the index's
// catalog and opens only the shards it must (core/result_index.h: new or changed ones, and
// the failed ones for their errors), so it stays quick on a store of 10^5 shards.
#pragma once
#include <filesystem>
#include <string>

#include "core/result_index.h"

namespace tunegrid {

std::string format_status(const std::filesystem::path& store, const StoreListing& listing);

}  // namespace tunegrid
