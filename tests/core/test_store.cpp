// test_store.cpp — the result store: shard round trip (attributes, metrics, timings, loss,
// chunked deflated images), a writer killed mid-shard leaves nothing readable under the
// shard's name, truncated and newer-format shards are refused, the index rebuilds from the
// shards and its external links resolve (also while shards are written from another
// thread), a writer failing in its constructor leaves no temporary, and the run lock
// refuses a second holder and stays in place, empty, when released. The index's catalog:
// list_store trusts a row only while its shard file is unchanged (size, mtime, inode),
// reads new and changed shards, reports removed and damaged ones, and ResultIndex adds and
// replaces rows in memory and publishes a whole file.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "core/errors.h"
#include "core/hdf5_handles.h"
#include "core/result_index.h"
#include "core/run_lock.h"
#include "core/shard_reader.h"
#include "core/shard_writer.h"
#include "tests/temp_dir.h"

using namespace tunegrid;
namespace fs = std::filesystem;

namespace {

struct TempStore : tunegrid::testing::TempDir {  // an empty store: DIR/jobs/
  TempStore() : tunegrid::testing::TempDir("store") { fs::create_directories(path / "jobs"); }
};

ShardHeader header_for(const std::string& id, JobStatus status = JobStatus::done) {
  ShardHeader header;
  header.job_id = id;
  header.kind = "bench.noop";
  header.status = status;
  header.attempt = 2;
  header.started_at = "2026-01-01T00:00:00.000Z";
  header.finished_at = "2026-01-01T00:00:01.000Z";
  header.host = "testhost";
  header.ranks = 1;
  header.spec = "kind = \"bench.noop\"\n";
  header.params = {{"method", Value("lora")}, {"train_images", Value(5)}, {"lr", Value(1e-4)}};
  if (status == JobStatus::failed) header.error = "it broke: ünïcode";
  return header;
}

JobOutputs sample_outputs() {
  JobOutputs outputs;
  outputs.metrics = {{"clip_score", 0.25}, {"gflops_64", 12.5}};
  outputs.timings = {{"train", 3.5}, {"total", 4.0}};
  outputs.loss = {0.5f, 0.25f, 0.125f};
  ImageBatch batch;
  batch.key = "prompt_a";
  batch.count = 2;
  batch.height = 4;
  batch.width = 3;
  for (int i = 0; i < 2 * 4 * 3 * 3; ++i) batch.pixels.push_back(static_cast<std::uint8_t>(i * 3));
  outputs.images.push_back(batch);
  return outputs;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store)

BOOST_AUTO_TEST_CASE(shard_round_trip) {
  TempStore store;
  const fs::path path = write_shard(store.path, header_for("00000000000000aa"), sample_outputs());
  BOOST_TEST(path == shard_path(store.path, "00000000000000aa"));
  const ShardSummary shard = read_shard(path);
  BOOST_TEST(shard.job_id == "00000000000000aa");
  BOOST_TEST(shard.status == "done");
  BOOST_TEST(shard.attempt == 2);
  BOOST_TEST(shard.host == "testhost");
  BOOST_TEST(shard.params.at("method") == "lora");
  BOOST_TEST(shard.params.at("train_images") == "5");
  BOOST_TEST(shard.metrics.at("clip_score") == 0.25);
  BOOST_TEST(shard.timings.at("train") == 3.5);
  BOOST_TEST(shard.loss_steps == 3u);
  BOOST_TEST(shard.image_keys == std::vector<std::string>{"prompt_a"});

  // Images: uint8 [N,H,W,3], one chunk per image, deflate, CLASS=IMAGE; pixels intact.
  hdf5::quiet_errors();
  hdf5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  hdf5::Handle dataset(H5Dopen2(file, "/images/prompt_a", H5P_DEFAULT));
  BOOST_REQUIRE(dataset.get() >= 0);
  hdf5::Handle properties(H5Dget_create_plist(dataset));
  hsize_t chunk[4] = {};
  BOOST_TEST(H5Pget_chunk(properties, 4, chunk) == 4);
  BOOST_TEST((chunk[0] == 1 && chunk[1] == 4 && chunk[2] == 3 && chunk[3] == 3));
  BOOST_TEST(H5Pget_nfilters(properties) == 1);
  unsigned flags = 0, values[4] = {};
  std::size_t count = 4;
  char name[32];
  BOOST_TEST(H5Pget_filter2(properties, 0, &flags, &count, values, sizeof name, name, nullptr) == H5Z_FILTER_DEFLATE);
  BOOST_TEST(*hdf5::read_string_attribute(dataset, "CLASS", path) == "IMAGE");
  std::vector<std::uint8_t> pixels(2 * 4 * 3 * 3);
  H5Dread(dataset, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, pixels.data());
  BOOST_TEST(pixels == sample_outputs().images[0].pixels);
  BOOST_TEST(*hdf5::read_int_attribute(file, "format_version", path) == kStoreFormatVersion);
}

// A confusion matrix: int64 [n,n] with its labels, read back intact; bad keys and shapes are
// StoreErrors naming the file.
BOOST_AUTO_TEST_CASE(count_matrices_round_trip) {
  TempStore store;
  JobOutputs outputs;
  outputs.matrices["confusion"] = CountMatrix{{"airplane", "beach", "forêt"}, {5, 1, 0, 0, 6, 0, 2, 0, 4}};
  const fs::path path = write_shard(store.path, header_for("00000000000000ac"), outputs);
  BOOST_TEST(read_shard(path).matrix_keys == std::vector<std::string>{"confusion"});
  const CountMatrix back = read_shard_matrix(path, "confusion");
  BOOST_TEST(back.labels == outputs.matrices["confusion"].labels);
  BOOST_TEST(back.counts == outputs.matrices["confusion"].counts);
  BOOST_CHECK_THROW(read_shard_matrix(path, "confusions"), StoreError);
  BOOST_CHECK_THROW(read_shard_matrix(path, ""), StoreError);
  JobOutputs bad;
  bad.matrices["confusion"] = CountMatrix{{"a", "b"}, {1, 2, 3}};
  BOOST_CHECK_THROW(write_shard(store.path, header_for("00000000000000ad"), bad), StoreError);
}

BOOST_AUTO_TEST_CASE(failed_shard_keeps_its_error) {
  TempStore store;
  const ShardSummary shard = read_shard(write_shard(store.path, header_for("00000000000000bb", JobStatus::failed), {}));
  BOOST_TEST(shard.status == "failed");
  BOOST_TEST(shard.error == "it broke: ünïcode");
}

BOOST_AUTO_TEST_CASE(writer_killed_mid_shard_leaves_no_readable_shard) {
  TempStore store;
  const pid_t child = fork();
  if (child == 0) {
    ShardWriter writer(store.path, header_for("00000000000000cc"));
    writer.write_outputs(sample_outputs());
    raise(SIGKILL);  // dies before commit()
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  BOOST_TEST(WIFSIGNALED(status));
  BOOST_TEST(!fs::exists(shard_path(store.path, "00000000000000cc")));
  const StoreScan scan = scan_store(store.path);
  BOOST_TEST(scan.shards.empty());
  BOOST_TEST(scan.unreadable.empty());
  BOOST_TEST(fs::is_empty(store.path / "jobs"));  // shards are built in memory until commit()
  // A writer killed while commit() writes its temporary leaves that behind: not a shard,
  // removed at the next start.
  std::ofstream(store.path / "jobs" / ".00000000000000cc.tmp-host-123") << "partial";
  BOOST_TEST(scan_store(store.path).unreadable.empty());
  BOOST_TEST(remove_stale_temporaries(store.path) == 1);
  BOOST_TEST(fs::is_empty(store.path / "jobs"));
}

BOOST_AUTO_TEST_CASE(writer_destroyed_without_commit_removes_its_temporary) {
  TempStore store;
  {
    ShardWriter writer(store.path, header_for("00000000000000dd"));
    writer.write_outputs(sample_outputs());
    BOOST_TEST(!fs::exists(writer.temporary_path()));  // in memory until commit()
  }
  BOOST_TEST(fs::is_empty(store.path / "jobs"));
}

BOOST_AUTO_TEST_CASE(writer_failing_in_its_constructor_leaves_no_temporary) {
  TempStore store;
  ShardHeader header = header_for("00000000000000de");
  header.params.emplace_back("", Value(1));  // HDF5 refuses an empty attribute name
  BOOST_CHECK_THROW(ShardWriter writer(store.path, header), StoreError);
  BOOST_CHECK_THROW(write_shard(store.path, header, sample_outputs()), StoreError);
  header = header_for("00000000000000df");
  header.params.emplace_back("method", Value("again"));  // a second attribute of the same name
  BOOST_CHECK_THROW(write_shard(store.path, header, {}), StoreError);
  BOOST_TEST(fs::is_empty(store.path / "jobs"));
  BOOST_TEST(remove_stale_temporaries(store.path) == 0);
}

BOOST_AUTO_TEST_CASE(shards_and_index_written_from_two_threads_stay_readable) {
  // Rank 0 writes shards on its worker thread while its scheduler thread rewrites the index
  // (every store entry point takes the store lock itself).
  TempStore store;
  constexpr int kShards = 40;
  std::atomic<bool> writing{true};
  std::thread indexer([&] {
    while (writing) {
      write_index(store.path, list_store(store.path));
    }
  });
  std::vector<std::string> ids;
  for (int i = 0; i < kShards; ++i) {
    ids.push_back(fmt::format("{:016x}", 0x1000 + i));
    write_shard(store.path, header_for(ids.back()), sample_outputs());
  }
  writing = false;
  indexer.join();
  const StoreScan scan = rebuild_index(store.path);
  BOOST_TEST(scan.shards.size() == static_cast<std::size_t>(kShards));
  BOOST_TEST(scan.unreadable.empty());
}

BOOST_AUTO_TEST_CASE(truncated_and_foreign_shards_are_unreadable) {
  TempStore store;
  const fs::path good = write_shard(store.path, header_for("00000000000000e1"), sample_outputs());
  const fs::path cut = write_shard(store.path, header_for("00000000000000e2"), sample_outputs());
  fs::resize_file(cut, fs::file_size(cut) / 2);
  const fs::path renamed = store.path / "jobs" / "00000000000000e3.h5";
  fs::copy_file(good, renamed);  // holds job e1 under e3's name
  const StoreScan scan = scan_store(store.path);
  BOOST_TEST(scan.shards.size() == 1u);
  BOOST_TEST(scan.unreadable.size() == 2u);
  BOOST_CHECK_THROW(read_shard(cut), StoreError);
}

BOOST_AUTO_TEST_CASE(newer_format_is_refused) {
  TempStore store;
  const fs::path path = write_shard(store.path, header_for("00000000000000f1"), {});
  {
    hdf5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    H5Adelete(file, "format_version");
    hdf5::write_attribute(file, "format_version", kStoreFormatVersion + 1, path.string());
  }
  try {
    read_shard(path);
    BOOST_FAIL("a newer shard was read");
  } catch (const StoreError& error) {
    BOOST_TEST(std::string(error.what()).find("newer") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(index_rebuilds_from_shards_with_resolving_links) {
  TempStore store;
  for (const char* id : {"0000000000000011", "0000000000000022", "0000000000000033"})
    write_shard(store.path, header_for(id), sample_outputs());
  write_shard(store.path, header_for("0000000000000044", JobStatus::failed), {});
  const StoreScan scan = rebuild_index(store.path);
  BOOST_TEST(scan.shards.size() == 4u);

  // Open the index from another working directory: the relative links must still resolve.
  const fs::path cwd = fs::current_path();
  fs::current_path("/");
  hdf5::Handle index(H5Fopen(index_path(store.path).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  BOOST_REQUIRE(index.get() >= 0);
  BOOST_TEST(*hdf5::read_int_attribute(index, "jobs_done", "index") == 3);
  BOOST_TEST(*hdf5::read_int_attribute(index, "jobs_failed", "index") == 1);
  hdf5::Handle jobs(H5Gopen2(index, "jobs", H5P_DEFAULT));
  BOOST_TEST(hdf5::member_names(jobs, "index").size() == 4u);
  hdf5::Handle linked(H5Gopen2(index, "jobs/0000000000000022", H5P_DEFAULT));
  BOOST_REQUIRE(linked.get() >= 0);
  BOOST_TEST(*hdf5::read_string_attribute(linked, "job_id", "linked") == "0000000000000022");
  fs::current_path(cwd);
}

BOOST_AUTO_TEST_CASE(catalog_lists_unchanged_shards_without_opening_them) {
  TempStore store;
  write_shard(store.path, header_for("0000000000000011"), sample_outputs());
  write_shard(store.path, header_for("0000000000000022", JobStatus::failed), {});
  StoreListing first = list_store(store.path);
  BOOST_TEST(!first.index_read);
  BOOST_TEST(first.new_or_changed.size() == 2u);
  write_index(store.path, first);

  StoreListing again = list_store(store.path);
  BOOST_TEST(again.index_read);
  BOOST_TEST(again.index_current());
  BOOST_REQUIRE(again.shards.size() == 2u);
  BOOST_TEST(again.shards[0].job_id == "0000000000000011");
  BOOST_TEST(again.shards[0].kind == "bench.noop");
  BOOST_TEST(again.shards[0].status == "done");
  BOOST_TEST(again.shards[0].attempt == 2);
  BOOST_TEST(again.shards[1].status == "failed");
  BOOST_TEST(again.shards[0].seconds == sample_outputs().timings.at("total"));

  // A catalog row is trusted only while its file is unchanged: the catalog says "done", the
  // shard rewritten in its place says "failed", and the listing believes the shard.
  write_shard(store.path, header_for("0000000000000011", JobStatus::failed), {});
  write_shard(store.path, header_for("0000000000000033"), sample_outputs());
  StoreListing changed = list_store(store.path);
  BOOST_TEST(!changed.index_current());
  BOOST_TEST(changed.new_or_changed.size() == 2u);
  BOOST_TEST(changed.shards[0].status == "failed");
  BOOST_TEST(!changed.index_lists_missing);

  // A truncated shard is unreadable, and the index must drop its row.
  const fs::path cut = shard_path(store.path, "0000000000000022");
  fs::resize_file(cut, fs::file_size(cut) / 2);
  StoreListing damaged = list_store(store.path);
  BOOST_TEST(damaged.unreadable.size() == 1u);
  BOOST_TEST(damaged.index_lists_missing);
}

BOOST_AUTO_TEST_CASE(result_index_adds_and_replaces_rows_in_a_whole_file) {
  TempStore store;
  write_shard(store.path, header_for("00000000000000a1"), sample_outputs());
  {
    ResultIndex index(store.path, list_store(store.path));
    index.write();
    BOOST_TEST(!index.dirty());
    for (const char* id : {"00000000000000a2", "00000000000000a3"}) {
      write_shard(store.path, header_for(id), sample_outputs());
      ShardEntry entry;
      entry.job_id = id;
      entry.kind = "bench.noop";
      entry.status = "done";
      entry.attempt = 1;
      stat_shard_file(shard_path(store.path, id), entry);
      index.put(entry);
    }
    write_shard(store.path, header_for("00000000000000a1", JobStatus::failed), {});  // a job's shard replaced
    ShardEntry replaced = entry_of_shard(read_shard(shard_path(store.path, "00000000000000a1")));
    index.put(replaced);
    BOOST_TEST(index.size() == 3u);
    index.write();
  }
  // The published file: three links that resolve, the counts, and a catalog that matches.
  hdf5::Handle file(H5Fopen(index_path(store.path).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  BOOST_REQUIRE(file.get() >= 0);
  BOOST_TEST(*hdf5::read_int_attribute(file, "jobs_done", "index") == 2);
  BOOST_TEST(*hdf5::read_int_attribute(file, "jobs_failed", "index") == 1);
  hdf5::Handle jobs(H5Gopen2(file, "jobs", H5P_DEFAULT));
  BOOST_TEST(hdf5::member_names(jobs, "index").size() == 3u);
  hdf5::Handle linked(H5Gopen2(file, "jobs/00000000000000a3", H5P_DEFAULT));
  BOOST_TEST(linked.get() >= 0);
  const StoreListing listing = list_store(store.path);
  BOOST_TEST(listing.index_current());
  BOOST_TEST(listing.shards.size() == 3u);
  BOOST_TEST(listing.shards[0].status == "failed");

  // Adopted again by a second run, which adds one more: one file, four rows.
  write_shard(store.path, header_for("00000000000000a4"), sample_outputs());
  {
    ResultIndex index(store.path, list_store(store.path));
    BOOST_TEST(index.dirty());
    index.write();
  }
  BOOST_TEST(list_store(store.path).index_current());
  BOOST_TEST(list_store(store.path).shards.size() == 4u);
}

BOOST_AUTO_TEST_CASE(run_lock_refuses_a_second_holder) {
  TempStore store;
  {
    RunLock first(store.path);
    try {
      RunLock second(store.path);
      BOOST_FAIL("a second lock was granted");
    } catch (const InputError& error) {
      BOOST_TEST(std::string(error.what()).find("another run") != std::string::npos);
      BOOST_TEST(std::string(error.what()).find(std::to_string(getpid())) != std::string::npos);
    }
  }
  RunLock again(store.path);  // released with its holder
}

BOOST_AUTO_TEST_CASE(released_run_lock_stays_in_place_and_empty) {
  // Unlinking run.lock on release would let two later runs lock two different files of the
  // same name; the file stays, only its holder text goes.
  TempStore store;
  const fs::path path = store.path / "run.lock";
  ino_t inode = 0;
  {
    RunLock lock(store.path);
    BOOST_TEST(fs::file_size(path) > 0u);  // names its holder
    struct stat status {};
    BOOST_REQUIRE(::stat(path.c_str(), &status) == 0);
    inode = status.st_ino;
  }
  BOOST_REQUIRE(fs::exists(path));
  BOOST_TEST(fs::file_size(path) == 0u);
  const int fd = ::open(path.c_str(), O_RDWR);
  BOOST_REQUIRE(fd >= 0);
  BOOST_TEST(::flock(fd, LOCK_EX | LOCK_NB) == 0);  // not held
  ::flock(fd, LOCK_UN);
  ::close(fd);
  RunLock again(store.path);
  struct stat status {};
  BOOST_REQUIRE(::stat(path.c_str(), &status) == 0);
  BOOST_TEST(status.st_ino == inode);  // the same file, so every run locks the same inode
}

BOOST_AUTO_TEST_CASE(run_lock_of_a_killed_process_is_released) {
  TempStore store;
  int ready[2];
  BOOST_REQUIRE(pipe(ready) == 0);
  const pid_t child = fork();
  if (child == 0) {
    RunLock lock(store.path);
    char byte = 1;
    if (write(ready[1], &byte, 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  char byte = 0;
  BOOST_REQUIRE(read(ready[0], &byte, 1) == 1);
  BOOST_CHECK_THROW(RunLock held(store.path), InputError);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  RunLock after(store.path);
  close(ready[0]);
  close(ready[1]);
}

BOOST_AUTO_TEST_SUITE_END()
