// shard_writer.h — writes one job's shard atomically: it is built in memory
// (hdf5_memory_file.h) and commit() writes it to a hidden temporary file beside the final
// one, fsyncs it and renames it into place; a write that fails (a full disk) is a
// StoreError with the reason, and no file appears. A writer destroyed (or a process killed) before commit() leaves no file under
// the shard's name; its temporary is removed by the destructor or, after a kill, by
// remove_stale_temporaries() at the next run's start.
#pragma once
#include <filesystem>
#include <string>

#include "core/atomic_file.h"
#include "core/hdf5_handles.h"
#include "core/shard.h"

namespace tunegrid {

class ShardWriter {
 public:
  ShardWriter(const std::filesystem::path& store, const ShardHeader& header);
  ~ShardWriter();
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  void write_outputs(const JobOutputs& outputs);
  void write_images(const ImageBatch& batch);
  void write_matrix(const std::string& name, const CountMatrix& matrix);
  // Closes, fsyncs and renames the shard into place; returns its final path.
  std::filesystem::path commit();

  const std::filesystem::path& temporary_path() const { return temporary_; }

 private:
  std::filesystem::path final_, temporary_;
  hdf5::Handle file_;
  bool committed_ = false;
};

// Writes header and outputs in one go.
std::filesystem::path write_shard(const std::filesystem::path& store, const ShardHeader& header,
                                  const JobOutputs& outputs);

// Removes temporaries left by killed writers; returns how many.
int remove_stale_temporaries(const std::filesystem::path& store);

}  // namespace tunegrid
