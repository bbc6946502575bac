// input_file.h — reading a file a user hands tunegrid (an experiment, a plan.toml, a model's
// config.json, a tokenizer's vocabulary) with one set of messages: what the path is when it
// is not a regular file (a directory, a FIFO, a device, a symbolic-link loop), why it cannot
// be read (the system's reason), and a size limit stated in the message. Every problem is
// an InputError that names the path and the role the file plays ("experiment file").
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>

namespace tunegrid {

// Limits for the files tunegrid reads whole into memory.
constexpr std::size_t kMaxTextFileBytes = 64ull << 20;  // configs, vocabularies, plan.toml

// Throws InputError("<path>: <role> <problem>") unless `path` is a readable regular file
// of at most `max_bytes`; returns its contents. A FIFO or device is never opened (reading
// one could block or never end).
std::string read_input_file(const std::filesystem::path& path, const std::string& role,
                            std::size_t max_bytes = kMaxTextFileBytes);

// What `path` is when it is not a regular file ("is a directory", "does not exist", ...), or
// "" for a regular file. Never throws.
std::string describe_non_regular_file(const std::filesystem::path& path);

}  // namespace tunegrid
