// status_report.h — `tunegrid status DIR`: what the store holds — jobs done and failed
// per kind, failed jobs with their errors, shards that cannot be read.
#pragma once
#include <string>

#include "core/shard_reader.h"

namespace tunegrid {

std::string format_status(const std::string& store, const StoreScan& scan);

}  // namespace tunegrid
