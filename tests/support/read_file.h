// ReadFile: a whole file's bytes, for tests ("" when it cannot be read).
//
// Thread-safety: a free function.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace volumed::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace volumed::testing
