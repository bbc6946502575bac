// result_index.cpp — see result_index.h.
#include "core/result_index.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/hdf5_handles.h"
#include "core/hdf5_memory_file.h"
#include "core/text.h"

namespace tunegrid {

std::filesystem::path index_path(const std::filesystem::path& store) { return store / "results.h5"; }

void write_index(const std::filesystem::path& store, const std::vector<ShardSummary>& shards) {
  hdf5::StoreLock lock;  // see hdf5_handles.h: one thread in the HDF5 library at a time
  hdf5::quiet_errors();
  const auto final_path = index_path(store);
  const auto temporary = temporary_beside(final_path);
  const std::string file = temporary.string();
  {
    hdf5::Handle handle(hdf5::create_memory_file(file));  // written out below (hdf5_memory_file.h)
    std::int64_t done = 0, failed = 0;
    for (const auto& shard : shards) (shard.status == "done" ? done : failed)++;
    hdf5::write_attribute(handle, "format_version", kStoreFormatVersion, file);
    hdf5::write_attribute(handle, "updated_at", utc_timestamp_now(), file);
    hdf5::write_attribute(handle, "jobs_done", done, file);
    hdf5::write_attribute(handle, "jobs_failed", failed, file);
    hdf5::Handle jobs = hdf5::checked(H5Gcreate2(handle, "jobs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                      "create /jobs", file);
    for (const auto& shard : shards) {
      const std::string target = "jobs/" + shard.job_id + ".h5";
      hdf5::check(H5Lcreate_external(target.c_str(), "/", jobs, shard.job_id.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                  "link " + shard.job_id, file);
    }
    hdf5::write_file_image(handle, temporary);
  }
  publish_file(temporary, final_path);
}

StoreScan rebuild_index(const std::filesystem::path& store) {
  StoreScan scan = scan_store(store);
  write_index(store, scan.shards);
  return scan;
}

}  // namespace tunegrid
