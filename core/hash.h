// hash.h — stable 64-bit FNV-1a hashing for job ids. The input is a canonical text of the
// job's resolved spec (value.h), so the id is the same in every run, on every machine and
// whatever the order of the grid axes.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace tunegrid {

std::uint64_t fnv1a64(std::string_view bytes);

// 16 lowercase hex digits.
std::string hex_id(std::uint64_t value);

}  // namespace tunegrid
