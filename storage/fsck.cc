#include "storage/fsck.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

#include "storage/key_codec.h"
#include "storage/records.h"
#include "storage/volume_impl.h"

namespace volumed::storage {
namespace {

struct BlockStats {
  uint64_t count = 0;
  uint64_t bytes = 0;
};

struct EntryInfo {
  InodeId dir;
  std::string name;
  EntryRecord rec;
};

class Checker {
 public:
  explicit Checker(FsckReport* report) : r_(report) {}

  void Problem(std::string p) {
    if (r_->problems.size() < 1000) r_->problems.push_back(std::move(p));
  }

  bool Visit(std::string_view key, std::string_view value) {
    const auto tag = static_cast<uint8_t>(key[0]);
    switch (tag) {
      case keys::kSuperTag:
        if (key == keys::Super(keys::kSuperFormat)) {
          auto f = DecodeFormat(value);
          if (f.ok())
            format_ = *f;
          else
            Problem("bad format record");
        } else if (key == keys::Super(keys::kSuperCounters)) {
          auto c = DecodeCounters(value);
          if (c.ok())
            counters_ = *c;
          else
            Problem("bad counters record");
        } else {
          Problem("unknown superblock field");
        }
        return true;
      case keys::kInodeTag: {
        auto ino = keys::ParseInode(key);
        auto rec = DecodeInode(value);
        if (!ino || !rec.ok()) {
          Problem("bad inode record");
        } else {
          inodes_.emplace(*ino, *rec);
        }
        return true;
      }
      case keys::kEntryTag: {
        auto e = keys::ParseEntry(key);
        auto rec = DecodeEntry(value);
        if (!e || !rec.ok()) {
          Problem("bad entry record");
        } else {
          entries_.push_back(EntryInfo{e->dir, std::string(e->name), *rec});
        }
        return true;
      }
      case keys::kCookieTag: {
        auto c = keys::ParseCookie(key);
        auto rec = DecodeCookie(value);
        if (!c || !rec.ok()) {
          Problem("bad cookie record");
        } else {
          cookies_.emplace(std::make_pair(c->first, c->second), *rec);
        }
        return true;
      }
      case keys::kOrphanTag: {
        auto ino = keys::ParseOrphan(key);
        auto rec = DecodeOrphan(value);
        if (!ino || !rec.ok()) {
          Problem("bad orphan record");
        } else {
          orphans_.emplace(*ino, *rec);
        }
        return true;
      }
      case keys::kMarkerTag:
        return true;
      case keys::kDeferredTag: {
        auto ino = keys::ParseDeferred(key);
        if (!ino || !value.empty()) {
          Problem("bad deferred marker");
        } else {
          deferred_.insert(*ino);
        }
        return true;
      }
      case keys::kBlockTag: {
        auto b = keys::ParseBlock(key);
        if (!b) {
          Problem("bad block key");
          return true;
        }
        blocks_.push_back({b->first, b->second, value.size()});
        return true;
      }
      default:
        Problem("unknown key tag " + std::to_string(tag));
        return true;
    }
  }

