// shard_reader.cpp — see shard_reader.h.
#include "core/shard_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/errors.h"
#include "core/hdf5_handles.h"

namespace tunegrid {

namespace {

std::string attribute_text(hid_t object, const std::string& name, const std::string& file) {
  hdf5::Handle attribute = hdf5::checked(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name, file);
  hdf5::Handle type = hdf5::checked(H5Aget_type(attribute), "read the type of " + name, file);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return std::to_string(*hdf5::read_int_attribute(object, name, file));
    case H5T_FLOAT: {
      double value = 0;
      hdf5::check(H5Aread(attribute, H5T_NATIVE_DOUBLE, &value), "read attribute " + name, file);
      return fmt::format("{}", value);
    }
    default: return hdf5::read_string_attribute(object, name, file).value_or("");
  }
}

std::vector<std::string> attribute_names(hid_t object, const std::string& file) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  hdf5::check(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names), "list attributes", file);
  return names;
}

std::map<std::string, double> read_scalars(hid_t root, const char* group_name, const std::string& file) {
  std::map<std::string, double> values;
  if (H5Lexists(root, group_name, H5P_DEFAULT) <= 0) return values;
  hdf5::Handle group = hdf5::checked(H5Gopen2(root, group_name, H5P_DEFAULT), std::string("open /") + group_name, file);
  for (const auto& name : hdf5::member_names(group, file)) values[name] = hdf5::read_scalar_dataset(group, name, file);
  return values;
}

// /<group>/<key> of a shard, open with its file, shape and type (the caller holds the
// StoreLock); StoreError naming the file when the shard is unreadable or has no such dataset.
struct ShardDataset {
  std::string file, name;
  hdf5::Handle shard, dataset, space, type;
};

ShardDataset open_shard_dataset(const std::filesystem::path& path, const std::string& group, const std::string& key) {
  ShardDataset out;
  out.file = path.string();
  out.name = group + "/" + key;
  const std::string& file = out.file;
  if (H5Fis_hdf5(file.c_str()) <= 0) throw StoreError(fmt::format("{}: not an HDF5 file (truncated?)", file));
  out.shard = hdf5::checked(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open the shard", file);
  if (key.empty() || key.find('/') != std::string::npos || H5Lexists(out.shard, group.c_str(), H5P_DEFAULT) <= 0 ||
      H5Lexists(out.shard, out.name.c_str(), H5P_DEFAULT) <= 0)
    throw StoreError(fmt::format("{}: no /{}", file, out.name));
  out.dataset = hdf5::checked(H5Dopen2(out.shard, out.name.c_str(), H5P_DEFAULT), "open /" + out.name, file);
  out.space = hdf5::checked(H5Dget_space(out.dataset), "read the shape of /" + out.name, file);
  out.type = hdf5::checked(H5Dget_type(out.dataset), "read the type of /" + out.name, file);
  return out;
}

}  // namespace

