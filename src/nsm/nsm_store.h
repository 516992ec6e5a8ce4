// NsmStore: what the status monitor must remember across restarts — our own NSM state
// number and the client hosts that hold (or held) locks here — in a small LevelDB
// (DATA/nsm/, or DATA/gateway/<id>/nsm in a shared store: storage/gateway_registry.h
// GatewayMembershipDir) opened through storage::KvFactory, so all file access goes through the
// store's leveldb::Env (DESIGN.md §11). Every change is a synced write: a host is on disk
// before its first lock is granted.
//
// On-disk grammar (keys and values; integers big-endian):
//   key "s"                 → value  version:u8(=1) state:u32
//   key "h" name-bytes      → value  version:u8(=1) family:u8(4|6) address:u8[4|16]
//                                    since_unix_s:i64
//   key "n" name-bytes      → value  version:u8(=1) state:u32       (an alias)
// A value with another version is kCorruption.
//
// An alias is another name this monitor announces itself by: the service address of a
// gateway whose volumes this one took over, with the state last announced under it (so
// the next announcement under that name can differ from every earlier one).
//
// Thread-safety: thread-safe (Kv is; each method is one read or one write).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "storage/kv.h"

namespace volumed::nsm {

struct MonitoredHost {
  std::string name;     // the NLM caller_name
  std::string address;  // numeric IPv4/IPv6 address, where its statd is asked for
  int64_t since_unix_s = 0;
  friend bool operator==(const MonitoredHost&, const MonitoredHost&) = default;
};

struct NsmAlias {
  std::string name;  // as clients know that server: its service address
  uint32_t state = 0;
  friend bool operator==(const NsmAlias&, const NsmAlias&) = default;
};

// The state after `state` that says "up": the next odd number (odd = up). Every start,
// simulated crash and takeover moves on by it, so that peers see a change.
uint32_t NextUpState(uint32_t state);

class NsmStore {
 public:
  // Opens (creating) the database in `path` (its parent must exist).
  static Result<std::unique_ptr<NsmStore>> Open(storage::KvFactory& factory,
                                                const std::string& path);

  // The stored state number; 0 when none was ever stored.
  Result<uint32_t> State() const;
  Status SetState(uint32_t state);
  // Moves the stored state on (NextUpState) and returns it.
  Result<uint32_t> BumpState();
  Status PutHost(const MonitoredHost& host);
  Status RemoveHost(const std::string& name);
  Result<std::vector<MonitoredHost>> Hosts() const;
  Status PutAlias(const NsmAlias& alias);
  Status RemoveAlias(const std::string& name);
  Result<std::vector<NsmAlias>> Aliases() const;

 private:
  explicit NsmStore(std::unique_ptr<storage::Kv> kv) : kv_(std::move(kv)) {}
  std::unique_ptr<storage::Kv> kv_;
};

}  // namespace volumed::nsm
