// atomic_file.h — files that appear whole or not at all (docs/design.md "Atomic files", after
// LevelDB's SetCurrentFile): write beside the target under a hidden temporary name, fsync,
// rename over the target, fsync the directory.
#pragma once
#include <filesystem>
#include <string>

namespace tunegrid {

// fsync of a file or directory; throws StoreError on failure.
void fsync_path(const std::filesystem::path& path, bool directory);

// Makes a finished temporary file the target: fsync, rename, fsync of the directory. On
// failure the temporary is removed and StoreError names the target.
void publish_file(const std::filesystem::path& temporary, const std::filesystem::path& target);

// Writes `contents` to `path` atomically (plan.toml, the run summary).
void write_file_atomically(const std::filesystem::path& path, const std::string& contents);

// "DIR/.NAME.tmp-<pid>": where a file about to be published is written.
std::filesystem::path temporary_beside(const std::filesystem::path& target);

}  // namespace tunegrid
