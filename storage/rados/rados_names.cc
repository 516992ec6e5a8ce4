#include "storage/rados/rados_names.h"

#include <fmt/format.h>

#include <charconv>
#include <random>

namespace volumed::storage::rados {
namespace {

bool IsDecimal(std::string_view s) {
  if (s.empty()) return false;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size();
}

std::string_view TrimTrailingSlashes(std::string_view s) {
  while (s.size() > 1 && s.back() == '/') s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> RelativeToRoot(std::string_view root, std::string_view path) {
  root = TrimTrailingSlashes(root);
  path = TrimTrailingSlashes(path);
  if (path == root) return std::string();
  if (path.size() <= root.size() + 1 || path.substr(0, root.size()) != root ||
      path[root.size()] != '/') {
    return std::nullopt;
  }
  return std::string(path.substr(root.size() + 1));
}

std::optional<std::string> DirectoryNamespace(std::string_view root, std::string_view path) {
  return RelativeToRoot(root, path);
}

std::string PrefixedNamespace(std::string_view prefix, std::string_view dir) {
  if (prefix.empty()) return std::string(dir);
  return fmt::format("{}/{}", prefix, dir);  // "P/" for root: every namespace starts "P/"
}

std::optional<FilePath> SplitFilePath(std::string_view root, std::string_view path) {
  auto rel = RelativeToRoot(root, path);
  if (!rel || rel->empty()) return std::nullopt;
  const size_t slash = rel->rfind('/');
  if (slash == std::string::npos) return FilePath{"", *rel};
  FilePath out{rel->substr(0, slash), rel->substr(slash + 1)};
  if (out.name.empty()) return std::nullopt;
  return out;
}

std::string MakeFileId(uint64_t instance, uint64_t seq, std::string_view name) {
  return fmt::format("f.{:x}.{}.{}", instance, seq, name);
}

std::string ChunkObject(std::string_view file_id, uint64_t chunk) {
  return fmt::format("{}/{}", file_id, chunk);
}

std::optional<std::string> FileIdOfChunk(std::string_view object) {
  if (object.substr(0, 2) != "f.") return std::nullopt;
  const size_t slash = object.rfind('/');
  if (slash == std::string_view::npos || !IsDecimal(object.substr(slash + 1))) {
    return std::nullopt;
  }
  return std::string(object.substr(0, slash));
}

uint64_t RandomNonce() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

std::string MakeCookie(std::string_view gateway, uint64_t nonce) {
  return fmt::format("{}/{:016x}", gateway, nonce);
}

std::string_view GatewayOfCookie(std::string_view cookie) {
  const size_t slash = cookie.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : cookie.substr(0, slash);
}

}  // namespace volumed::storage::rados
