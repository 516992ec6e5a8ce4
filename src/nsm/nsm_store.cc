#include "nsm/nsm_store.h"

#include <arpa/inet.h>
#include <leveldb/write_batch.h>

#include <cstring>

#include "base/big_endian.h"

namespace volumed::nsm {
namespace {

constexpr char kStateKey[] = "s";
constexpr char kHostPrefix = 'h';
constexpr char kAliasPrefix = 'n';
constexpr uint8_t kVersion = 1;

std::string EncodeState(uint32_t state) {
  std::string value(1, static_cast<char>(kVersion));
  AppendBigEndian(&value, state);
  return value;
}

Result<uint32_t> DecodeState(std::string_view value) {
  if (value.size() != 5 || static_cast<uint8_t>(value[0]) != kVersion) {
    return Corruption("bad nsm state record");
  }
  return LoadBigEndian<uint32_t>(value.data() + 1);
}

Result<std::string> EncodeHost(const MonitoredHost& host) {
  std::string out(1, static_cast<char>(kVersion));
  in_addr a4{};
  in6_addr a6{};
  if (inet_pton(AF_INET, host.address.c_str(), &a4) == 1) {
    out.push_back(4);
    out.append(reinterpret_cast<const char*>(&a4), sizeof(a4));
  } else if (inet_pton(AF_INET6, host.address.c_str(), &a6) == 1) {
    out.push_back(6);
    out.append(reinterpret_cast<const char*>(&a6), sizeof(a6));
  } else {
    return InvalidArgument("not a numeric address: " + host.address);
  }
  AppendBigEndian(&out, static_cast<uint64_t>(host.since_unix_s));
  return out;
}

Result<MonitoredHost> DecodeHost(std::string_view name, std::string_view v) {
  if (v.size() < 2 || static_cast<uint8_t>(v[0]) != kVersion) {
    return Corruption("nsm host record of unknown version");
  }
  const int family = v[1] == 4 ? AF_INET : v[1] == 6 ? AF_INET6 : -1;
  const size_t addr_len = family == AF_INET ? 4 : 16;
  if (family < 0 || v.size() != 2 + addr_len + 8) return Corruption("bad nsm host record");
  char text[INET6_ADDRSTRLEN] = {};
  unsigned char raw[16];
  std::memcpy(raw, v.data() + 2, addr_len);
  if (inet_ntop(family, raw, text, sizeof(text)) == nullptr) {
    return Corruption("bad address in nsm host record");
  }
  return MonitoredHost{std::string(name), text,
                       static_cast<int64_t>(LoadBigEndian<uint64_t>(v.data() + 2 + addr_len))};
}

// Stores (synced) the record `prefix` + name → *value; null value: removes it.
Status WriteRecord(storage::Kv& kv, char prefix, const std::string& name,
                   const std::string* value) {
  leveldb::WriteBatch batch;
  if (value != nullptr) {
    batch.Put(std::string(1, prefix) + name, *value);
  } else {
    batch.Delete(std::string(1, prefix) + name);
  }
  return kv.Write(&batch, /*sync=*/true);
}

// Every record whose key is `prefix` + name, decoded by `decode(name, value)` (which
// returns Result<T>); the first that does not decode is the answer.
template <typename T, typename Decode>
Result<std::vector<T>> ScanRecords(const storage::Kv& kv, char prefix, const Decode& decode) {
  std::vector<T> out;
  Status bad;
  const std::string start(1, prefix);
  const std::string end(1, static_cast<char>(prefix + 1));
  VOLUMED_RETURN_IF_ERROR(kv.Scan(start, end, [&](std::string_view k, std::string_view v) {
    Result<T> record = decode(k.substr(1), v);
    if (!record.ok()) {
      bad = record.status();
      return false;
    }
    out.push_back(std::move(record).value());
    return true;
  }));
  if (!bad.ok()) return bad;
  return out;
}

}  // namespace

uint32_t NextUpState(uint32_t state) { return state % 2 == 1 ? state + 2 : state + 1; }

Result<std::unique_ptr<NsmStore>> NsmStore::Open(storage::KvFactory& factory,
                                                 const std::string& path) {
  VOLUMED_ASSIGN_OR_RETURN(auto kv, factory.Open(path));
  return std::unique_ptr<NsmStore>(new NsmStore(std::move(kv)));
}

Result<uint32_t> NsmStore::State() const {
  VOLUMED_ASSIGN_OR_RETURN(auto value, kv_->Get(kStateKey));
  if (!value) return uint32_t{0};
  return DecodeState(*value);
}

Status NsmStore::SetState(uint32_t state) {
  leveldb::WriteBatch batch;
  batch.Put(kStateKey, EncodeState(state));
  return kv_->Write(&batch, /*sync=*/true);
}

Result<uint32_t> NsmStore::BumpState() {
  VOLUMED_ASSIGN_OR_RETURN(const uint32_t old, State());
  const uint32_t next = NextUpState(old);
  VOLUMED_RETURN_IF_ERROR(SetState(next));
  return next;
}

Status NsmStore::PutHost(const MonitoredHost& host) {
  if (host.name.empty()) return InvalidArgument("empty host name");
  VOLUMED_ASSIGN_OR_RETURN(std::string value, EncodeHost(host));
  return WriteRecord(*kv_, kHostPrefix, host.name, &value);
}

Status NsmStore::RemoveHost(const std::string& name) {
  return WriteRecord(*kv_, kHostPrefix, name, nullptr);
}

Result<std::vector<MonitoredHost>> NsmStore::Hosts() const {
  return ScanRecords<MonitoredHost>(*kv_, kHostPrefix, DecodeHost);
}

Status NsmStore::PutAlias(const NsmAlias& alias) {
  if (alias.name.empty()) return InvalidArgument("empty alias");
  const std::string value = EncodeState(alias.state);
  return WriteRecord(*kv_, kAliasPrefix, alias.name, &value);
}

Status NsmStore::RemoveAlias(const std::string& name) {
  return WriteRecord(*kv_, kAliasPrefix, name, nullptr);
}

Result<std::vector<NsmAlias>> NsmStore::Aliases() const {
  return ScanRecords<NsmAlias>(*kv_, kAliasPrefix,
                               [](std::string_view name, std::string_view v) -> Result<NsmAlias> {
                                 VOLUMED_ASSIGN_OR_RETURN(const uint32_t state, DecodeState(v));
                                 return NsmAlias{std::string(name), state};
                               });
}

}  // namespace volumed::nsm
