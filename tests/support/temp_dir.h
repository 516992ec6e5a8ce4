// TempDir: a fresh, uniquely named directory for one test (under $TMPDIR, or /tmp when
// it is unset or empty), removed with everything in it when the TempDir is destroyed
// unless Keep() was called.
// Creation failing is fatal to the test process (there is no test without it), so a
// TempDir always names a directory that exists.
//
// Thread-safety: not thread-safe; the owner's thread uses it. Distinct TempDirs are
// independent.
#pragma once

#include <string>
#include <string_view>

namespace volumed::testing {

class TempDir {
 public:
  // `prefix` starts the directory's name (e.g. "volumed-crash"); six random characters
  // follow it.
  explicit TempDir(std::string_view prefix = "volumed-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Leaves the directory in place at destruction (to look into after a failure).
  void Keep() { keep_ = true; }
  // path() + "/" + name.
  std::string operator/(std::string_view name) const;

 private:
  std::string path_;
  bool keep_ = false;
};

}  // namespace volumed::testing
