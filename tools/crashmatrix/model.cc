#include "model.h"

#include <algorithm>

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

std::vector<std::string> CheckWorld(const World& world,
                                    const std::map<std::string, std::string>& actual) {
  std::vector<std::string> problems;
  for (const auto& [path, model] : world.files) {
    auto it = actual.find(path);
    if (it == actual.end()) {
      problems.push_back(path + ": acknowledged file is missing");
      continue;
    }
    auto p = CheckFile(path, model, it->second);
    problems.insert(problems.end(), p.begin(), p.end());
  }
  for (const auto& [path, content] : actual) {
    if (world.files.count(path) == 0) {
      problems.push_back(path + ": present but its removal (or rename away) was acknowledged, " +
                         "or it was never created");
    }
  }
  return problems;
}

}  // namespace volumed::crashmatrix
