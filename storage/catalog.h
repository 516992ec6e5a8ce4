// VolumeCatalog: names → volumes, and their lifecycle. Holds per volume its name, id,
// epoch, kind (persisted | ephemeral with a lease expiry), export policy, quota and
// creation time in a small catalog LevelDB (DATA/catalog/), and opens each volume's own
// LevelDB (DATA/volumes/<id>/) on demand, closing it again when idle. Deleting a volume closes its
// DB and destroys its directory. All file access goes through a leveldb::Env (DESIGN.md §11): Open
// is the one factory that picks the store — the embedded one (files under the data directory) or
// Ceph RADOS (the same paths, each directory a RADOS namespace of one pool,
// storage/rados/rados_env.h), for the catalog and every volume alike.
//
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/cidr.h"
#include "base/result.h"
#include "base/status.h"
#include "storage/catalog_table.h"
#include "storage/database_cloner.h"
#include "storage/read_ahead.h"
#include "storage/store_capacity.h"
#include "storage/types.h"
#include "storage/volume.h"

namespace leveldb {
class Env;
}

namespace volumed::storage {

enum class VolumeKind : unsigned char { kPersisted = 1, kEphemeral = 2 };
enum class Squash : unsigned char { kNone = 0, kRoot = 1, kAll = 2 };

struct ExportPolicy {
  std::vector<std::string> allowed_cidrs;  // empty = every client
  bool read_only = false;
  Squash squash = Squash::kRoot;
  uint32_t anon_uid = 65534;
  uint32_t anon_gid = 65534;
};

struct VolumeInfo {
  std::string name;
  uint64_t id = 0;
  uint64_t epoch = 0;
  VolumeKind kind = VolumeKind::kPersisted;
  int64_t lease_expiry_ns = 0;  // ephemeral only: unix time in ns
  ExportPolicy policy;
  Quota quota;
  int64_t created_ns = 0;
  // A snapshot is served as "name@snapshot" (storage/volume_name.h), read-only;
  // `snapshot` is empty for a volume. origin_id: the volume a snapshot was taken of or a
  // fork was made from (0: neither); it may have been deleted since.
  std::string snapshot;
  uint64_t origin_id = 0;
  // Which directory holds the database: volumes/<id> at 0, volumes/<id>.<n> after the
  // n-th Restore (each restore builds the restored database beside the old one).
  uint32_t incarnation = 0;
  // The gateway serving it (README "Scaling out"): its id in a store several gateways
  // share; "" on a store only this server uses. Kept beside the record (placement), so
  // that moving a volume never rewrites its record.
  std::string owner;
};

// One volumed server of the several that share a RADOS store (a gateway). Membership is
// a lease each live gateway keeps renewing in RADOS; its record (addresses, load) is in
// the catalog every gateway reads.
struct GatewayInfo {
  std::string id;
  // Its own service address: clients mount ADDRESS:/NAME of the volumes it owns.
  std::string address;
  // The service addresses it answers on now: its own and those of dead gateways whose
  // volumes it took over.
  std::vector<std::string> held;
  bool live = false;     // its membership lease has not lapsed
  bool self = false;     // this server
  uint32_t volumes = 0;  // volumes it owns: its load, for placing new volumes
  int64_t seen_ns = 0;   // unix time of its last record update
};

// The host part of a service address as gateway records keep it ("A.B.C.D/PREFIX", the
// prefix the address is added to an interface with): what clients mount and call.
inline std::string_view ServiceAddressHost(std::string_view address) {
  return address.substr(0, address.find('/'));
}

// A volume as requests are served on it: the opened volume, the catalog record it is
// served under and that record's client patterns parsed (base/cidr.h). Immutable: the
// catalog replaces it whole (a new object) when the record changes (SetPolicy,
// RenewLease) and drops it when the volume is deleted, so whoever holds one sees one
// consistent record, and per request nothing is read from disk or parsed again.
struct ServedVolume {
  std::shared_ptr<Volume> volume;
  VolumeInfo info;
  std::vector<Cidr> clients;  // ParseCidrs(info.policy.allowed_cidrs)
};

// What a gateway took over from a dead one (VolumeCatalog::AdoptGateway).
struct GatewayAdoption {
  std::string gateway;                 // the dead gateway
  std::string address;                 // its own service address
  std::vector<std::string> addresses;  // every address it answered on
  std::vector<uint64_t> volumes;       // the volumes now ours
  std::string membership_dir;          // its status monitor's database (DATA/gateway/ID/nsm)
};

struct CreateVolumeRequest {
  std::string name;
  VolumeKind kind = VolumeKind::kPersisted;
  int64_t lease_ttl_ns = 0;  // ephemeral only
  ExportPolicy policy;
  Quota quota;
};

enum class StoreKind : unsigned char { kEmbedded = 1, kRados = 2 };

// Where a store keeps a volume, for people: kind plus a path or a pool and namespace.
struct StoreLocation {
  StoreKind kind = StoreKind::kEmbedded;
  std::string where;
};

// A store other than the embedded one (storage/rados/rados_store.h): the leveldb::Env its
// databases live in, how it names a database's place for people, and its capacity
// (CapacitySource, for FSSTAT). Whoever connects it owns it and keeps it alive longer than
// the catalog.
class StoreEnv : public CapacitySource {
 public:
  virtual ~StoreEnv() = default;
  virtual StoreKind kind() const = 0;
  virtual leveldb::Env* env() = 0;
  // e.g. "pool 'P', namespace 'N'" for the database in `dir`.
  virtual std::string Describe(const std::string& dir) const = 0;
  // How snapshots and forks copy a database in this store (storage/database_cloner.h);
  // null: by copying every file through env().
  virtual DatabaseCloner* cloner() { return nullptr; }
  // Stores several gateways share (README "Scaling out"). The catalog's table in this
  // store (storage/catalog_table.h); null: a LevelDB in DATA/catalog through env().
  virtual Result<std::unique_ptr<CatalogTable>> OpenCatalogTable() {
    return std::unique_ptr<CatalogTable>();
  }
  // This server's gateway id; "" when the store is not shared.
  virtual std::string gateway_id() const { return {}; }
  // The gateway holding the lease of directory `dir` ("" when nobody does).
  virtual Result<std::string> LeaseHolder(const std::string& /*dir*/) { return std::string(); }
  // Whether this server holds the lease of directory `dir` and it has not lapsed.
  virtual bool HoldsLease(const std::string& /*dir*/) { return true; }
};

struct StoreOptions {
  // The directory holding catalog/ and volumes/ (embedded), or the root the store's own
  // names are relative to (RADOS namespaces).
  std::string data_dir;
  StoreEnv* store = nullptr;    // null: the embedded store
  leveldb::Env* env = nullptr;  // embedded: null = the POSIX file system; tests pass a MemEnv
  // Block size of volumes created from now on (a power of two, 4 KiB .. 1 MiB); each
  // volume keeps the size it was created with (storage/TUNING.md).
  uint32_t block_size = kDefaultBlockSize;
  // LevelDB block cache shared by the catalog and every open volume.
  size_t block_cache_bytes = size_t{64} << 20;
  // Open volumes are bounded (storage/TUNING.md, "Open volumes"): one no request holds is
  // closed once unused for `idle_close` (0 = never for idleness), and the least recently
  // used unheld ones are closed while more than `max_open_volumes` are open (0 = no cap;
  // volumes in use are never closed, so the cap can be exceeded while they all are). A
  // closed volume reopens on its next use; handles name it by id and stay valid.
  std::chrono::milliseconds idle_close{60'000};
  size_t max_open_volumes = 256;
  // Threads running background reclaim and read-ahead (storage/volume_impl.h) for every
  // volume.
  size_t background_threads = 2;
  // Read-ahead of files read sequentially (storage/read_ahead.h; storage/TUNING.md): the
  // limits of each volume, and the prefetches in flight across every volume.
  ReadAheadLimits read_ahead;
  size_t read_ahead_in_flight = 8;
  // The machine's boot id; empty = /proc/sys/kernel/random/boot_id. Ephemeral volumes are
  // never synced (DESIGN.md §5): they survive a kill -9 of the server but not a crash of
  // the machine. So when the catalog opens after a run that did not shut down cleanly and
  // the boot id differs, the machine crashed under them: they are dropped (their handles
  // answer STALE, and Describe/Open of their names say why).
  std::string boot_id;
  // Crash tests only: called at each step of making a snapshot or fork ("reserved",
  // "cloned", "reidentified", "recorded"; storage/catalog_impl.cc, CloneLocked) and of a
  // restore ("restore-cloned", "restore-switched").
  std::function<void(std::string_view step)> clone_step;
};

class VolumeCatalog {
 public:
  virtual ~VolumeCatalog() = default;

