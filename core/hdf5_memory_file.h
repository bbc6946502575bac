// hdf5_memory_file.h — store files (shards, the index) built in memory and written to disk
// with one plain write(): HDF5's core driver without a backing store, then the file image
// (H5Fget_file_image) written, fsynced and closed by write_file_image. A disk that fails
// the write (full, a file-size limit: ENOSPC, EFBIG) then fails one POSIX call with its
// errno — a StoreError saying why — instead of failing HDF5's own I/O, which leaves the
// library holding a file it can neither flush nor close (and crashes on at exit).
#pragma once
#include <hdf5.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tunegrid::hdf5 {

// A new, empty HDF5 file in memory; `name` names it in messages. Throws StoreError.
hid_t create_memory_file(const std::string& name);

// Writes the memory file's image to `path` (created or truncated), fsynced. On failure the
// partial file is removed and StoreError names `path` and the reason.
void write_file_image(hid_t file, const std::filesystem::path& path);

// The two halves of write_file_image: a copy of the flushed image (needs the store lock),
// and writing bytes to `path`, fsynced (does not).
std::vector<char> file_image(hid_t file, const std::string& name);
void write_bytes_synced(const std::vector<char>& bytes, const std::filesystem::path& path);

}  // namespace tunegrid::hdf5
