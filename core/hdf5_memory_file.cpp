// hdf5_memory_file.cpp — see hdf5_memory_file.h.
#include "core/hdf5_memory_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/errors.h"
#include "core/hdf5_handles.h"

namespace tunegrid::hdf5 {

hid_t create_memory_file(const std::string& name) {
  Handle access = checked(H5Pcreate(H5P_FILE_ACCESS), "make file access properties", name);
  check(H5Pset_fapl_core(access, 1 << 16, 0), "choose the in-memory driver", name);
  // Default creation properties keep the file readable by every HDF5 1.8+ tool (h5py, h5dump).
  const hid_t file = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access);
  if (file < 0) throw StoreError(fmt::format("{}: HDF5 could not create the file in memory", name));
  return file;
}

std::vector<char> file_image(hid_t file, const std::string& name) {
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush", name);
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) throw StoreError(fmt::format("{}: HDF5 could not size the file image", name));
  std::vector<char> bytes(static_cast<std::size_t>(size));
  if (H5Fget_file_image(file, bytes.data(), bytes.size()) != size)
    throw StoreError(fmt::format("{}: HDF5 could not copy the file image", name));
  return bytes;
}

void write_file_image(hid_t file, const std::filesystem::path& path) {
  write_bytes_synced(file_image(file, path.string()), path);
}

void write_bytes_synced(const std::vector<char>& bytes, const std::filesystem::path& path) {
  const std::string name = path.string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw StoreError(fmt::format("{}: cannot create: {}", name, std::strerror(errno)));
  std::size_t written = 0;
  int problem = 0;
  while (written < bytes.size() && !problem) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n > 0) written += static_cast<std::size_t>(n);
    else if (n < 0 && errno != EINTR) problem = errno;
  }
  if (!problem && ::fsync(fd) != 0) problem = errno;
  if (::close(fd) != 0 && !problem) problem = errno;
  if (problem) {
    ::unlink(path.c_str());
    throw StoreError(fmt::format("{}: cannot write {} bytes ({} written): {}", name, bytes.size(), written,
                                 std::strerror(problem)));
  }
}

}  // namespace tunegrid::hdf5
