#include "remote_path.h"

#include "storage/volume_name.h"

namespace volumectl {

CliResult<RemotePath> ParseRemotePath(std::string_view text) {
  RemotePath out;
  const size_t colon = text.find(':');
  out.volume = std::string(text.substr(0, colon));
  if (const volumed::Status s = volumed::storage::ValidateExportName(out.volume); !s.ok()) {
    return Fail(Exit::kUsage, "'" + std::string(text) + "': " + s.message());
  }
  std::string path = colon == std::string_view::npos ? "/" : std::string(text.substr(colon + 1));
  if (path.empty()) path = "/";
  if (path.front() != '/') path = "/" + path;
  out.trailing_slash = path.size() > 1 && path.back() == '/';
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  out.path = path;
  return out;
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return std::string(path);
  if (path.size() == 1) return "/";
  return std::string(path.substr(slash + 1));
}

}  // namespace volumectl