  static Result<std::unique_ptr<VolumeCatalog>> Open(const StoreOptions& options);

  // Names follow storage/volume_name.h.
  virtual Result<VolumeInfo> Create(const CreateVolumeRequest& req) = 0;
  virtual Result<std::vector<VolumeInfo>> List() = 0;
  virtual Result<VolumeInfo> Describe(std::string_view name) = 0;
  virtual Status Delete(std::string_view name) = 0;
  virtual Status SetPolicy(std::string_view name, const ExportPolicy& policy,
                           const Quota& quota) = 0;
  virtual Status RenewLease(std::string_view name, int64_t ttl_ns) = 0;
  // Snapshots and forks (DESIGN.md §8). A snapshot is a read-only copy of a volume,
  // served (MOUNT, file handles, Describe, OpenByName, Delete) under "NAME@SNAP"
  // (storage/volume_name.h) with an id of its own, so that handles never cross between
  // a volume and its snapshots. A fork is a new writable volume. Both are taken at one
  // instant during the call — every write acknowledged before it is in the copy, none
  // that starts after it returns — while the source's writes wait (for `pause_ns`), and
  // share the source's immutable files where the store can. Crash-safe: afterwards the
  // copy exists complete or not at all, and the source is never written. A snapshot
  // outlives its volume's deletion; Delete("NAME@SNAP") removes it. A snapshot belongs to
  // the volume it was taken of (origin_id): while snapshots of a deleted volume NAME are
  // left, Create and Fork refuse the name NAME (kExists, naming them), so "NAME@SNAP"
  // never reaches a later volume of that name. The bytes a copy
  // shares are freed when the last database that references them is deleted.
  struct CloneResult {
    VolumeInfo info;
    int64_t pause_ns = 0;  // how long the source's writes waited
  };
  // A catalog that keeps no databases (the tests' fakes) answers kNotSupported.
  virtual Result<CloneResult> CreateSnapshot(std::string_view /*volume*/,
                                             std::string_view /*snapshot*/) {
    return Status(Status::Code::kNotSupported, "this catalog keeps no snapshots");
  }
  // The snapshots of volume name `volume` (also those of a volume since deleted), oldest first.
  virtual Result<std::vector<VolumeInfo>> ListSnapshots(std::string_view /*volume*/) {
    return Status(Status::Code::kNotSupported, "this catalog keeps no snapshots");
  }
  // New volume `name` with the content of `source` (a volume, or a snapshot "NAME@SNAP"),
  // its policy, quota and kind (persisted when `persisted`; else an ephemeral source's
  // fork shares its lease expiry).
  virtual Result<CloneResult> Fork(std::string_view /*source*/, std::string_view /*name*/,
                                   bool /*persisted*/) {
    return Status(Status::Code::kNotSupported, "this catalog cannot fork volumes");
  }
  // Rolls volume `volume` back to its snapshot `snapshot` (which stays): the volume keeps
  // its id and epoch, so handles of files the snapshot holds stay valid (and show its
  // content), those of files it lacks answer STALE; inode numbers handed out since are
  // never handed out again. The volume's requests wait while it is swapped (those in
  // flight finish first). Crash-safe: afterwards the volume is the old one or the
  // restored one, whole.
  virtual Result<VolumeInfo> Restore(std::string_view /*volume*/, std::string_view /*snapshot*/) {
    return Status(Status::Code::kNotSupported, "this catalog keeps no snapshots");
  }
  // The store space of volume or snapshot `id`: its own bytes and those it shares.
  virtual Result<DatabaseSpace> Space(uint64_t /*id*/) {
    return Status(Status::Code::kNotSupported, "this catalog keeps no databases");
  }

