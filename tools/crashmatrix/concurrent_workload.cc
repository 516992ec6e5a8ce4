#include "concurrent_workload.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

namespace volumed::crashmatrix {
namespace {

constexpr size_t kMaxFiles = 48;
constexpr uint64_t kObservePercent = 20;  // of calls made while some change is in flight
constexpr uint64_t kHotPercent = 70;      // of new names that go to the hot directory

bool NoReply(const Status& s) { return s.code() == Status::Code::kIoError; }

// Probes by handle: STALE is an answer (the file is gone), anything else an error.
template <typename Reply>
Status Stale(const Status& s, Reply* reply) {
  if (!NfsOps::IsNfsStatus(s, NFS3ERR_STALE)) return s;
  reply->gone = true;
  return Status::Ok();
}

}  // namespace

ConcurrentWorkload::ConcurrentWorkload(std::vector<NfsOps*> clients, int depth,
                                       std::mt19937_64* rng, World* world,
                                       std::map<std::string, Fh>* handles,
                                       const std::map<std::string, Fh>* dirs, std::string hot_dir,
                                       uint64_t* name_counter, Verifier verifier)
    : clients_(std::move(clients)),
      depth_(depth),
      dirs_(dirs),
      hot_dir_(std::move(hot_dir)),
      verifier_(std::move(verifier)),
      rng_(rng),
      world_(world),
      handles_(handles),
      name_counter_(name_counter) {}

std::string ConcurrentWorkload::RandomDir() {
  auto it = dirs_->begin();
  std::advance(it, static_cast<std::ptrdiff_t>(Uniform(*rng_, 0, dirs_->size() - 1)));
  return it->first;
}

std::string ConcurrentWorkload::NewName(bool hot) {
  return fmt::format("{}/f{}", hot ? hot_dir_ : RandomDir(), (*name_counter_)++);
}

std::optional<std::string> ConcurrentWorkload::RandomFreeFile() {
  std::vector<const std::string*> free;
  for (const auto& [path, model] : world_->files) {
    if (claimed_.count(path) == 0) free.push_back(&path);
  }
  if (free.empty()) return std::nullopt;
  return *free[Uniform(*rng_, 0, free.size() - 1)];
}

uint64_t ConcurrentWorkload::PlanChange(int client) {
  Op op;
  op.client = client;
  const uint64_t dice = Uniform(*rng_, 0, 99);
  std::optional<std::string> file = RandomFreeFile();
  if (!file.has_value() || (dice < 20 && world_->files.size() < kMaxFiles)) {
    op.kind = Kind::kCreate;
    op.path = NewName(Uniform(*rng_, 0, 99) < kHotPercent);
    op.what = "CREATE " + op.path;
    op.after[op.path] = FileModel{};
  } else {
    op.path = *file;
    const FileModel& model = world_->files.at(op.path);
    if (dice < 58) {
      op.kind = Kind::kWrite;
      op.sync = Uniform(*rng_, 0, 99) < 40;
      op.range = RandomWriteRange(*rng_, model.LiveSize());
      op.data = RandomBytes(*rng_, op.range.len);
      const std::string live = model.LiveContent();
      if (op.range.offset < live.size())
        op.pre_content = live.substr(op.range.offset, op.range.len);
      op.what = fmt::format("WRITE {} [{}, {}) {}", op.path, op.range.offset,
                            op.range.offset + op.range.len, op.sync ? "FILE_SYNC" : "UNSTABLE");
    } else if (dice < 68) {
      op.kind = Kind::kCommit;
      op.what = "COMMIT " + op.path;
    } else if (dice < 76) {
      op.kind = Kind::kTruncate;
      op.pre_size = model.LiveSize();
      op.truncate_size = RandomTruncateSize(*rng_, op.pre_size);
      op.what = fmt::format("SETATTR {} size={}", op.path, op.truncate_size);
      op.after[op.path] = model;
      op.after[op.path]->Truncate(op.truncate_size);
    } else if (dice < 88) {
      op.kind = Kind::kRename;
      op.to = NewName(Uniform(*rng_, 0, 99) < kHotPercent);
      if (Uniform(*rng_, 0, 2) == 0) {  // onto an existing file nobody else is changing
        claimed_.insert(op.path);
        if (auto target = RandomFreeFile(); target.has_value()) {
          op.to = *target;
          op.to_existed = true;
        }
        claimed_.erase(op.path);
      }
      op.moved = handles_->at(op.path);
      op.what =
          fmt::format("RENAME {} -> {}{}", op.path, op.to, op.to_existed ? " (existing)" : "");
      op.after[op.path] = std::nullopt;
      op.after[op.to] = model;
    } else {
      op.kind = Kind::kRemove;
      op.what = "REMOVE " + op.path;
      op.after[op.path] = std::nullopt;
    }
  }
  claimed_.insert(op.path);
  if (!op.to.empty()) claimed_.insert(op.to);
  const uint64_t id = next_id_++;
  ops_.emplace(id, std::move(op));
  return id;
}

std::optional<ConcurrentWorkload::Probe> ConcurrentWorkload::PlanProbe(int client) {
  // Changes whose effect a reply could show, preferably another connection's.
  std::vector<const Op*> mine, others;
  for (const auto& [id, op] : ops_) {
    const bool visible = op.kind != Kind::kCommit && (op.kind != Kind::kWrite || op.sync);
    if (visible) (op.client == client ? mine : others).push_back(&op);
  }
  const auto& candidates = others.empty() ? mine : others;
  if (candidates.empty()) return std::nullopt;
  const Op& op = *candidates[Uniform(*rng_, 0, candidates.size() - 1)];
  Probe probe;
  for (const auto& [id, unused] : ops_) probe.watched.push_back(id);
  const bool readdir = Uniform(*rng_, 0, 2) == 0;
  switch (op.kind) {
    case Kind::kCreate:
    case Kind::kRemove:
    case Kind::kRename: {
      const std::string& path =
          op.kind == Kind::kRename && Uniform(*rng_, 0, 1) == 0 ? op.to : op.path;
      std::tie(probe.dir, probe.name) = SplitPath(path);
      probe.kind = readdir ? Probe::Kind::kReaddir : Probe::Kind::kLookup;
      break;
    }
    case Kind::kTruncate:
      probe.kind = Probe::Kind::kGetattr;
      probe.path = op.path;
      probe.fh = handles_->at(op.path);
      break;
    case Kind::kWrite:
      probe.kind = Probe::Kind::kRead;
      probe.path = op.path;
      probe.fh = handles_->at(op.path);
      probe.range = op.range;
      break;
    case Kind::kCommit:
      return std::nullopt;
  }
  return probe;
}

Status ConcurrentWorkload::Observe(NfsOps& ops, const Probe& probe, Reply* reply) {
  switch (probe.kind) {
    case Probe::Kind::kLookup: {
      VOLUMED_ASSIGN_OR_RETURN(reply->found, ops.LookupIfExists(dirs_->at(probe.dir), probe.name));
      return Status::Ok();
    }
    case Probe::Kind::kReaddir: {
      VOLUMED_ASSIGN_OR_RETURN(reply->names, ops.List(dirs_->at(probe.dir)));
      return Status::Ok();
    }
    // The watched change may have been answered meanwhile and a later one removed its file:
    // STALE then shows nothing.
    case Probe::Kind::kGetattr: {
      auto size = ops.Size(probe.fh);
      if (!size.ok()) return Stale(size.status(), reply);
      reply->size = *size;
      return Status::Ok();
    }
    case Probe::Kind::kRead: {
      auto read = ops.Read(probe.fh, probe.range.offset, static_cast<uint32_t>(probe.range.len));
      if (!read.ok()) return Stale(read.status(), reply);
      reply->data = std::move(read->data);
      return Status::Ok();
    }
  }
  return Internal("unknown probe");
}

std::string ConcurrentWorkload::Describe(const Probe& probe) {
  switch (probe.kind) {
    case Probe::Kind::kLookup:
      return fmt::format("LOOKUP {}/{}", probe.dir, probe.name);
    case Probe::Kind::kReaddir:
      return "READDIR " + probe.dir;
    case Probe::Kind::kGetattr:
      return "GETATTR " + probe.path;
    case Probe::Kind::kRead:
      return fmt::format("READ {} [{}, {})", probe.path, probe.range.offset,
                         probe.range.offset + probe.range.len);
  }
  return "?";
}

bool ConcurrentWorkload::Shows(const Op& op, const Probe& probe, const Reply& reply) {
  const auto listed = [&](const std::string& path) {
    const auto [dir, name] = SplitPath(path);
    return std::find(reply.names.begin(), reply.names.end(), name) != reply.names.end();
  };
  const auto in_dir = [&](const std::string& path) { return SplitPath(path).first == probe.dir; };
  const std::string looked_up = probe.dir + "/" + probe.name;
  switch (probe.kind) {
    case Probe::Kind::kLookup:
      switch (op.kind) {
        case Kind::kCreate:
          return op.path == looked_up && reply.found.has_value();
        case Kind::kRemove:
          return op.path == looked_up && !reply.found.has_value();
        case Kind::kRename:
          if (op.path == looked_up) return !reply.found.has_value();
          return op.to == looked_up && reply.found.has_value() &&
                 (!op.to_existed || *reply.found == op.moved);
        case Kind::kWrite:
        case Kind::kCommit:
        case Kind::kTruncate:
          return false;
      }
      return false;
    case Probe::Kind::kReaddir:
      switch (op.kind) {
        case Kind::kCreate:
          return in_dir(op.path) && listed(op.path);
        case Kind::kRemove:
          return in_dir(op.path) && !listed(op.path);
        case Kind::kRename:
          return (in_dir(op.path) && !listed(op.path)) ||
                 (in_dir(op.to) && !op.to_existed && listed(op.to));
        case Kind::kWrite:
        case Kind::kCommit:
        case Kind::kTruncate:
          return false;
      }
      return false;
    case Probe::Kind::kGetattr:
      return !reply.gone && op.kind == Kind::kTruncate && op.path == probe.path &&
             reply.size == op.truncate_size && op.truncate_size != op.pre_size;
    case Probe::Kind::kRead:
      return !reply.gone && op.kind == Kind::kWrite && op.sync && op.path == probe.path &&
             op.range.offset == probe.range.offset && reply.data == op.data &&
             op.pre_content != op.data;
  }
  return false;
}

void ConcurrentWorkload::Judge(int client, const Probe& probe, const Reply& reply) {
  ++concurrency_->observations;
  for (const uint64_t id : probe.watched) {
    auto it = ops_.find(id);
    if (it == ops_.end()) continue;  // acknowledged meanwhile: nothing to reveal
    Op& op = it->second;
    if (!op.revealed_by.empty() || !Shows(op, probe, reply)) continue;
    op.revealed_by = fmt::format("{} from connection {}", Describe(probe), client);
    ++concurrency_->reveals;
    if (op.client != client) ++concurrency_->cross_client_reveals;
  }
}

Status ConcurrentWorkload::Execute(NfsOps& ops, const Op& op, Outcome* out) {
  const auto split = SplitPath(op.path);
  const Fh& dir = dirs_->at(split.first);
  switch (op.kind) {
    case Kind::kCreate: {
      VOLUMED_ASSIGN_OR_RETURN(out->created, ops.Create(dir, split.second));
      return Status::Ok();
    }
    case Kind::kWrite: {
      VOLUMED_ASSIGN_OR_RETURN(out->ack, ops.Write(out->fh, op.range.offset, op.data, op.sync));
      return Status::Ok();
    }
    case Kind::kCommit: {
      VOLUMED_ASSIGN_OR_RETURN(out->ack.verf, ops.Commit(out->fh));
      return Status::Ok();
    }
    case Kind::kTruncate:
      return ops.Truncate(out->fh, op.truncate_size);
    case Kind::kRename: {
      const auto to = SplitPath(op.to);
      return ops.Rename(dir, split.second, dirs_->at(to.first), to.second);
    }
    case Kind::kRemove:
      return ops.Remove(dir, split.second);
  }
  return Internal("unknown operation");
}

Status ConcurrentWorkload::Acknowledge(uint64_t id, const Outcome& out) {
  Op op = std::move(ops_.at(id));
  ops_.erase(id);
  claimed_.erase(op.path);
  if (!op.to.empty()) claimed_.erase(op.to);
  const auto check_verifier = [&](const char* call) {
    if (out.ack.verf == verifier_) return Status::Ok();
    return Internal(
        fmt::format("{} returned a write verifier that differs from this server "
                    "run's (no write error happened)",
                    call));
  };
  switch (op.kind) {
    case Kind::kCreate:
      world_->files[op.path] = FileModel{};
      (*handles_)[op.path] = out.created;
      ++stats_->creates;
      break;
    case Kind::kWrite: {
      VOLUMED_RETURN_IF_ERROR(check_verifier("WRITE"));
      FileModel& file = world_->files.at(op.path);
      if (out.ack.stable) {
        file.StableWrite(op.range.offset, op.data);
        stats_->stable_bytes += op.data.size();
      } else {
        file.UnstableWrite(op.range.offset, op.data);
      }
      ++(op.sync ? stats_->sync_writes : stats_->unstable_writes);
      break;
    }
    case Kind::kCommit: {
      VOLUMED_RETURN_IF_ERROR(check_verifier("COMMIT"));
      FileModel& file = world_->files.at(op.path);
      for (const Extent& e : file.maybe) stats_->stable_bytes += e.data.size();
      file.Commit();
      ++stats_->commits;
      break;
    }
    case Kind::kTruncate:
      world_->files[op.path] = *op.after.at(op.path);
      ++stats_->truncates;
      break;
    case Kind::kRename:
      world_->files[op.to] = world_->files.at(op.path);
      world_->files.erase(op.path);
      (*handles_)[op.to] = op.moved;
      handles_->erase(op.path);
      ++stats_->renames;
      break;
    case Kind::kRemove:
      world_->files.erase(op.path);
      handles_->erase(op.path);
      ++stats_->removes;
      break;
  }
  return Status::Ok();
}

void ConcurrentWorkload::Slot(int client) {
  NfsOps& ops = *clients_[static_cast<size_t>(client)];
  for (;;) {
    std::optional<Probe> probe;
    uint64_t id = 0;
    const Op* op = nullptr;  // stable: only this thread erases it from ops_
    Outcome out;
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      if (!ops_.empty() && Uniform(*rng_, 0, 99) < kObservePercent) probe = PlanProbe(client);
      if (!probe.has_value()) {
        id = PlanChange(client);
        op = &ops_.at(id);
        if (op->kind != Kind::kCreate && op->kind != Kind::kRename && op->kind != Kind::kRemove) {
          out.fh = handles_->at(op->path);
        }
      }
    }
    Reply reply;
    const Status s = probe.has_value() ? Observe(ops, *probe, &reply) : Execute(ops, *op, &out);
    std::lock_guard lock(mu_);
    if (!s.ok()) {
      stop_ = true;
      // A change without a reply stays in ops_ with its claims: it is in flight at the kill.
      unanswered_.push_back(probe.has_value() ? Describe(*probe) : op->what);
      if (!probe.has_value()) ++unanswered_changes_;
      if (!NoReply(s) && failure_.ok()) {
        failure_ = Internal(fmt::format("{}: {}", unanswered_.back(), s.ToString()));
      }
      return;
    }
    if (probe.has_value()) {
      Judge(client, *probe, reply);
      continue;
    }
    Status acked = Acknowledge(id, out);
    if (!acked.ok()) {
      stop_ = true;
      if (failure_.ok()) failure_ = acked;
      return;
    }
  }
}

