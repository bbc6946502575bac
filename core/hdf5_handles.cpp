// hdf5_handles.cpp — see hdf5_handles.h.
#include "core/hdf5_handles.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace tunegrid::hdf5 {

void Handle::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = H5I_INVALID_HID;
}

bool library_threadsafe() {
  static const bool threadsafe = [] {
    hbool_t is_threadsafe = 0;
    return H5is_library_threadsafe(&is_threadsafe) >= 0 && is_threadsafe;
  }();
  return threadsafe;
}

namespace {
std::recursive_mutex& store_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}
}  // namespace

StoreLock::StoreLock() : lock_(store_mutex()) {}

void quiet_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle checked(hid_t id, const std::string& what, const std::string& file) {
  if (id < 0) throw StoreError(fmt::format("{}: HDF5 could not {}", file, what));
  return Handle(id);
}

void check(herr_t status, const std::string& what, const std::string& file) {
  if (status < 0) throw StoreError(fmt::format("{}: HDF5 could not {}", file, what));
}

Handle utf8_string_type() {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

void write_attribute(hid_t object, const std::string& name, const std::string& value, const std::string& file) {
  Handle type = utf8_string_type();
  Handle space = checked(H5Screate(H5S_SCALAR), "create a dataspace", file);
  Handle attribute = checked(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                             "create attribute " + name, file);
  const char* data = value.c_str();
  check(H5Awrite(attribute, type, &data), "write attribute " + name, file);
}

void write_attribute(hid_t object, const std::string& name, std::int64_t value, const std::string& file) {
  Handle space = checked(H5Screate(H5S_SCALAR), "create a dataspace", file);
  Handle attribute = checked(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT),
                             "create attribute " + name, file);
  check(H5Awrite(attribute, H5T_NATIVE_INT64, &value), "write attribute " + name, file);
}

void write_attribute(hid_t object, const std::string& name, double value, const std::string& file) {
  Handle space = checked(H5Screate(H5S_SCALAR), "create a dataspace", file);
  Handle attribute = checked(H5Acreate2(object, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT),
                             "create attribute " + name, file);
  check(H5Awrite(attribute, H5T_NATIVE_DOUBLE, &value), "write attribute " + name, file);
}

void write_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values,
                     const std::string& file) {
  Handle type = utf8_string_type();
  const hsize_t count = values.size();
  Handle space = checked(H5Screate_simple(1, &count, nullptr), "create a dataspace", file);
  Handle attribute = checked(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                             "create attribute " + name, file);
  std::vector<const char*> data;
  for (const auto& value : values) data.push_back(value.c_str());
  check(H5Awrite(attribute, type, data.data()), "write attribute " + name, file);
}

std::vector<std::string> read_string_list_attribute(hid_t object, const std::string& name, const std::string& file) {
  if (H5Aexists(object, name.c_str()) <= 0) throw StoreError(fmt::format("{}: no attribute {}", file, name));
  Handle attribute = checked(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name, file);
  Handle stored = checked(H5Aget_type(attribute), "read the type of attribute " + name, file);
  Handle space = checked(H5Aget_space(attribute), "read the shape of attribute " + name, file);
  if (H5Tget_class(stored) != H5T_STRING || H5Tis_variable_str(stored) <= 0 || H5Sget_simple_extent_ndims(space) != 1)
    throw StoreError(fmt::format("{}: attribute {} is not a list of variable-length strings", file, name));
  const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  std::vector<char*> data(count, nullptr);
  Handle type = utf8_string_type();
  check(H5Aread(attribute, type, data.data()), "read attribute " + name, file);
  std::vector<std::string> values;
  for (char* value : data) {
    values.emplace_back(value ? value : "");
    H5free_memory(value);
  }
  return values;
}

std::optional<std::string> read_string_attribute(hid_t object, const std::string& name, const std::string& file) {
  if (H5Aexists(object, name.c_str()) <= 0) return std::nullopt;
  Handle attribute = checked(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name, file);
  Handle stored = checked(H5Aget_type(attribute), "read the type of attribute " + name, file);
  if (H5Tget_class(stored) != H5T_STRING) throw StoreError(fmt::format("{}: attribute {} is not a string", file, name));
  if (H5Tis_variable_str(stored) > 0) {
    Handle type = utf8_string_type();
    char* data = nullptr;
    check(H5Aread(attribute, type, &data), "read attribute " + name, file);
    std::string value = data ? data : "";
    H5free_memory(data);
    return value;
  }
  const std::size_t size = H5Tget_size(stored);
  std::string value(size, '\0');
  check(H5Aread(attribute, stored, value.data()), "read attribute " + name, file);
  value.resize(value.find('\0') == std::string::npos ? size : value.find('\0'));
  return value;
}

std::optional<std::int64_t> read_int_attribute(hid_t object, const std::string& name, const std::string& file) {
  if (H5Aexists(object, name.c_str()) <= 0) return std::nullopt;
  Handle attribute = checked(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name, file);
  std::int64_t value = 0;
  check(H5Aread(attribute, H5T_NATIVE_INT64, &value), "read attribute " + name, file);
  return value;
}

void write_scalar_dataset(hid_t group, const std::string& name, double value, const std::string& file) {
  Handle space = checked(H5Screate(H5S_SCALAR), "create a dataspace", file);
  Handle dataset = checked(H5Dcreate2(group, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                           "create dataset " + name, file);
  check(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value), "write dataset " + name, file);
}

void write_string_dataset(hid_t group, const std::string& name, const std::string& value, const std::string& file) {
  Handle type = utf8_string_type();
  Handle space = checked(H5Screate(H5S_SCALAR), "create a dataspace", file);
  Handle dataset = checked(H5Dcreate2(group, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                           "create dataset " + name, file);
  const char* data = value.c_str();
  check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &data), "write dataset " + name, file);
}

double read_scalar_dataset(hid_t group, const std::string& name, const std::string& file) {
  Handle dataset = checked(H5Dopen2(group, name.c_str(), H5P_DEFAULT), "open dataset " + name, file);
  double value = 0;
  check(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value), "read dataset " + name, file);
  return value;
}

std::string read_string_dataset(hid_t group, const std::string& name, const std::string& file) {
  Handle dataset = checked(H5Dopen2(group, name.c_str(), H5P_DEFAULT), "open dataset " + name, file);
  Handle type = utf8_string_type();
  char* data = nullptr;
  check(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &data), "read dataset " + name, file);
  std::string value = data ? data : "";
  H5free_memory(data);
  return value;
}

std::vector<std::string> member_names(hid_t group, const std::string& file) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names), "list a group", file);
  return names;
}

}  // namespace tunegrid::hdf5