  // Deletes ephemeral volumes whose lease expired before `now_ns`; returns their names.
  virtual Result<std::vector<std::string>> CollectExpired(int64_t now_ns) = 0;

  // Opened volumes are cached and shared (and closed when idle; a holder keeps its volume
  // open for as long as it holds it). kNotFound for unknown names; kStale for an id
  // that no longer exists (a deleted volume).
  virtual Result<std::shared_ptr<Volume>> OpenByName(std::string_view name) = 0;
  virtual Result<std::shared_ptr<Volume>> OpenById(uint64_t id) = 0;
  virtual Result<VolumeInfo> DescribeById(uint64_t id) = 0;
  // What a request on volume `id` needs (the volume is opened on first use); once open,
  // one lookup in memory under a shared lock. kStale for an id that no longer exists;
  // kElsewhere for a volume another gateway owns (its owner is read afresh on every call
  // not served from memory, so a volume moved to or adopted by this gateway is served here
  // on its next call).
  virtual Result<std::shared_ptr<const ServedVolume>> Serve(uint64_t id) = 0;
  // Which store holds volume `id`, and where in it.
  virtual StoreLocation Locate(uint64_t id) = 0;
  // For monitoring: volume `id` if it is open now (it is neither opened nor counted as a
  // use, so a scrape never keeps an idle volume open), and whether its last open failed
  // (the volume is isolated as damaged). Takes no lock that is held across I/O. A catalog
  // that keeps no volumes open (the tests' fakes) reports none.
  struct PeekResult {
    std::shared_ptr<Volume> volume;  // null: not open now
    bool damaged = false;
  };
  virtual PeekResult Peek(uint64_t /*id*/) { return {}; }
  // Bytes held by the LevelDB block cache the catalog and its volumes share (0: none).
  virtual size_t BlockCacheBytes() { return 0; }
  // Read-ahead (storage/read_ahead.h) of every volume since the catalog opened, and the
  // prefetches queued or running now (none for a catalog that opens no volumes).
  virtual ReadAheadStats TotalReadAhead() { return {}; }
  virtual size_t ReadAheadInFlight() { return 0; }
  // The gateways sharing this store, sorted by id; empty when this server is alone on it
  // (the embedded store).
  virtual Result<std::vector<GatewayInfo>> Gateways() { return std::vector<GatewayInfo>{}; }
  // This gateway's membership directory (its status monitor's database lives there and
  // holding its lease is being live); "" on a store only this server uses.
  virtual std::string MembershipDir() { return {}; }
  // Whether this gateway holds its membership lease and it has not lapsed (no I/O: the
  // store's renewals keep it); true on a store only this server uses.
  virtual bool HoldsMembership() { return true; }
  // Writes this gateway's record: its own service address and those it answers on now.
  virtual Status PublishGateway(const std::string& /*address*/,
                                const std::vector<std::string>& /*held*/) {
    return Status(Status::Code::kNotSupported, "the store is not shared");
  }
  // Takes over dead gateway `gateway`'s volumes and addresses when its lease lapsed
  // (fencing it first; storage/gateway_registry.h) and finishes the deletes it left;
  // nullopt when it is live or left nothing.
  virtual Result<std::optional<GatewayAdoption>> AdoptGateway(std::string_view /*gateway*/) {
    return Status(Status::Code::kNotSupported, "the store is not shared");
  }
  // Hands volume `name` over to live gateway `gateway`: its calls in flight finish, its
  // log is synced, this gateway lets go of it and the record names the new owner, which
  // opens it on its next use. kElsewhere when another gateway owns it (the message names
  // that gateway); kNotSupported on a store only this server uses.
  virtual Status Move(std::string_view /*name*/, std::string_view /*gateway*/) {
    return Status(Status::Code::kNotSupported,
                  "volumes move only between gateways of a shared store");
  }
};

}  // namespace volumed::storage
