#include "storage/records.h"

#include <gtest/gtest.h>

namespace volumed::storage {
namespace {

InodeRecord SampleInode() {
  InodeRecord r;
  r.type = FileType::kSymlink;
  r.mode = 04755;
  r.uid = 1000;
  r.gid = 100;
  r.nlink = 3;
  r.size = 123456789;
  r.used = 65536;
  r.atime = {-5, 999999999};
  r.mtime = {1700000000, 1};
  r.ctime = {1700000001, 2};
  r.generation = 0xdeadbeef;
  r.rdev_major = 8;
  r.rdev_minor = 1;
  r.parent = 0;
  r.next_cookie = 99;
  r.has_verifier = true;
  r.verifier = 0x1122334455667788;
  r.target = "../somewhere";
  return r;
}

TEST(Records, InodeRoundTrips) {
  InodeRecord r = SampleInode();
  auto d = DecodeInode(Encode(r));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, r);
}

TEST(Records, InodeEncodingIsPinned) {
  InodeRecord r;
  r.type = FileType::kRegular;
  r.mode = 0644;
  r.nlink = 1;
  r.generation = 7;
  std::string e = Encode(r);
  // version, type, mode(be)
  ASSERT_GE(e.size(), 6u);
  EXPECT_EQ(e[0], 1);
  EXPECT_EQ(e[1], 1);
  EXPECT_EQ(e.substr(2, 4), std::string("\x00\x00\x01\xa4", 4));
  EXPECT_EQ(e.size(), 1 + 1 + 4 * 4 + 8 * 2 + 12 * 3 + 4 * 3 + 8 * 2 + 1 + 8 + 4);
}

TEST(Records, RejectsCorruptValues) {
  std::string e = Encode(SampleInode());
  EXPECT_EQ(DecodeInode(e.substr(0, e.size() - 1)).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeInode(e + "x").status().code(), Status::Code::kCorruption);
  std::string bad_version = e;
  bad_version[0] = 2;
  EXPECT_FALSE(DecodeInode(bad_version).ok());
  std::string bad_type = e;
  bad_type[1] = 9;
  EXPECT_FALSE(DecodeInode(bad_type).ok());
  EXPECT_FALSE(DecodeInode("").ok());
  EXPECT_FALSE(DecodeEntry("\x01").ok());
  EXPECT_FALSE(DecodeCookie(std::string("\x01", 1)).ok());
  EXPECT_FALSE(DecodeCounters(std::string(5, '\0')).ok());
}

TEST(Records, SmallRecordsRoundTrip) {
  EntryRecord e{12, 34, FileType::kDirectory, 56};
  EXPECT_EQ(*DecodeEntry(Encode(e)), e);
  CookieRecord c{12, 34, FileType::kFifo, "a name"};
  EXPECT_EQ(*DecodeCookie(Encode(c)), c);
  OrphanRecord o{17, true};
  EXPECT_EQ(*DecodeOrphan(Encode(o)), o);
  FormatRecord f{kFormatVersion, 65536, 3, 0xabcdef};
  EXPECT_EQ(*DecodeFormat(Encode(f)), f);
  CountersRecord k{100, 1 << 20, 42};
  EXPECT_EQ(*DecodeCounters(Encode(k)), k);
  FormatRecord bad_block{kFormatVersion, 1000, 3, 1};
  EXPECT_FALSE(DecodeFormat(Encode(bad_block)).ok());
}

TEST(Records, VolumeRoundTrips) {
  VolumeInfo v;
  v.name = "data-set_1";
  v.id = 5;
  v.epoch = 0x123456789;
  v.kind = VolumeKind::kEphemeral;
  v.lease_expiry_ns = 1234567890123;
  v.created_ns = 42;
  v.quota = {1 << 30, 1000};
  v.policy.allowed_cidrs = {"10.0.0.0/8", "192.168.1.0/24"};
  v.policy.read_only = true;
  v.policy.squash = Squash::kAll;
  v.policy.anon_uid = 7;
  v.policy.anon_gid = 8;
  auto d = DecodeVolume(Encode(v));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->name, v.name);
  EXPECT_EQ(d->id, v.id);
  EXPECT_EQ(d->epoch, v.epoch);
  EXPECT_EQ(d->kind, v.kind);
  EXPECT_EQ(d->lease_expiry_ns, v.lease_expiry_ns);
  EXPECT_EQ(d->created_ns, v.created_ns);
  EXPECT_EQ(d->quota.max_bytes, v.quota.max_bytes);
  EXPECT_EQ(d->quota.max_files, v.quota.max_files);
  EXPECT_EQ(d->policy.allowed_cidrs, v.policy.allowed_cidrs);
  EXPECT_TRUE(d->policy.read_only);
  EXPECT_EQ(d->policy.squash, Squash::kAll);
  EXPECT_EQ(d->policy.anon_uid, 7u);
  EXPECT_EQ(d->policy.anon_gid, 8u);
}

}  // namespace
}  // namespace volumed::storage
