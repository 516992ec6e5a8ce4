// The crash model: what the server acknowledged, and so what must survive a SIGKILL.
//
// Per file: `durable` holds the bytes known to be stable (FILE_SYNC/DATA_SYNC writes,
// COMMITted UNSTABLE writes, truncates — every SETATTR is durable before its reply);
// `maybe` holds acknowledged-but-uncommitted UNSTABLE writes, and the write in flight at
// the kill, each of which may or may not have survived. After a crash, a file passes when
//  - its size is the durable size or the end of one surviving maybe-write beyond it;
//  - every byte is its durable value (zero past the durable size) or the value of one
//    maybe-write covering it;
//  - no maybe-write is half there: among its bytes that no other write could explain,
//    either all or none hold its data (a WRITE is one storage batch).
// Namespace changes (create, remove, rename, truncate) are durable before their reply: the
// set of names must equal the model, or — for the one operation in flight at the kill —
// the model with that operation applied (a World each; one of them must match whole).
//
// Thread-safety: plain values; not synchronised.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace volumed::crashmatrix {

struct Extent {
  uint64_t offset = 0;
  std::string data;
  uint64_t end() const { return offset + data.size(); }
};

struct FileModel {
  std::string durable;
  std::vector<Extent> maybe;

  void StableWrite(uint64_t offset, const std::string& data);
  void UnstableWrite(uint64_t offset, const std::string& data);
  void Commit();
  void Truncate(uint64_t size);
  // The size the file has if every maybe-write survived (what READ/GETATTR show now).
  uint64_t LiveSize() const;
};

// Paths are "dir/name" under the test's root directory.
struct World {
  std::map<std::string, FileModel> files;
};

// Problems found comparing a file's content after the crash with its model; empty = ok.
std::vector<std::string> CheckFile(const std::string& path, const FileModel& model,
                                   const std::string& actual);
// The whole namespace and every file's content; empty = ok.
std::vector<std::string> CheckWorld(const World& world,
                                    const std::map<std::string, std::string>& actual);

}  // namespace volumed::crashmatrix
