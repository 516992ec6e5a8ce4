#include "model.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace volumed::crashmatrix {
namespace {

// Removes [begin, end) from every extent, splitting where needed.
void Subtract(std::vector<Extent>& extents, uint64_t begin, uint64_t end) {
  std::vector<Extent> out;
  for (Extent& e : extents) {
    if (e.end() <= begin || e.offset >= end) {
      out.push_back(std::move(e));
      continue;
    }
    if (e.offset < begin) out.push_back({e.offset, e.data.substr(0, begin - e.offset)});
    if (e.end() > end) out.push_back({end, e.data.substr(end - e.offset)});
  }
  extents = std::move(out);
}

void Overlay(std::string& bytes, uint64_t offset, const std::string& data) {
  if (bytes.size() < offset + data.size()) bytes.resize(offset + data.size(), '\0');
  std::copy(data.begin(), data.end(), bytes.begin() + static_cast<std::ptrdiff_t>(offset));
}

uint8_t DurableByte(const FileModel& m, uint64_t i) {
  return i < m.durable.size() ? static_cast<uint8_t>(m.durable[i]) : 0;
}

}  // namespace

void FileModel::StableWrite(uint64_t offset, const std::string& data) {
  Overlay(durable, offset, data);
  Subtract(maybe, offset, offset + data.size());
}

void FileModel::UnstableWrite(uint64_t offset, const std::string& data) {
  if (!data.empty()) maybe.push_back({offset, data});
}

void FileModel::Commit() {
  for (const Extent& e : maybe) Overlay(durable, e.offset, e.data);
  maybe.clear();
}

void FileModel::Truncate(uint64_t size) {
  durable.resize(size, '\0');
  Subtract(maybe, size, UINT64_MAX);
}

std::string FileModel::LiveContent() const {
  std::string bytes = durable;
  for (const Extent& e : maybe) Overlay(bytes, e.offset, e.data);
  return bytes;
}

uint64_t FileModel::LiveSize() const {
  uint64_t size = durable.size();
  for (const Extent& e : maybe) size = std::max(size, e.end());
  return size;
}

std::vector<std::string> CheckFile(const std::string& path, const FileModel& m,
                                   const std::string& actual) {
  std::vector<std::string> problems;
  bool size_ok = actual.size() == m.durable.size();
  for (const Extent& e : m.maybe) size_ok |= e.end() > m.durable.size() && actual.size() == e.end();
  if (!size_ok) {
    problems.push_back(fmt::format("{}: size {} but durable size {} and {} uncommitted writes",
                                   path, actual.size(), m.durable.size(), m.maybe.size()));
  }
  // Every byte: durable value, zero past the durable size, or some maybe-write's value.
  uint64_t bad = 0;
  uint64_t first_bad = 0;
  for (uint64_t i = 0; i < actual.size(); ++i) {
    const auto v = static_cast<uint8_t>(actual[i]);
    bool ok = v == DurableByte(m, i);
    for (size_t k = 0; !ok && k < m.maybe.size(); ++k) {
      const Extent& e = m.maybe[k];
      ok = i >= e.offset && i < e.end() && static_cast<uint8_t>(e.data[i - e.offset]) == v;
    }
    if (!ok && bad++ == 0) first_bad = i;
  }
  if (bad > 0) {
    problems.push_back(fmt::format(
        "{}: {} bytes hold neither a durable nor an acknowledged value (first at offset {})", path,
        bad, first_bad));
  }
  // Atomicity: each maybe-write is all there or not there, judged on bytes only it explains.
  for (size_t k = 0; k < m.maybe.size(); ++k) {
    const Extent& e = m.maybe[k];
    uint64_t present = 0;
    uint64_t absent = 0;
    for (uint64_t i = e.offset; i < e.end(); ++i) {
      const auto mine = static_cast<uint8_t>(e.data[i - e.offset]);
      bool unique = mine != DurableByte(m, i);
      for (size_t j = 0; unique && j < m.maybe.size(); ++j) {
        unique = j == k || i < m.maybe[j].offset || i >= m.maybe[j].end();
      }
      if (!unique) continue;
      if (i < actual.size() && static_cast<uint8_t>(actual[i]) == mine) {
        ++present;
      } else {
        ++absent;
      }
    }
    if (present > 0 && absent > 0) {
      problems.push_back(fmt::format("{}: write [{}, {}) half applied ({} bytes there, {} not)",
                                     path, e.offset, e.end(), present, absent));
    }
  }
  return problems;
}