  void Finish() {
    r_->inodes = inodes_.size();
    r_->entries = entries_.size();
    r_->orphans = orphans_.size();
    if (!format_) {
      Problem("no format record");
      return;
    }
    const uint64_t bs = format_->block_size;
    auto root = inodes_.find(kRootIno);
    if (root == inodes_.end() || root->second.type != FileType::kDirectory) {
      Problem("no root directory");
    }
    std::map<InodeId, uint32_t> links;    // entries naming each inode
    std::map<InodeId, uint32_t> subdirs;  // subdirectories of each directory
    for (const auto& e : entries_) {
      const std::string where = "entry " + std::to_string(e.dir) + "/" + e.name;
      auto d = inodes_.find(e.dir);
      if (d == inodes_.end() || d->second.type != FileType::kDirectory) {
        Problem(where + ": not in a live directory");
        continue;
      }
      auto c = inodes_.find(e.rec.child);
      if (c == inodes_.end()) {
        Problem(where + ": points to dead inode " + std::to_string(e.rec.child));
        continue;
      }
      if (c->second.type != e.rec.type || c->second.generation != e.rec.generation) {
        Problem(where + ": type or generation differs from the inode");
      }
      links[e.rec.child] += 1;
      if (c->second.type == FileType::kDirectory) {
        subdirs[e.dir] += 1;
        if (c->second.parent != e.dir) Problem(where + ": directory's parent pointer differs");
      }
      if (e.rec.cookie < kFirstCookie || e.rec.cookie >= d->second.next_cookie) {
        Problem(where + ": cookie out of range");
      }
      auto ck = cookies_.find({e.dir, e.rec.cookie});
      if (ck == cookies_.end() || ck->second.name != e.name || ck->second.child != e.rec.child) {
        Problem(where + ": cookie record missing or different");
      }
    }
    if (cookies_.size() != entries_.size()) {
      Problem("cookie records (" + std::to_string(cookies_.size()) + ") != entries (" +
              std::to_string(entries_.size()) + ")");
    }
    std::map<InodeId, BlockStats> per_ino;
    uint64_t total_bytes = 0;
    for (const auto& [ino, index, len] : blocks_) {
      per_ino[ino].count += 1;
      per_ino[ino].bytes += len;
      total_bytes += len;
      const std::string where = "block " + std::to_string(ino) + ":" + std::to_string(index);
      if (len > bs) Problem(where + ": longer than the block size");
      auto o = orphans_.find(ino);
      const bool orphaned = o != orphans_.end() && index >= o->second.from_block;
      auto i = inodes_.find(ino);
      if (i == inodes_.end()) {
        if (!orphaned || !o->second.dead) Problem(where + ": of a dead inode, not orphaned");
        continue;
      }
      if (i->second.type != FileType::kRegular) Problem(where + ": of a non-file");
      // A deferred record lags its blocks: they may reach past its size.
      if (index * bs + len > i->second.size && !orphaned && deferred_.count(ino) == 0) {
        Problem(where + ": beyond the file's size");
      }
    }
    r_->blocks = blocks_.size();
    r_->block_bytes = total_bytes;
    uint64_t max_ino = 0;
    uint64_t deferred_bytes = 0;
    for (const auto& [ino, rec] : inodes_) {
      max_ino = std::max(max_ino, ino);
      const std::string where = "inode " + std::to_string(ino);
      uint32_t expect;
      if (rec.type == FileType::kDirectory) {
        expect = 2 + subdirs[ino];
        const uint32_t want_entries = ino == kRootIno ? 0 : 1;
        if (links[ino] != want_entries) Problem(where + ": directory with wrong entry count");
        if (ino == kRootIno && rec.parent != kRootIno) Problem(where + ": root parent wrong");
      } else {
        expect = links[ino];
      }
      if (rec.nlink != expect) {
        Problem(where + ": nlink " + std::to_string(rec.nlink) + " but " + std::to_string(expect) +
                " expected");
      }
      if (ino != kRootIno && links[ino] == 0) Problem(where + ": unreachable");
      if (deferred_.count(ino) != 0) {
        if (rec.type != FileType::kRegular) Problem(where + ": deferred but not a file");
        if (orphans_.count(ino) != 0) Problem(where + ": deferred and orphaned");
        if (per_ino[ino].bytes < rec.used) Problem(where + ": deferred, blocks below its used");
        // The counters leave out what its deferred writes added.
        deferred_bytes += per_ino[ino].bytes - std::min(per_ino[ino].bytes, rec.used);
      } else if (rec.used != per_ino[ino].bytes) {
        Problem(where + ": used " + std::to_string(rec.used) + " but blocks hold " +
                std::to_string(per_ino[ino].bytes));
      }
      if (rec.type == FileType::kSymlink && rec.size != rec.target.size()) {
        Problem(where + ": symlink size differs from target");
      }
    }
    for (InodeId ino : deferred_) {
      if (inodes_.count(ino) == 0)
        Problem("deferred marker of a dead inode " + std::to_string(ino));
    }
    for (const auto& [ino, o] : orphans_) {
      const bool live = inodes_.count(ino) != 0;
      if (o.dead == live) Problem("orphan " + std::to_string(ino) + ": dead flag wrong");
    }
    if (!counters_) {
      Problem("no counters record");
      return;
    }
    if (counters_->next_ino <= max_ino) Problem("next_ino not above every inode");
    if (counters_->used_bytes != total_bytes - deferred_bytes) {
      Problem("used_bytes " + std::to_string(counters_->used_bytes) + " but blocks hold " +
              std::to_string(total_bytes) + ", " + std::to_string(deferred_bytes) +
              " of them deferred");
    }
    const uint64_t files = inodes_.empty() ? 0 : inodes_.size() - 1;
    if (counters_->used_files != files) {
      Problem("used_files " + std::to_string(counters_->used_files) + " but " +
              std::to_string(files) + " inodes");
    }
  }

 private:
  FsckReport* r_;
  std::optional<FormatRecord> format_;
  std::optional<CountersRecord> counters_;
  std::map<InodeId, InodeRecord> inodes_;
  std::vector<EntryInfo> entries_;
  std::map<std::pair<InodeId, uint64_t>, CookieRecord> cookies_;
  std::map<InodeId, OrphanRecord> orphans_;
  std::set<InodeId> deferred_;
  std::vector<std::tuple<InodeId, uint64_t, size_t>> blocks_;
};

}  // namespace

std::string FsckReport::Summary() const {
  std::string s = std::to_string(inodes) + " inodes, " + std::to_string(entries) + " entries, " +
                  std::to_string(blocks) + " blocks (" + std::to_string(block_bytes) + " bytes), " +
                  std::to_string(orphans) + " orphans, " + std::to_string(problems.size()) +
                  " problems";
  for (const auto& p : problems) s += "\n  " + p;
  return s;
}

Status Fsck(const Kv& kv, FsckReport* report) {
  *report = FsckReport{};
  Checker checker(report);
  auto snap = kv.Snapshot();
  VOLUMED_RETURN_IF_ERROR(kv.Scan(
      "", "",
      [&](std::string_view k, std::string_view v) { return k.empty() || checker.Visit(k, v); },
      snap.get()));
  checker.Finish();
  return Status::Ok();
}

Status Fsck(Volume& volume, FsckReport* report) {
  auto* impl = dynamic_cast<VolumeImpl*>(&volume);
  if (impl == nullptr || impl->kv() == nullptr) {
    return Status(Status::Code::kNotSupported, "not a LevelDB volume");
  }
  return Fsck(*impl->kv(), report);
}

}  // namespace volumed::storage
