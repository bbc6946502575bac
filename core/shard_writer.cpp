// shard_writer.cpp — see shard_writer.h.
#include "core/shard_writer.h"

#include <unistd.h>

#include <fmt/format.h>


#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/hdf5_memory_file.h"
#include "core/text.h"

namespace tunegrid {

const char* status_name(JobStatus status) { return status == JobStatus::done ? "done" : "failed"; }

std::filesystem::path jobs_dir(const std::filesystem::path& store) { return store / "jobs"; }

std::filesystem::path shard_path(const std::filesystem::path& store, const std::string& job_id) {
  return jobs_dir(store) / (job_id + ".h5");
}

namespace {

constexpr const char* kTemporaryMarker = ".tmp-";

void write_value_attribute(hid_t object, const std::string& name, const Value& value, const std::string& file) {
  if (value.is_integer()) hdf5::write_attribute(object, name, value.as_integer(), file);
  else if (value.is_float()) hdf5::write_attribute(object, name, value.as_number(), file);
  else if (value.is_bool()) hdf5::write_attribute(object, name, static_cast<std::int64_t>(value.as_bool()), file);
  else if (value.is_string()) hdf5::write_attribute(object, name, value.as_string(), file);
  else hdf5::write_attribute(object, name, display_text(value), file);
}

hdf5::Handle create_group(hid_t parent, const std::string& name, const std::string& file) {
  return hdf5::checked(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create group " + name,
                       file);
}

}  // namespace

ShardWriter::ShardWriter(const std::filesystem::path& store, const ShardHeader& header)
    : final_(shard_path(store, header.job_id)) {
  hdf5::StoreLock lock;
  hdf5::quiet_errors();
  temporary_ = final_.parent_path() /
               fmt::format(".{}{}{}-{}", header.job_id, kTemporaryMarker, host_name(), static_cast<long>(::getpid()));
  const std::string file = temporary_.string();
  try {
    // Built in memory, written out by commit(): a full disk fails a plain write with its
    // reason and leaves HDF5 sound (hdf5_memory_file.h).
    file_ = hdf5::Handle(hdf5::create_memory_file(file));

    hdf5::write_attribute(file_, "format_version", kStoreFormatVersion, file);
    hdf5::write_attribute(file_, "job_id", header.job_id, file);
    hdf5::write_attribute(file_, "kind", header.kind, file);
    hdf5::write_attribute(file_, "status", std::string(status_name(header.status)), file);
    hdf5::write_attribute(file_, "attempt", static_cast<std::int64_t>(header.attempt), file);
    hdf5::write_attribute(file_, "started_at", header.started_at, file);
    hdf5::write_attribute(file_, "finished_at", header.finished_at, file);
    hdf5::write_attribute(file_, "host", header.host, file);
    hdf5::write_attribute(file_, "ranks", static_cast<std::int64_t>(header.ranks), file);
    hdf5::write_attribute(file_, "spec", header.spec, file);

    hdf5::Handle params = create_group(file_, "params", file);
    for (const auto& [name, value] : header.params) write_value_attribute(params, name, value, file);
    if (!header.environment.empty()) {
      hdf5::Handle environment = create_group(file_, "environment", file);
      for (const auto& [name, value] : header.environment) hdf5::write_attribute(environment, name, value, file);
    }
    if (header.status == JobStatus::failed) hdf5::write_string_dataset(file_, "error", header.error, file);
  } catch (...) {
    // The destructor does not run for a constructor that throws: close and remove here.
    file_.reset();
    std::error_code ignored;
    std::filesystem::remove(temporary_, ignored);
    throw;
  }
}

ShardWriter::~ShardWriter() {
  if (committed_) return;
  hdf5::StoreLock lock;
  file_.reset();
  std::error_code ignored;
  std::filesystem::remove(temporary_, ignored);
}

void ShardWriter::write_outputs(const JobOutputs& outputs) {
  hdf5::StoreLock lock;
  const std::string file = temporary_.string();
  hdf5::Handle metrics = create_group(file_, "metrics", file);
  for (const auto& [name, value] : outputs.metrics) hdf5::write_scalar_dataset(metrics, name, value, file);
  hdf5::Handle timings = create_group(file_, "timings", file);
  for (const auto& [name, value] : outputs.timings) hdf5::write_scalar_dataset(timings, name, value, file);
  if (!outputs.loss.empty()) {
    const hsize_t steps = outputs.loss.size();
    hdf5::Handle space = hdf5::checked(H5Screate_simple(1, &steps, nullptr), "create a dataspace", file);
    hdf5::Handle loss = hdf5::checked(
        H5Dcreate2(file_, "loss", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create /loss", file);
    hdf5::check(H5Dwrite(loss, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, outputs.loss.data()), "write /loss",
                file);
  }
  for (const auto& batch : outputs.images) write_images(batch);
  for (const auto& [name, matrix] : outputs.matrices) write_matrix(name, matrix);
}

void ShardWriter::write_matrix(const std::string& name, const CountMatrix& matrix) {
  const std::string file = temporary_.string();
  const hsize_t n = matrix.labels.size();
  if (n == 0 || matrix.counts.size() != n * n || name.empty() || name.find('/') != std::string::npos)
    throw StoreError(fmt::format("{}: matrix '{}' has {} counts for {} labels", file, name, matrix.counts.size(), n));
  if (H5Lexists(file_, "matrices", H5P_DEFAULT) <= 0) create_group(file_, "matrices", file);
  hdf5::Handle matrices = hdf5::checked(H5Gopen2(file_, "matrices", H5P_DEFAULT), "open /matrices", file);
  const hsize_t dims[2] = {n, n};
  hdf5::Handle space = hdf5::checked(H5Screate_simple(2, dims, nullptr), "create a dataspace", file);
  hdf5::Handle dataset = hdf5::checked(
      H5Dcreate2(matrices, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      "create /matrices/" + name, file);
  hdf5::check(H5Dwrite(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, matrix.counts.data()),
              "write /matrices/" + name, file);
  hdf5::write_attribute(dataset, "labels", matrix.labels, file);
}

void ShardWriter::write_images(const ImageBatch& batch) {
  hdf5::StoreLock lock;
  const std::string file = temporary_.string();
  const std::size_t expected = static_cast<std::size_t>(batch.count) * batch.height * batch.width * 3;
  if (batch.count <= 0 || batch.height <= 0 || batch.width <= 0 || batch.pixels.size() != expected)
    throw StoreError(fmt::format("{}: image batch '{}' has {} bytes for {}x{}x{}x3", file, batch.key,
                                 batch.pixels.size(), batch.count, batch.height, batch.width));
  if (H5Lexists(file_, "images", H5P_DEFAULT) <= 0) create_group(file_, "images", file);
  hdf5::Handle images = hdf5::checked(H5Gopen2(file_, "images", H5P_DEFAULT), "open /images", file);
  const hsize_t dims[4] = {static_cast<hsize_t>(batch.count), static_cast<hsize_t>(batch.height),
                           static_cast<hsize_t>(batch.width), 3};
  const hsize_t chunk[4] = {1, dims[1], dims[2], 3};  // one chunk per image
  hdf5::Handle space = hdf5::checked(H5Screate_simple(4, dims, nullptr), "create a dataspace", file);
  hdf5::Handle properties = hdf5::checked(H5Pcreate(H5P_DATASET_CREATE), "make dataset properties", file);
  hdf5::check(H5Pset_chunk(properties, 4, chunk), "set chunking", file);
  hdf5::check(H5Pset_deflate(properties, 4), "set deflate", file);
  hdf5::Handle dataset = hdf5::checked(
      H5Dcreate2(images, batch.key.c_str(), H5T_STD_U8LE, space, H5P_DEFAULT, properties, H5P_DEFAULT),
      "create /images/" + batch.key, file);
  hdf5::check(H5Dwrite(dataset, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, batch.pixels.data()),
              "write /images/" + batch.key, file);
  // HDF5 Image and Palette Specification attributes (true colour, pixel interlace).
  hdf5::write_attribute(dataset, "CLASS", std::string("IMAGE"), file);
  hdf5::write_attribute(dataset, "IMAGE_VERSION", std::string("1.2"), file);
  hdf5::write_attribute(dataset, "IMAGE_SUBCLASS", std::string("IMAGE_TRUECOLOR"), file);
  hdf5::write_attribute(dataset, "INTERLACE_MODE", std::string("INTERLACE_PIXEL"), file);
}

std::filesystem::path ShardWriter::commit() {
  hdf5::StoreLock lock;
  hdf5::write_file_image(file_, temporary_);  // removes its partial file if it fails
  file_.reset();
  committed_ = true;  // publish_file removes the temporary itself if it fails
  publish_file(temporary_, final_);
  return final_;
}

std::filesystem::path write_shard(const std::filesystem::path& store, const ShardHeader& header,
                                  const JobOutputs& outputs) {
  hdf5::StoreLock lock;  // the whole shard at once (recursive: the writer's methods lock too)
  ShardWriter writer(store, header);
  writer.write_outputs(outputs);
  return writer.commit();
}

int remove_stale_temporaries(const std::filesystem::path& store) {
  int removed = 0;
  std::error_code error;
  const auto directory = jobs_dir(store);
  if (!std::filesystem::is_directory(directory, error)) return 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(kTemporaryMarker) != std::string::npos) {
      std::filesystem::remove(entry.path(), error);
      ++removed;
    }
  }
  return removed;
}

}  // namespace tunegrid
