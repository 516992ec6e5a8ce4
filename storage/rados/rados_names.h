// RadosNames: how the RADOS Env lays a directory tree of LevelDB files out in one pool —
// the pure part (no librados), so that it can be unit-tested without a cluster.
//
// Grammar (one RADOS namespace per directory, i.e. per LevelDB database):
//   path       := root "/" dir "/" name          (LevelDB's files live one level deep)
//   namespace  := [prefix "/"] dir               (dir "" for a file directly under root;
//                                                prefix: RadosEnvOptions::namespace_prefix,
//                                                so cephx caps namespace=prefix/* cover all)
//   directory  := object "volumed.dir"           omap: name → file id  (never empty values)
//                                                omap header: "open" | "clean"
//   lock       := object "volumed.lock"          cls_lock "volumed", xattr "owner"
//   file id    := "f." hex(rados instance) "." seq "." name
//   chunk      := file id "/" n                  n = 0, 1, …: bytes [n·C, (n+1)·C) of the
//                                                file, C = the Env's chunk size
//   cookie     := gateway "/" hex(nonce)         the lock holder's identity
// A file id is new for every incarnation of a name (create replaces), so a stale writer or
// reader never touches a newer file of the same name.
//
// Thread-safety: stateless free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace volumed::storage::rados {

inline constexpr std::string_view kDirectoryObject = "volumed.dir";
inline constexpr std::string_view kLockObject = "volumed.lock";
inline constexpr std::string_view kLockName = "volumed";
inline constexpr std::string_view kOwnerXattr = "owner";
inline constexpr std::string_view kHeaderOpen = "open";
inline constexpr std::string_view kHeaderClean = "clean";

// A file path split into the namespace of its directory and its name.
struct FilePath {
  std::string ns;
  std::string name;
};

// `path` relative to `root` ("" for root itself); nullopt when `path` is not under root.
std::optional<std::string> RelativeToRoot(std::string_view root, std::string_view path);

// The namespace of the directory `path`; nullopt when it is not under root.
std::optional<std::string> DirectoryNamespace(std::string_view root, std::string_view path);

// The RADOS namespace of directory namespace `dir` under the store's `prefix` ("" = none).
std::string PrefixedNamespace(std::string_view prefix, std::string_view dir);

// The namespace and name of the file `path`; nullopt when it is not a file under root.
std::optional<FilePath> SplitFilePath(std::string_view root, std::string_view path);

std::string MakeFileId(uint64_t instance, uint64_t seq, std::string_view name);
std::string ChunkObject(std::string_view file_id, uint64_t chunk);

// The file id a chunk object belongs to; nullopt for objects that are not chunks
// (the directory, the lock, anything foreign).
std::optional<std::string> FileIdOfChunk(std::string_view object);

std::string MakeCookie(std::string_view gateway, uint64_t nonce);
// A random nonce for a cookie or an instance id.
uint64_t RandomNonce();
// The gateway part of a cookie ("" when it has none).
std::string_view GatewayOfCookie(std::string_view cookie);

}  // namespace volumed::storage::rados
