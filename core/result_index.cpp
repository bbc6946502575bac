// result_index.cpp — see result_index.h.
#include "core/result_index.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/hdf5_memory_file.h"
#include "core/shard.h"
#include "core/text.h"

namespace tunegrid {

namespace {

constexpr const char* kCatalog = "catalog";
constexpr hsize_t kCatalogChunkRows = 4096;

// One catalog row as it sits in memory and (native layout) in the file.
struct CatalogRow {
  char job_id[16];
  char kind[48];
  std::uint8_t status;  // 1 done, 2 failed
  std::int32_t attempt;
  double seconds;
  std::int64_t bytes;
  std::int64_t mtime_ns;
  std::uint64_t inode;
};

hdf5::Handle fixed_string_type(std::size_t size) {
  hdf5::Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type, size);
  H5Tset_strpad(type, H5T_STR_NULLPAD);
  return type;
}

hdf5::Handle catalog_type() {
  hdf5::Handle type(H5Tcreate(H5T_COMPOUND, sizeof(CatalogRow)));
  const hdf5::Handle id = fixed_string_type(sizeof(CatalogRow::job_id));
  const hdf5::Handle kind = fixed_string_type(sizeof(CatalogRow::kind));
  H5Tinsert(type, "job_id", HOFFSET(CatalogRow, job_id), id);
  H5Tinsert(type, "kind", HOFFSET(CatalogRow, kind), kind);
  H5Tinsert(type, "status", HOFFSET(CatalogRow, status), H5T_NATIVE_UINT8);
  H5Tinsert(type, "attempt", HOFFSET(CatalogRow, attempt), H5T_NATIVE_INT32);
  H5Tinsert(type, "seconds", HOFFSET(CatalogRow, seconds), H5T_NATIVE_DOUBLE);
  H5Tinsert(type, "bytes", HOFFSET(CatalogRow, bytes), H5T_NATIVE_INT64);
  H5Tinsert(type, "mtime_ns", HOFFSET(CatalogRow, mtime_ns), H5T_NATIVE_INT64);
  H5Tinsert(type, "inode", HOFFSET(CatalogRow, inode), H5T_NATIVE_UINT64);
  return type;
}

std::string fixed_text(const char* field, std::size_t size) { return std::string(field, strnlen(field, size)); }

CatalogRow row_of(const ShardEntry& entry) {
  CatalogRow row;
  std::memset(&row, 0, sizeof row);
  std::memcpy(row.job_id, entry.job_id.data(), std::min(entry.job_id.size(), sizeof row.job_id));
  std::memcpy(row.kind, entry.kind.data(), std::min(entry.kind.size(), sizeof row.kind));
  row.status = entry.status == "done" ? 1 : 2;
  row.attempt = entry.attempt;
  row.seconds = entry.seconds;
  row.bytes = entry.bytes;
  row.mtime_ns = entry.mtime_ns;
  row.inode = entry.inode;
  return row;
}

ShardEntry entry_of(const CatalogRow& row) {
  ShardEntry entry;
  entry.job_id = fixed_text(row.job_id, sizeof row.job_id);
  entry.kind = fixed_text(row.kind, sizeof row.kind);
  entry.status = row.status == 1 ? "done" : "failed";
  entry.attempt = row.attempt;
  entry.seconds = row.seconds;
  entry.bytes = row.bytes;
  entry.mtime_ns = row.mtime_ns;
  entry.inode = row.inode;
  return entry;
}

std::vector<CatalogRow> read_catalog_rows(hid_t file, const std::string& name) {
  hdf5::Handle dataset = hdf5::checked(H5Dopen2(file, kCatalog, H5P_DEFAULT), "open /catalog", name);
  hdf5::Handle space = hdf5::checked(H5Dget_space(dataset), "read the shape of /catalog", name);
  const hssize_t rows = H5Sget_simple_extent_npoints(space);
  if (rows < 0) throw StoreError(fmt::format("{}: /catalog has no readable shape", name));
  std::vector<CatalogRow> out(static_cast<std::size_t>(rows));
  if (rows > 0)
    hdf5::check(H5Dread(dataset, catalog_type(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read /catalog", name);
  return out;
}

// The index's catalog sorted by job id, or nothing when there is no index this tunegrid reads.
std::vector<CatalogRow> read_catalog(const std::filesystem::path& store, bool& read) {
  std::vector<CatalogRow> catalog;
  read = false;
  const std::string name = index_path(store).string();
  hdf5::StoreLock lock;
  hdf5::quiet_errors();
  if (H5Fis_hdf5(name.c_str()) <= 0) return catalog;
  try {
    hdf5::Handle file = hdf5::checked(H5Fopen(name.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open the index", name);
    const auto version = hdf5::read_int_attribute(file, "format_version", name);
    if (!version || *version > kStoreFormatVersion || H5Lexists(file, kCatalog, H5P_DEFAULT) <= 0) return catalog;
    catalog = read_catalog_rows(file, name);
    std::sort(catalog.begin(), catalog.end(), [](const CatalogRow& a, const CatalogRow& b) {
      return std::memcmp(a.job_id, b.job_id, sizeof a.job_id) < 0;
    });
    read = true;
  } catch (const StoreError&) {  // a damaged index is rebuilt from the shards
    catalog.clear();
  }
  return catalog;
}

// The catalog row of `job_id` in a sorted catalog, or nullptr.
const CatalogRow* find_row(const std::vector<CatalogRow>& catalog, const std::string& job_id) {
  CatalogRow key;
  std::memset(key.job_id, 0, sizeof key.job_id);
  std::memcpy(key.job_id, job_id.data(), std::min(job_id.size(), sizeof key.job_id));
  const auto it = std::lower_bound(catalog.begin(), catalog.end(), key, [](const CatalogRow& a, const CatalogRow& b) {
    return std::memcmp(a.job_id, b.job_id, sizeof a.job_id) < 0;
  });
  if (it == catalog.end() || std::memcmp(it->job_id, key.job_id, sizeof key.job_id) != 0 ||
      job_id.size() > sizeof key.job_id)
    return nullptr;
  return &*it;
}

void set_attribute(hid_t object, const char* name, const std::string& value, const std::string& file) {
  if (H5Aexists(object, name) > 0) H5Adelete(object, name);
  hdf5::write_attribute(object, name, value, file);
}

void set_attribute(hid_t object, const char* name, std::int64_t value, const std::string& file) {
  if (H5Aexists(object, name) > 0) H5Adelete(object, name);
  hdf5::write_attribute(object, name, value, file);
}

}  // namespace

std::filesystem::path index_path(const std::filesystem::path& store) { return store / "results.h5"; }

void stat_shard_file(const std::filesystem::path& path, ShardEntry& entry) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return;
  entry.bytes = static_cast<std::int64_t>(info.st_size);
  entry.mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  entry.inode = static_cast<std::uint64_t>(info.st_ino);
}

ShardEntry entry_of_shard(const ShardSummary& shard) {
  ShardEntry entry;
  entry.job_id = shard.job_id;
  entry.kind = shard.kind;
  entry.status = shard.status;
  entry.attempt = shard.attempt;
  const auto total = shard.timings.find("total");
  entry.seconds = total == shard.timings.end() ? 0.0 : total->second;
  stat_shard_file(shard.path, entry);
  return entry;
}

StoreListing list_store(const std::filesystem::path& store) {
  StoreListing listing;
  const std::vector<CatalogRow> catalog = read_catalog(store, listing.index_read);
  std::error_code error;
  const auto directory = jobs_dir(store);
  std::vector<std::pair<ShardEntry, bool>> found;  // entry, new or changed
  std::size_t rows_found = 0;                      // catalog rows whose shard is still readable
  if (std::filesystem::is_directory(directory, error)) {
    for (const auto& item : std::filesystem::directory_iterator(directory, error)) {
      const std::filesystem::path& path = item.path();
      const std::string file_name = path.filename().string();
      if (file_name.empty() || file_name[0] == '.' || path.extension() != ".h5") continue;
      ShardEntry now;
      now.job_id = path.stem().string();
      stat_shard_file(path, now);
      const CatalogRow* row = find_row(catalog, now.job_id);
      if (row && row->bytes == now.bytes && row->mtime_ns == now.mtime_ns && row->inode == now.inode) {
        found.emplace_back(entry_of(*row), false);
        ++rows_found;
        continue;
      }
      try {
        const ShardSummary shard = read_shard(path);
        if (shard.job_id != now.job_id)
          throw StoreError(fmt::format("{}: holds job {}, not the job its name says", path.string(), shard.job_id));
        found.emplace_back(entry_of_shard(shard), true);
        if (row) ++rows_found;
      } catch (const StoreError& problem) {
        listing.unreadable.emplace_back(path, problem.what());
      }
    }
  }
  listing.index_lists_missing = rows_found < catalog.size();
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first.job_id < b.first.job_id; });
  std::sort(listing.unreadable.begin(), listing.unreadable.end());
  for (auto& [entry, changed] : found) {
    if (changed) listing.new_or_changed.push_back(listing.shards.size());
    listing.shards.push_back(std::move(entry));
  }
  return listing;
}

ResultIndex::ResultIndex(const std::filesystem::path& store, const StoreListing& listing)
    : store_(store), name_(index_path(store).string()) {
  hdf5::StoreLock lock;
  hdf5::quiet_errors();
  bool adopted = false;
  if (listing.index_read && !listing.index_lists_missing) {
    try {
      open_existing();
      adopted = true;
    } catch (const StoreError&) {  // changed since list_store read it: start afresh
      file_.reset();
      rows_.clear();
    }
  }
  if (adopted) {
    for (const std::size_t i : listing.new_or_changed) put(listing.shards[i]);
    return;
  }
  create_empty();
  for (const auto& entry : listing.shards) put(entry);
  dirty_ = true;  // an index describing the store as it is, even an empty one
}

ResultIndex::~ResultIndex() {
  hdf5::StoreLock lock;
  file_.reset();
}

void ResultIndex::create_empty() {
  file_ = hdf5::Handle(hdf5::create_memory_file(name_));
  hdf5::write_attribute(file_, "format_version", kStoreFormatVersion, name_);
  hdf5::Handle jobs =
      hdf5::checked(H5Gcreate2(file_, "jobs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create /jobs", name_);
  const hsize_t empty = 0, unlimited = H5S_UNLIMITED, chunk = kCatalogChunkRows;
  hdf5::Handle space = hdf5::checked(H5Screate_simple(1, &empty, &unlimited), "create a dataspace", name_);
  hdf5::Handle properties = hdf5::checked(H5Pcreate(H5P_DATASET_CREATE), "make dataset properties", name_);
  hdf5::check(H5Pset_chunk(properties, 1, &chunk), "set chunking", name_);
  hdf5::Handle catalog = hdf5::checked(
      H5Dcreate2(file_, kCatalog, catalog_type(), space, H5P_DEFAULT, properties, H5P_DEFAULT), "create /catalog",
      name_);
}

// Loads DIR/results.h5 into memory (the core driver without a backing store reads the file
// once and writes nothing back to it; write() replaces it atomically). No file lock: a
// reader that holds the index open (h5py) must not stop the run.
void ResultIndex::open_existing() {
  hdf5::Handle access = hdf5::checked(H5Pcreate(H5P_FILE_ACCESS), "make file access properties", name_);
  hdf5::check(H5Pset_fapl_core(access, 1 << 20, 0), "choose the in-memory driver", name_);
#if H5_VERSION_GE(1, 10, 7)
  hdf5::check(H5Pset_file_locking(access, false, true), "turn file locking off", name_);
#endif
  file_ = hdf5::checked(H5Fopen(name_.c_str(), H5F_ACC_RDWR, access), "open the index in memory", name_);
  for (const CatalogRow& row : read_catalog_rows(file_, name_)) {
    const bool done = row.status == 1;
    rows_[fixed_text(row.job_id, sizeof row.job_id)] = {rows_.size(), done};
    (done ? done_ : failed_)++;
  }
}

void ResultIndex::put(const ShardEntry& entry) {
  const bool done = entry.status == "done";
  const auto [it, added] = rows_.try_emplace(entry.job_id, Row{rows_.size(), done});
  if (!added) {
    (it->second.done ? done_ : failed_)--;
    it->second.done = done;
  }
  (done ? done_ : failed_)++;
  pending_.emplace_back(it->second.index, entry);
  dirty_ = true;
}

// Writes the pending rows: new ones appended (with their links), changed ones in place.
void ResultIndex::append_rows() {
  if (pending_.empty()) return;
  hdf5::Handle catalog = hdf5::checked(H5Dopen2(file_, kCatalog, H5P_DEFAULT), "open /catalog", name_);
  hdf5::Handle space = hdf5::checked(H5Dget_space(catalog), "read the shape of /catalog", name_);
  const hsize_t rows = static_cast<hsize_t>(H5Sget_simple_extent_npoints(space));
  hdf5::Handle jobs = hdf5::checked(H5Gopen2(file_, "jobs", H5P_DEFAULT), "open /jobs", name_);
  const hsize_t needed = rows_.size();
  if (needed > rows) {
    hdf5::check(H5Dset_extent(catalog, &needed), "extend /catalog", name_);
    space = hdf5::checked(H5Dget_space(catalog), "read the shape of /catalog", name_);
  }
  const hdf5::Handle type = catalog_type();
  const hsize_t one = 1;
  hdf5::Handle memory = hdf5::checked(H5Screate_simple(1, &one, nullptr), "create a dataspace", name_);
  for (const auto& [row, entry] : pending_) {
    if (row >= rows) {  // a job the index did not list yet
      const std::string target = "jobs/" + entry.job_id + ".h5";
      hdf5::check(H5Lcreate_external(target.c_str(), "/", jobs, entry.job_id.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                  "link " + entry.job_id, name_);
    }
    const hsize_t start = row;
    hdf5::check(H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, &one, nullptr), "select a row", name_);
    const CatalogRow data = row_of(entry);
    hdf5::check(H5Dwrite(catalog, type, memory, space, H5P_DEFAULT, &data), "write a catalog row", name_);
  }
  pending_.clear();
}

void ResultIndex::write() {
  if (!dirty_) return;
  std::vector<char> image;
  {
    hdf5::StoreLock lock;
    hdf5::quiet_errors();
    append_rows();
    set_attribute(file_, "updated_at", utc_timestamp_now(), name_);
    set_attribute(file_, "jobs_done", done_, name_);
    set_attribute(file_, "jobs_failed", failed_, name_);
    image = hdf5::file_image(file_, name_);
  }
  // The disk write and fsync happen without the store lock: shards go on being written.
  const auto temporary = temporary_beside(index_path(store_));
  hdf5::write_bytes_synced(image, temporary);
  publish_file(temporary, index_path(store_));
  dirty_ = false;
}

void write_index(const std::filesystem::path& store, const StoreListing& listing) {
  StoreListing fresh = listing;
  fresh.index_read = false;  // build anew
  ResultIndex index(store, fresh);
  index.write();
}

StoreScan rebuild_index(const std::filesystem::path& store) {
  StoreScan scan = scan_store(store);
  StoreListing listing;
  for (const auto& shard : scan.shards) listing.shards.push_back(entry_of_shard(shard));
  write_index(store, listing);
  return scan;
}

}  // namespace tunegrid
