// hdf5_handles.h — RAII ownership of HDF5 C-API ids and the few typed helpers the store
// needs (UTF-8 string and numeric attributes, scalar datasets). Every failing call throws a
// StoreError naming the operation and the file; HDF5's own error printing is silenced.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tunegrid::hdf5 {

class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.id_;
      other.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  void reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Whether the linked HDF5 library was built thread-safe (H5is_library_threadsafe; cached).
bool library_threadsafe();

// Serialises the store's entry points (shard writing and reading, the index) across the
// threads of a process: rank 0 writes shards on its worker thread while its scheduler
// thread rewrites the index, which only a thread-safe HDF5 allows. The lock is taken
// always, whatever library_threadsafe() says (it is uncontended but for that one case),
// and is recursive, so an entry point may call another. Declare it before any Handle so
// that the handles close while it is held.
class StoreLock {
 public:
  StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  std::unique_lock<std::recursive_mutex> lock_;
};

// Silences HDF5's automatic error printing on the calling thread (stacks are per thread).
void quiet_errors();

// Throws StoreError("<what>: <file>") when `id` < 0; returns a Handle owning it.
Handle checked(hid_t id, const std::string& what, const std::string& file);
void check(herr_t status, const std::string& what, const std::string& file);

Handle utf8_string_type();

void write_attribute(hid_t object, const std::string& name, const std::string& value, const std::string& file);
void write_attribute(hid_t object, const std::string& name, std::int64_t value, const std::string& file);
void write_attribute(hid_t object, const std::string& name, double value, const std::string& file);

// A 1-D attribute of variable-length UTF-8 strings (h5py reads it as an array of str).
void write_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values, const std::string& file);
std::vector<std::string> read_string_list_attribute(hid_t object, const std::string& name, const std::string& file);
std::optional<std::string> read_string_attribute(hid_t object, const std::string& name, const std::string& file);
std::optional<std::int64_t> read_int_attribute(hid_t object, const std::string& name, const std::string& file);

void write_scalar_dataset(hid_t group, const std::string& name, double value, const std::string& file);
void write_string_dataset(hid_t group, const std::string& name, const std::string& value, const std::string& file);
double read_scalar_dataset(hid_t group, const std::string& name, const std::string& file);
std::string read_string_dataset(hid_t group, const std::string& name, const std::string& file);

// Names of the links directly inside `group`, in name order.
std::vector<std::string> member_names(hid_t group, const std::string& file);

}  // namespace tunegrid::hdf5