Status ConcurrentWorkload::RunUntilNoReply(std::vector<PendingChange>* pending,
                                           std::vector<std::string>* inflight, WorkloadStats* stats,
                                           ConcurrencyStats* concurrency) {
  {
    std::lock_guard lock(mu_);
    stats_ = stats;
    concurrency_ = concurrency;
  }
  {
    std::vector<std::jthread> threads;
    for (size_t c = 0; c < clients_.size(); ++c) {
      for (int d = 0; d < depth_; ++d) {
        threads.emplace_back([this, c] { Slot(static_cast<int>(c)); });
      }
    }
  }
  std::lock_guard lock(mu_);
  const uint64_t unanswered = unanswered_.size();
  for (auto& [id, op] : ops_) {
    if (!op.revealed_by.empty()) {
      ++concurrency_->revealed_at_kill;
      unanswered_.push_back(fmt::format("[{} was revealed by {}]", op.what, op.revealed_by));
    }
    switch (op.kind) {
      case Kind::kWrite: {
        FileModel& file = world_->files.at(op.path);
        if (op.sync && !op.revealed_by.empty()) {
          file.StableWrite(op.range.offset, op.data);  // READ showed it: it must be there
        } else {
          file.UnstableWrite(op.range.offset, op.data);  // may or may not have landed
        }
        break;
      }
      case Kind::kCommit:
        break;  // promises nothing until answered
      case Kind::kCreate:
      case Kind::kTruncate:
      case Kind::kRename:
      case Kind::kRemove:
        pending->push_back({op.what, op.after, op.revealed_by});
        break;
    }
  }
  ops_.clear();
  claimed_.clear();
  concurrency_->unanswered += unanswered;
  concurrency_->unanswered_changes += unanswered_changes_;
  concurrency_->max_unanswered = std::max(concurrency_->max_unanswered, unanswered);
  *inflight = std::move(unanswered_);
  unanswered_.clear();
  unanswered_changes_ = 0;
  stop_ = false;
  Status failure = failure_;
  failure_ = Status::Ok();
  return failure;
}

}  // namespace volumed::crashmatrix