ShardSummary read_shard(const std::filesystem::path& path) {
  hdf5::StoreLock lock;  // see hdf5_handles.h: one thread in the HDF5 library at a time
  hdf5::quiet_errors();
  const std::string file = path.string();
  if (H5Fis_hdf5(file.c_str()) <= 0) throw StoreError(fmt::format("{}: not an HDF5 file (truncated?)", file));
  hdf5::Handle handle = hdf5::checked(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open the shard", file);
  const auto version = hdf5::read_int_attribute(handle, "format_version", file);
  if (!version) throw StoreError(fmt::format("{}: no format_version attribute; not a tunegrid shard", file));
  if (*version > kStoreFormatVersion)
    throw StoreError(fmt::format("{}: store format {} is newer than this tunegrid reads ({}); use a newer tunegrid",
                                 file, *version, kStoreFormatVersion));
  ShardSummary shard;
  shard.path = path;
  auto text = [&](const char* name) { return hdf5::read_string_attribute(handle, name, file).value_or(""); };
  shard.job_id = text("job_id");
  shard.kind = text("kind");
  shard.status = text("status");
  shard.started_at = text("started_at");
  shard.finished_at = text("finished_at");
  shard.host = text("host");
  shard.spec = text("spec");
  shard.attempt = static_cast<int>(hdf5::read_int_attribute(handle, "attempt", file).value_or(0));
  shard.ranks = static_cast<int>(hdf5::read_int_attribute(handle, "ranks", file).value_or(0));
  if (shard.job_id.empty() || (shard.status != "done" && shard.status != "failed"))
    throw StoreError(fmt::format("{}: missing job_id or status attribute", file));
  if (H5Lexists(handle, "params", H5P_DEFAULT) > 0) {
    hdf5::Handle params = hdf5::checked(H5Gopen2(handle, "params", H5P_DEFAULT), "open /params", file);
    for (const auto& name : attribute_names(params, file)) shard.params[name] = attribute_text(params, name, file);
  }
  shard.metrics = read_scalars(handle, "metrics", file);
  shard.timings = read_scalars(handle, "timings", file);
  if (H5Lexists(handle, "error", H5P_DEFAULT) > 0) shard.error = hdf5::read_string_dataset(handle, "error", file);
  if (H5Lexists(handle, "loss", H5P_DEFAULT) > 0) {
    hdf5::Handle loss = hdf5::checked(H5Dopen2(handle, "loss", H5P_DEFAULT), "open /loss", file);
    hdf5::Handle space = hdf5::checked(H5Dget_space(loss), "read /loss shape", file);
    shard.loss_steps = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  }
  if (H5Lexists(handle, "images", H5P_DEFAULT) > 0) {
    hdf5::Handle images = hdf5::checked(H5Gopen2(handle, "images", H5P_DEFAULT), "open /images", file);
    shard.image_keys = hdf5::member_names(images, file);
  }
  if (H5Lexists(handle, "matrices", H5P_DEFAULT) > 0) {
    hdf5::Handle matrices = hdf5::checked(H5Gopen2(handle, "matrices", H5P_DEFAULT), "open /matrices", file);
    shard.matrix_keys = hdf5::member_names(matrices, file);
  }
  return shard;
}

CountMatrix read_shard_matrix(const std::filesystem::path& path, const std::string& key) {
  hdf5::StoreLock lock;
  hdf5::quiet_errors();
  const ShardDataset opened = open_shard_dataset(path, "matrices", key);
  const std::string &file = opened.file, &name = opened.name;
  const hdf5::Handle &dataset = opened.dataset, &space = opened.space, &type = opened.type;
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(space) != 2 || H5Sget_simple_extent_dims(space, dims, nullptr) != 2 ||
      dims[0] != dims[1] || dims[0] == 0 || dims[0] > 100000 || H5Tget_class(type) != H5T_INTEGER)
    throw StoreError(fmt::format("{}: /{} is not a square integer matrix", file, name));
  CountMatrix matrix;
  matrix.labels = hdf5::read_string_list_attribute(dataset, "labels", file);
  if (matrix.labels.size() != dims[0])
    throw StoreError(fmt::format("{}: /{} has {} labels for {} rows", file, name, matrix.labels.size(), dims[0]));
  matrix.counts.resize(static_cast<std::size_t>(dims[0] * dims[1]));
  hdf5::check(H5Dread(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, matrix.counts.data()), "read /" + name,
              file);
  return matrix;
}

ImageBatch read_shard_images(const std::filesystem::path& path, const std::string& key, int limit) {
  hdf5::StoreLock lock;
  hdf5::quiet_errors();
  const ShardDataset opened = open_shard_dataset(path, "images", key);
  const std::string &file = opened.file, &name = opened.name;
  const hdf5::Handle &dataset = opened.dataset, &space = opened.space, &type = opened.type;
  hsize_t dims[4] = {0, 0, 0, 0};
  if (H5Sget_simple_extent_ndims(space) != 4 || H5Sget_simple_extent_dims(space, dims, nullptr) != 4 || dims[3] != 3 ||
      H5Tget_class(type) != H5T_INTEGER || H5Tget_size(type) != 1)
    throw StoreError(fmt::format("{}: /{} is not uint8 [N,H,W,3]", file, name));
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0 || dims[1] * dims[2] > 100000000)
    throw StoreError(fmt::format("{}: /{} has an empty or oversized shape", file, name));
  const hsize_t count = limit > 0 ? std::min<hsize_t>(dims[0], static_cast<hsize_t>(limit)) : dims[0];
  ImageBatch batch;
  batch.key = key;
  batch.count = static_cast<int>(count);
  batch.height = static_cast<int>(dims[1]);
  batch.width = static_cast<int>(dims[2]);
  batch.pixels.resize(static_cast<std::size_t>(count * dims[1] * dims[2] * 3));
  const hsize_t start[4] = {0, 0, 0, 0}, extent[4] = {count, dims[1], dims[2], 3};
  hdf5::check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, extent, nullptr), "select images", file);
  hdf5::Handle memory = hdf5::checked(H5Screate_simple(4, extent, nullptr), "create a dataspace", file);
  hdf5::check(H5Dread(dataset, H5T_NATIVE_UINT8, memory, space, H5P_DEFAULT, batch.pixels.data()), "read /" + name,
              file);
  return batch;
}

StoreScan scan_store(const std::filesystem::path& store) {
  StoreScan scan;
  std::error_code error;
  const auto directory = jobs_dir(store);
  if (!std::filesystem::is_directory(directory, error)) return scan;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || entry.path().extension() != ".h5") continue;
    paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    try {
      ShardSummary shard = read_shard(path);
      if (shard.job_id != path.stem().string())
        throw StoreError(fmt::format("{}: holds job {}, not the job its name says", path.string(), shard.job_id));
      scan.shards.push_back(std::move(shard));
    } catch (const StoreError& problem) {
      scan.unreadable.emplace_back(path, problem.what());
    }
  }
  return scan;
}

}  // namespace tunegrid
