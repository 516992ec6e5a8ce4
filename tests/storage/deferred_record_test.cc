// Deferred records (storage/inode_store.h): an UNSTABLE write adds its blocks without its
// file's record, which stays in memory until the file's next written record; reads see
// it, fsck accepts the lag the deferred marker declares, and COMMIT, other changes,
// removes and Close write it. A crash in between: storage_crash's
// KillNineRepairsDeferredRecords.
#include <gtest/gtest.h>
#include <leveldb/write_batch.h>

#include <string>

#include "storage/key_codec.h"
#include "storage/records.h"
#include "volume_fixture.h"

namespace volumed::storage {
namespace {

using Code = Status::Code;

class DeferredRecordTest : public ::testing::Test {
 protected:
  InodeRef MakeFile(const std::string& name) {
    auto r = v->Create(Root(), v->Root(), name, CreateMode::kGuarded, {}, 0, nullptr);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->ref : InodeRef{};
  }
  Status Unstable(InodeRef f, uint64_t offset, const std::string& data) {
    return v->Write(Root(), f, offset, data, Stability::kUnstable, nullptr).status();
  }
  // The record as stored, not as reads see it.
  InodeRecord Stored(InodeRef f) {
    auto value = v->kv()->Get(keys::Inode(f.ino));
    EXPECT_TRUE(value.ok() && *value);
    auto rec = DecodeInode(**value);
    EXPECT_TRUE(rec.ok());
    return rec.ok() ? *rec : InodeRecord{};
  }
  bool Marked(InodeRef f) {
    auto value = v->kv()->Get(keys::Deferred(f.ino));
    EXPECT_TRUE(value.ok());
    return value.ok() && value->has_value();
  }
  CountersRecord StoredCounters() {
    auto value = v->kv()->Get(keys::Super(keys::kSuperCounters));
    EXPECT_TRUE(value.ok() && *value);
    auto c = DecodeCounters(**value);
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : CountersRecord{};
  }
  MemVolume v;
};

TEST_F(DeferredRecordTest, UnstableWritesDeferTheRecordUntilCommit) {
  InodeRef f = MakeFile("f");
  const uint64_t counted = StoredCounters().used_bytes;
  ASSERT_TRUE(Unstable(f, 0, std::string(10000, 'a')).ok());
  ASSERT_TRUE(Unstable(f, 10000, std::string(5000, 'b')).ok());
  // Reads see the deferred record; the store holds the blocks, the old record and the
  // marker, and its counters leave the deferred bytes out.
  auto a = v->GetAttr(f);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size, 15000u);
  EXPECT_EQ(a->used, 15000u);
  auto r = v->Read(Root(), f, 9990, 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, std::string(10, 'a') + std::string(10, 'b'));
  EXPECT_EQ(Stored(f).size, 0u);
  EXPECT_TRUE(Marked(f));
  EXPECT_EQ(StoredCounters().used_bytes, counted);
  v.ExpectClean();

  Attributes after;
  ASSERT_TRUE(v->Commit(f, &after).ok());
  EXPECT_EQ(after.size, 15000u);
  EXPECT_EQ(Stored(f).size, 15000u);
  EXPECT_EQ(Stored(f).used, 15000u);
  EXPECT_FALSE(Marked(f));
  EXPECT_EQ(StoredCounters().used_bytes, counted + 15000);
  v.ExpectClean();
}

TEST_F(DeferredRecordTest, AnyOtherChangeWritesTheDeferredRecord) {
  InodeRef f = MakeFile("f");
  ASSERT_TRUE(Unstable(f, 0, std::string(8192, 'a')).ok());
  SetAttrRequest chmod;
  chmod.mode = 0600;
  ASSERT_TRUE(v->SetAttr(Root(), f, chmod, nullptr).ok());
  EXPECT_FALSE(Marked(f));
  EXPECT_EQ(Stored(f).size, 8192u);
  EXPECT_EQ(Stored(f).mode, 0600u);
  EXPECT_EQ(v->GetAttr(f)->mode, 0600u);  // the record read is the written one
  v.ExpectClean();

  // A stable write writes it too; so does a link.
  ASSERT_TRUE(Unstable(f, 8192, "x").ok());
  EXPECT_TRUE(Marked(f));
  ASSERT_TRUE(v->Write(Root(), f, 0, "y", Stability::kFileSync, nullptr).ok());
  EXPECT_FALSE(Marked(f));
  EXPECT_EQ(Stored(f).size, 8193u);
  ASSERT_TRUE(Unstable(f, 8193, "z").ok());
  ASSERT_TRUE(v->Link(Root(), f, v->Root(), "g", nullptr, nullptr).ok());
  EXPECT_FALSE(Marked(f));
  EXPECT_EQ(Stored(f).size, 8194u);
  EXPECT_EQ(Stored(f).nlink, 2u);
  v.ExpectClean();
}

TEST_F(DeferredRecordTest, RemovingADeferredFileCountsItsBytesOnce) {
  InodeRef f = MakeFile("f");
  InodeRef big = MakeFile("big");
  const uint64_t counted = StoredCounters().used_bytes;
  ASSERT_TRUE(Unstable(f, 0, std::string(9000, 'a')).ok());
  // More blocks than the fixture frees inline: the remove goes through the orphan list.
  ASSERT_TRUE(Unstable(big, 0, std::string(40000, 'b')).ok());
  ASSERT_TRUE(v->Remove(Root(), v->Root(), "f", nullptr).ok());
  ASSERT_TRUE(v->Remove(Root(), v->Root(), "big", nullptr).ok());
  EXPECT_FALSE(Marked(f));
  EXPECT_FALSE(Marked(big));
  v.ExpectClean();
  ASSERT_TRUE(v->ReclaimAll().ok());
  EXPECT_EQ(StoredCounters().used_bytes, counted);
  v.ExpectClean();
}

TEST_F(DeferredRecordTest, CloseWritesDeferredRecords) {
  InodeRef f = MakeFile("f");
  ASSERT_TRUE(Unstable(f, 100, std::string(5000, 'a')).ok());
  v.Reopen();
  EXPECT_FALSE(Marked(f));
  EXPECT_EQ(Stored(f).size, 5100u);
  auto r = v->Read(Root(), f, 0, 6000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, std::string(100, '\0') + std::string(5000, 'a'));
  v.ExpectClean();
}

TEST_F(DeferredRecordTest, DeferredBytesCountAgainstTheQuota) {
  v.options().quota.max_bytes = 3 * 4096;
  v.Reopen();
  InodeRef f = MakeFile("f");
  ASSERT_TRUE(Unstable(f, 0, std::string(2 * 4096, 'a')).ok());
  EXPECT_EQ(Unstable(f, 2 * 4096, std::string(2 * 4096, 'b')).code(), Code::kQuotaExceeded);
  EXPECT_EQ(v->GetAttr(f)->size, 2 * 4096u);  // the refused write left no trace
  ASSERT_TRUE(Unstable(f, 2 * 4096, std::string(4096, 'c')).ok());
  auto st = v->StatFs();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->free_bytes, 0u);
  v.ExpectClean();
}

