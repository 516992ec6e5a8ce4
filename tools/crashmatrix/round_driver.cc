#include "round_driver.h"

#include <chrono>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pipelined_session.h"

#include "storage/catalog.h"
#include "storage/fsck.h"

namespace volumed::crashmatrix {
namespace {

constexpr const char* kVolume = "cm";
constexpr const char* kHotDir = "d0";  // the concurrent workload's busiest directory
constexpr std::chrono::milliseconds kCallTimeout{20000};

void Log(bool on, const std::string& line) {
  if (on) fmt::print("{}\n", line);
}

}  // namespace

Status RoundDriver::Connect(Connection* c) {
  VOLUMED_ASSIGN_OR_RETURN(c->mount, RpcSession::Connect(server_->mount_port(), MOUNT_PROGRAM,
                                                         MOUNT_V3, 1000, 1000, kCallTimeout));
  VOLUMED_ASSIGN_OR_RETURN(c->nfs, RpcSession::Connect(server_->nfs_port(), NFS_PROGRAM, NFS_V3,
                                                       1000, 1000, kCallTimeout));
  c->ops = std::make_unique<NfsOps>(c->nfs.get(), c->mount.get());
  return Status::Ok();
}

Status RoundDriver::Setup(NfsOps& ops) {
  VOLUMED_ASSIGN_OR_RETURN(Fh root, ops.Mount(std::string("/") + kVolume));
  VOLUMED_ASSIGN_OR_RETURN(Fh top, ops.Mkdir(root, "crashmatrix"));
  for (const char* d : {"d0", "d1", "d2"}) {
    VOLUMED_ASSIGN_OR_RETURN(dirs_[d], ops.Mkdir(top, d));
  }
  VOLUMED_ASSIGN_OR_RETURN(anchor_, ops.Create(top, "anchor"));
  VOLUMED_ASSIGN_OR_RETURN(verifier_, ops.Commit(anchor_));
  return Status::Ok();
}

Status RoundDriver::OfflineFsck(DriverSummary* summary, uint64_t round) {
  storage::StoreOptions so;
  so.data_dir = data_dir_;
  so.store = store_;
  auto catalog = storage::VolumeCatalog::Open(so);
  if (!catalog.ok()) {
    summary->problems.push_back(fmt::format("round {}: catalog does not open after the crash: {}",
                                            round, catalog.status().ToString()));
    return Status::Ok();
  }
  auto volume = (*catalog)->OpenByName(kVolume);
  if (!volume.ok()) {
    summary->problems.push_back(fmt::format("round {}: volume does not open after the crash: {}",
                                            round, volume.status().ToString()));
    return Status::Ok();
  }
  storage::FsckReport report;
  Status s = storage::Fsck(**volume, &report);
  if (!s.ok()) {
    summary->problems.push_back(
        fmt::format("round {}: fsck could not run: {}", round, s.ToString()));
  }
  for (const auto& p : report.problems) {
    summary->problems.push_back(fmt::format("round {}: fsck: {}", round, p));
  }
  Log(options_.verbose, fmt::format("round {}: fsck {}", round, report.Summary()));
  return Status::Ok();
}

Status RoundDriver::ReadBack(NfsOps& ops, std::map<std::string, std::string>* actual,
                             std::map<std::string, Fh>* found_handles) {
  for (const auto& [dir, dir_fh] : dirs_) {
    VOLUMED_ASSIGN_OR_RETURN(auto names, ops.List(dir_fh));
    for (const auto& name : names) {
      const std::string path = dir + "/" + name;
      VOLUMED_ASSIGN_OR_RETURN(Fh fh, ops.Lookup(dir_fh, name));
      VOLUMED_ASSIGN_OR_RETURN((*actual)[path], ops.ReadAll(fh));
      (*found_handles)[path] = fh;
    }
  }
  return Status::Ok();
}

Status RoundDriver::Verify(NfsOps& ops, const std::vector<PendingChange>& pending,
                           const std::string& inflight, DriverSummary* summary, uint64_t round) {
  std::map<std::string, std::string> actual;
  std::map<std::string, Fh> found;
  Status read = ReadBack(ops, &actual, &found);
  if (!read.ok()) {
    summary->problems.push_back(
        fmt::format("round {}: reading back after restart failed: {}", round, read.ToString()));
    return read;
  }
  std::vector<bool> applied;
  const auto problems = CheckWorldWithPending(world_, pending, actual, &applied);
  std::set<std::string> moved;  // paths an applied in-flight change gave another file
  for (size_t k = 0; k < pending.size(); ++k) {
    ++(applied[k] ? summary->inflight_applied : summary->inflight_not_applied);
    if (!applied[k]) continue;
    for (const auto& [path, unused] : pending[k].after) moved.insert(path);
  }
  for (const auto& p : problems) {
    summary->problems.push_back(fmt::format("round {} (in flight: {}): {}", round,
                                            inflight.empty() ? "nothing" : inflight, p));
  }
  // Handles survive restarts: each known file's old handle must be the one LOOKUP returns
  // (unless an in-flight namespace operation took effect and moved names around).
  for (const auto& [path, fh] : handles_) {
    auto it = found.find(path);
    if (it != found.end() && moved.count(path) == 0 && it->second != fh) {
      summary->problems.push_back(
          fmt::format("round {}: {} has a different file handle after restart", round, path));
    }
  }
  summary->files_checked += actual.size();
  for (const auto& [path, content] : actual) summary->bytes_checked += content.size();

  // The next round starts from what is there now, made durable.
  VOLUMED_ASSIGN_OR_RETURN(Verifier verf, ops.Commit(anchor_));
  if (verf == verifier_) {
    summary->problems.push_back(
        fmt::format("round {}: the write verifier did not change across the restart", round));
  }
  verifier_ = verf;
  world_.files.clear();
  for (const auto& [path, content] : actual) {
    VOLUMED_ASSIGN_OR_RETURN(Verifier v, ops.Commit(found[path]));
    if (v != verifier_) {
      summary->problems.push_back(
          fmt::format("round {}: COMMIT verifiers differ within one run", round));
    }
    world_.files[path].durable = content;
  }
  handles_ = std::move(found);
  std::string fates;
  for (size_t k = 0; k < pending.size(); ++k) {
    fates +=
        fmt::format("{}{}{}", fates.empty() ? "; " : ", ", applied[k] ? "applied" : "not applied",
                    pending[k].revealed_by.empty() ? "" : " (revealed)");
  }
  Log(options_.verbose, fmt::format("round {}: in flight {}{}; {} files verified", round,
                                    inflight.empty() ? "nothing" : inflight, fates, actual.size()));
  return Status::Ok();
}

Status RoundDriver::RunWorkload(uint64_t round, DriverSummary* summary,
                                std::vector<PendingChange>* pending, std::string* inflight) {
  // Connected before the killer starts: every call made afterwards may be the one cut off.
  Connection c;
  std::vector<std::unique_ptr<PipelinedSession>> sessions;
  std::vector<std::unique_ptr<NfsOps>> client_ops;
  if (options_.concurrent()) {
    for (int i = 0; i < options_.clients; ++i) {
      VOLUMED_ASSIGN_OR_RETURN(
          auto session, PipelinedSession::Connect(server_->nfs_port(), NFS_PROGRAM, NFS_V3, 1000,
                                                  1000, kCallTimeout));
      client_ops.push_back(std::make_unique<NfsOps>(session.get(), nullptr));
      sessions.push_back(std::move(session));
    }
  } else {
    VOLUMED_RETURN_IF_ERROR(Connect(&c));
  }
  const auto delay = std::chrono::milliseconds(
      std::uniform_int_distribution<uint64_t>(options_.kill_min_ms, options_.kill_max_ms)(rng_));
  std::thread killer([this, delay] {
    std::this_thread::sleep_for(delay);
    server_->Kill();
  });
  Status s;
  if (options_.concurrent()) {
    std::vector<NfsOps*> clients;
    for (auto& o : client_ops) clients.push_back(o.get());
    ConcurrentWorkload workload(std::move(clients), options_.depth, &rng_, &world_, &handles_,
                                &dirs_, kHotDir, &name_counter_, verifier_);
    std::vector<std::string> calls;
    s = workload.RunUntilNoReply(pending, &calls, &summary->ops, &summary->concurrency);
    *inflight = fmt::format("{}", fmt::join(calls, "; "));
  } else {
    InFlight one;
    Workload workload(c.ops.get(), &rng_, &world_, &handles_, &dirs_, &name_counter_, verifier_);
    s = workload.RunUntilNoReply(&one, &summary->ops);
    if (one.after.has_value()) {
      pending->push_back(DiffWorlds(one.what, world_, *one.after, one.replaced));
    }
    *inflight = one.what;
  }
  killer.join();
  if (!s.ok()) {
    summary->problems.push_back(
        fmt::format("round {}: unexpected answer during the workload: {}", round, s.ToString()));
  }
  return Status::Ok();
}

Status RoundDriver::Run(DriverSummary* summary) {
  VOLUMED_RETURN_IF_ERROR(server_->Start());
  {
    Connection c;
    VOLUMED_RETURN_IF_ERROR(Connect(&c));
    VOLUMED_RETURN_IF_ERROR(Setup(*c.ops));
  }
  for (uint64_t round = 1; round <= options_.rounds; ++round) {
    std::vector<PendingChange> pending;
    std::string inflight;
    VOLUMED_RETURN_IF_ERROR(RunWorkload(round, summary, &pending, &inflight));
    const int rc = server_->Reap();
    if (rc != 128 + 9) {
      summary->problems.push_back(
          fmt::format("round {}: volumed ended with {} before it was killed", round, rc));
    }
    VOLUMED_RETURN_IF_ERROR(OfflineFsck(summary, round));
    Status started = server_->Start();
    if (!started.ok()) {
      summary->problems.push_back(
          fmt::format("round {}: volumed does not restart: {}", round, started.ToString()));
      return started;
    }
    Connection c;
    VOLUMED_RETURN_IF_ERROR(Connect(&c));
    VOLUMED_ASSIGN_OR_RETURN(Fh root, c.ops->Mount(std::string("/") + kVolume));
    (void)root;
    VOLUMED_RETURN_IF_ERROR(Verify(*c.ops, pending, inflight, summary, round));
    summary->rounds = round;
  }
  const int rc = server_->Stop();
  if (rc != 0) summary->problems.push_back(fmt::format("volumed exited with {} on SIGTERM", rc));
  return Status::Ok();
}

}  // namespace volumed::crashmatrix
