#include "workload.h"

#include <algorithm>

#include <fmt/format.h>

namespace volumed::crashmatrix {
namespace {

constexpr size_t kMaxFiles = 40;

bool NoReply(const Status& s) { return s.code() == Status::Code::kIoError; }

}  // namespace

std::pair<std::string, std::string> SplitPath(const std::string& path) {
  const size_t slash = path.find('/');
  return {path.substr(0, slash), path.substr(slash + 1)};
}

uint64_t Uniform(std::mt19937_64& rng, uint64_t lo, uint64_t hi) {
  return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(Uniform(rng, 0, 255));
  return s;
}

WriteRange RandomWriteRange(std::mt19937_64& rng, uint64_t live) {
  const uint64_t offset = Uniform(rng, 0, std::min(live + 16 * 1024, kMaxFileSize - 1));
  uint64_t len = 0;
  switch (Uniform(rng, 0, 3)) {
    case 0:
      len = Uniform(rng, 1, 512);
      break;
    case 1:
      len = Uniform(rng, 1, 8 * 1024);
      break;
    case 2:
      len = Uniform(rng, 60 * 1024, 70 * 1024);
      break;  // crosses a 64 KiB block
    case 3:
      len = Uniform(rng, 1, 200 * 1024);
      break;
  }
  return {offset, std::min(len, kMaxFileSize - offset)};
}

uint64_t RandomTruncateSize(std::mt19937_64& rng, uint64_t live) {
  return Uniform(rng, 0, std::min(live + 8 * 1024, kMaxFileSize));
}

std::string Workload::RandomFile() {
  auto it = world_->files.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(Uniform(0, world_->files.size() - 1)));
  return it->first;
}

std::string Workload::RandomDir() {
  auto it = dirs_->begin();
  std::advance(it, static_cast<std::ptrdiff_t>(Uniform(0, dirs_->size() - 1)));
  return it->first;
}

Status Workload::CheckVerifier(const Verifier& v, const char* op) {
  if (v == verifier_) return Status::Ok();
  return Internal(
      fmt::format("{} returned a write verifier that differs from this server run's "
                  "(no write error happened)",
                  op));
}

Status Workload::RunUntilNoReply(InFlight* inflight, WorkloadStats* stats) {
  for (;;) {
    const uint64_t dice = Uniform(0, 99);
    const bool have_files = !world_->files.empty();
    if (!have_files || (dice < 20 && world_->files.size() < kMaxFiles)) {
      const std::string dir = RandomDir();
      const std::string path = fmt::format("{}/f{}", dir, (*name_counter_)++);
      World after = *world_;
      after.files[path] = FileModel{};
      auto fh = ops_->Create(dirs_->at(dir), SplitPath(path).second);
      if (!fh.ok()) {
        if (!NoReply(fh.status())) return fh.status();
        *inflight = {"CREATE " + path, std::move(after), {}};
        return Status::Ok();
      }
      *world_ = std::move(after);
      (*handles_)[path] = *fh;
      ++stats->creates;
      continue;
    }
    const std::string path = RandomFile();
    FileModel& file = world_->files[path];
    const Fh& fh = handles_->at(path);
    if (dice < 62) {  // WRITE: 60% UNSTABLE
      const bool sync = Uniform(0, 99) < 40;
      const auto [offset, len] = RandomWriteRange(*rng_, file.LiveSize());
      const std::string data = RandomBytes(*rng_, len);
      auto ack = ops_->Write(fh, offset, data, sync);
      if (!ack.ok()) {
        if (!NoReply(ack.status())) return ack.status();
        file.UnstableWrite(offset, data);  // may or may not have reached the store
        *inflight = {fmt::format("WRITE {} [{}, {}) {}", path, offset, offset + len,
                                 sync ? "FILE_SYNC" : "UNSTABLE"),
                     std::nullopt,
                     {}};
        return Status::Ok();
      }
      VOLUMED_RETURN_IF_ERROR(CheckVerifier(ack->verf, "WRITE"));
      if (ack->stable) {
        file.StableWrite(offset, data);
        stats->stable_bytes += len;
      } else {
        file.UnstableWrite(offset, data);
      }
      ++(sync ? stats->sync_writes : stats->unstable_writes);
    } else if (dice < 74) {  // COMMIT
      auto verf = ops_->Commit(fh);
      if (!verf.ok()) {
        if (!NoReply(verf.status())) return verf.status();
        *inflight = {"COMMIT " + path, std::nullopt, {}};
        return Status::Ok();
      }
      VOLUMED_RETURN_IF_ERROR(CheckVerifier(*verf, "COMMIT"));
      for (const Extent& e : file.maybe) stats->stable_bytes += e.data.size();
      file.Commit();
      ++stats->commits;
    } else if (dice < 82) {  // SETATTR size
      const uint64_t size = RandomTruncateSize(*rng_, file.LiveSize());
      World after = *world_;
      after.files[path].Truncate(size);
      Status s = ops_->Truncate(fh, size);
      if (!s.ok()) {
        if (!NoReply(s)) return s;
        *inflight = {fmt::format("SETATTR {} size={}", path, size), std::move(after), {}};
        return Status::Ok();
      }
      *world_ = std::move(after);
      ++stats->truncates;
    } else if (dice < 95) {  // RENAME, sometimes onto another file
      std::string to = fmt::format("{}/f{}", RandomDir(), (*name_counter_)++);
      if (Uniform(0, 2) == 0 && world_->files.size() > 1) to = RandomFile();
      if (to == path) continue;
      World after = *world_;
      after.files[to] = after.files[path];
      after.files.erase(path);
      const auto [from_dir, from_name] = SplitPath(path);
      const auto [to_dir, to_name] = SplitPath(to);
      Status s = ops_->Rename(dirs_->at(from_dir), from_name, dirs_->at(to_dir), to_name);
      if (!s.ok()) {
        if (!NoReply(s)) return s;
        *inflight = {"RENAME " + path + " -> " + to, std::move(after), {to}};
        return Status::Ok();
      }
      *world_ = std::move(after);
      (*handles_)[to] = handles_->at(path);
      handles_->erase(path);
      ++stats->renames;
    } else {  // REMOVE
      World after = *world_;
      after.files.erase(path);
      const auto [dir, name] = SplitPath(path);
      Status s = ops_->Remove(dirs_->at(dir), name);
      if (!s.ok()) {
        if (!NoReply(s)) return s;
        *inflight = {"REMOVE " + path, std::move(after), {}};
        return Status::Ok();
      }
      *world_ = std::move(after);
      handles_->erase(path);
      ++stats->removes;
    }
  }
}

}  // namespace volumed::crashmatrix
