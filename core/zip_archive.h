// zip_archive.h — the entries of a zip file whose members are stored uncompressed, as
// torch.save writes them (PyTorch's PyTorchStreamWriter: method 0, 64-byte aligned data,
// zip64 records past 4 GiB). Reads the central directory (APPNOTE 4.3.12/4.3.16, zip64 4.3.14)
// and the local headers to find each member's bytes. Every problem — not a zip, a compressed
// or encrypted member, a member past the end — is an InputError naming the file.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tunegrid {

class ZipArchive {
 public:
  explicit ZipArchive(const std::filesystem::path& file);  // reads the whole file
  ZipArchive(std::string bytes, std::string name);          // tests
  ZipArchive(const ZipArchive&) = delete;                   // members are views into bytes_
  ZipArchive& operator=(const ZipArchive&) = delete;

  // Member names in directory order.
  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const { return members_.count(name) != 0; }
  // A member's bytes (a view into the archive); InputError naming the file when absent.
  std::string_view member(const std::string& name) const;
  const std::string& name() const { return name_; }

 private:
  void read_directory();
  [[noreturn]] void fail(const std::string& what) const;

  std::string bytes_;
  std::string name_;
  std::vector<std::string> names_;
  std::map<std::string, std::string_view> members_;
};

}  // namespace tunegrid