TEST_F(DeferredRecordTest, ATruncatedTailWaitingForReclaimIsNeverDeferred) {
  InodeRef f = MakeFile("f");
  ASSERT_TRUE(v->Write(Root(), f, 0, std::string(40000, 'a'), Stability::kFileSync, nullptr).ok());
  SetAttrRequest shrink;
  shrink.size = 100;
  ASSERT_TRUE(v->SetAttr(Root(), f, shrink, nullptr).ok());
  ASSERT_EQ(*v->PendingOrphans(), 1u);
  ASSERT_TRUE(Unstable(f, 0, "b").ok());  // within the size: the tail stays
  EXPECT_FALSE(Marked(f));
  v.ExpectClean();
  ASSERT_TRUE(Unstable(f, 200, "c").ok());  // grows: the tail is reclaimed first
  EXPECT_EQ(*v->PendingOrphans(), 0u);
  EXPECT_TRUE(Marked(f));
  v.ExpectClean();
}

TEST_F(DeferredRecordTest, AtMostTheLimitOfFilesAreDeferredAtOnce) {
  v.options().max_deferred_records = 2;
  v.Reopen();
  InodeRef a = MakeFile("a");
  InodeRef b = MakeFile("b");
  InodeRef c = MakeFile("c");
  ASSERT_TRUE(Unstable(a, 0, "a").ok());
  ASSERT_TRUE(Unstable(b, 0, "b").ok());
  ASSERT_TRUE(Unstable(c, 0, "c").ok());
  EXPECT_TRUE(Marked(a));
  EXPECT_TRUE(Marked(b));
  EXPECT_FALSE(Marked(c));
  EXPECT_EQ(Stored(c).size, 1u);
  ASSERT_TRUE(Unstable(a, 1, "a").ok());  // already deferred: stays so
  EXPECT_EQ(Stored(a).size, 0u);
  ASSERT_TRUE(v->Commit(a, nullptr).ok());
  ASSERT_TRUE(Unstable(c, 1, "c").ok());  // room again
  EXPECT_TRUE(Marked(c));
  v.ExpectClean();
}

// Markers came with format 2: Open raises a volume of format 1 to 2 (so a volumed that
// knows only 1 refuses it from then on and never skips the markers' repair), and a
// volume of a format newer than this volumed knows is refused.
TEST_F(DeferredRecordTest, OpenRaisesAnOlderFormatAndRefusesANewerOne) {
  auto stored_format = [&] {
    auto value = v->kv()->Get(keys::Super(keys::kSuperFormat));
    EXPECT_TRUE(value.ok() && *value);
    auto format = DecodeFormat(**value);
    EXPECT_TRUE(format.ok());
    return format.ok() ? *format : FormatRecord{};
  };
  auto store_version = [&](uint32_t version) {
    FormatRecord format = stored_format();
    format.format_version = version;
    leveldb::WriteBatch batch;
    batch.Put(keys::Super(keys::kSuperFormat), Encode(format));
    ASSERT_TRUE(v->kv()->Write(&batch, true).ok());
  };
  EXPECT_EQ(kFormatVersion, 2u);
  EXPECT_EQ(stored_format().format_version, kFormatVersion);  // a new volume
  InodeRef f = MakeFile("f");
  ASSERT_TRUE(Unstable(f, 0, "before").ok());
  store_version(1);
  v.Reopen();
  EXPECT_EQ(stored_format().format_version, kFormatVersion);
  auto r = v->Read(Root(), f, 0, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, "before");
  ASSERT_TRUE(Unstable(f, 6, "+after").ok());
  EXPECT_TRUE(Marked(f));
  v.ExpectClean();

  store_version(kFormatVersion + 1);
  Status s = v.TryReopen();
  EXPECT_EQ(s.code(), Code::kCorruption) << s.ToString();
  EXPECT_NE(s.ToString().find("unknown volume format version 3"), std::string::npos);
}
}  // namespace
}  // namespace volumed::storage