namespace {

// One path: `expected` the file that must be there (nullptr: no file may be there).
std::vector<std::string> CheckPath(const std::string& path, const FileModel* expected,
                                   const std::map<std::string, std::string>& actual) {
  auto it = actual.find(path);
  if (expected == nullptr) {
    if (it == actual.end()) return {};
    return {path + ": present but its removal (or rename away) was acknowledged, " +
            "or it was never created"};
  }
  if (it == actual.end()) return {path + ": acknowledged file is missing"};
  return CheckFile(path, *expected, it->second);
}

void Append(std::vector<std::string>& to, std::vector<std::string> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

PendingChange DiffWorlds(const std::string& what, const World& before, const World& after,
                         const std::vector<std::string>& replaced) {
  PendingChange change{what, {}, {}};
  for (const auto& [path, model] : after.files) {
    auto it = before.files.find(path);
    const bool other_file = std::find(replaced.begin(), replaced.end(), path) != replaced.end();
    if (it == before.files.end() || !(it->second == model) || other_file) {
      change.after[path] = model;
    }
  }
  for (const auto& [path, model] : before.files) {
    if (after.files.count(path) == 0) change.after[path] = std::nullopt;
  }
  return change;
}

std::vector<std::string> CheckWorld(const World& world,
                                    const std::map<std::string, std::string>& actual) {
  return CheckWorldWithPending(world, {}, actual);
}

std::vector<std::string> CheckWorldWithPending(const World& acked,
                                               const std::vector<PendingChange>& pending,
                                               const std::map<std::string, std::string>& actual,
                                               std::vector<bool>* applied) {
  std::vector<std::string> problems;
  std::map<std::string, size_t> owner;  // path → the pending change that decides it
  for (size_t k = 0; k < pending.size(); ++k) {
    for (const auto& [path, unused] : pending[k].after) {
      if (!owner.emplace(path, k).second) {
        problems.push_back(fmt::format("model: {} is changed by both {} and {}", path,
                                       pending[owner[path]].what, pending[k].what));
      }
    }
  }
  // Paths no pending change decides: exactly as acknowledged.
  for (const auto& [path, model] : acked.files) {
    if (owner.count(path) == 0) Append(problems, CheckPath(path, &model, actual));
  }
  for (const auto& [path, content] : actual) {
    if (owner.count(path) == 0 && acked.files.count(path) == 0) {
      Append(problems, CheckPath(path, nullptr, actual));
    }
  }
  if (applied != nullptr) applied->assign(pending.size(), false);
  for (size_t k = 0; k < pending.size(); ++k) {
    const PendingChange& change = pending[k];
    std::vector<std::string> without;  // as if it never reached the store
    std::vector<std::string> with;     // as if it did, wholly
    for (const auto& [path, after] : change.after) {
      auto it = acked.files.find(path);
      Append(without, CheckPath(path, it == acked.files.end() ? nullptr : &it->second, actual));
      Append(with, CheckPath(path, after.has_value() ? &*after : nullptr, actual));
    }
    if (!change.revealed_by.empty()) {
      if (applied != nullptr) (*applied)[k] = with.empty();
      if (!with.empty()) {
        problems.push_back(
            fmt::format("{} was revealed by {} before the crash but is not there "
                        "after it (a reply showed a change that was not durable):",
                        change.what, change.revealed_by));
        Append(problems, std::move(with));
      }
      continue;
    }
    if (without.empty()) continue;
    if (with.empty()) {
      if (applied != nullptr) (*applied)[k] = true;
      continue;
    }
    problems.push_back("(with the in-flight " + change.what + " not applied:)");
    Append(problems, std::move(without));
    problems.push_back("(and with it applied:)");
    Append(problems, std::move(with));
  }
  return problems;
}

}  // namespace volumed::crashmatrix
