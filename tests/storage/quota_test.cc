// Quotas: writes beyond the byte quota and creates beyond the file quota fail with
// kQuotaExceeded and leave nothing behind.
#include <gtest/gtest.h>

#include "volume_fixture.h"

namespace volumed::storage {
namespace {

using Code = Status::Code;

TEST(Quota, ByteQuotaRejectsWholeWrite) {
  MemVolume v;
  v->SetQuota(Quota{10000, 0});
  auto f = v->Create(Root(), v->Root(), "f", CreateMode::kGuarded, {}, 0, nullptr);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(
      v->Write(Root(), f->ref, 0, std::string(8000, 'a'), Stability::kFileSync, nullptr).ok());
  Wcc wcc;
  auto w = v->Write(Root(), f->ref, 8000, std::string(4000, 'b'), Stability::kFileSync, &wcc);
  EXPECT_EQ(w.status().code(), Code::kQuotaExceeded);
  ASSERT_TRUE(wcc.after);
  EXPECT_EQ(wcc.after->size, 8000u);
  auto a = v->GetAttr(f->ref);
  EXPECT_EQ(a->size, 8000u);
  EXPECT_EQ(a->used, 8000u);
  auto r = v->Read(Root(), f->ref, 0, 20000);
  EXPECT_EQ(r->data, std::string(8000, 'a'));
  EXPECT_EQ(v->StatFs()->used_bytes, 8000u);
  // Overwriting in place does not need more space.
  EXPECT_TRUE(
      v->Write(Root(), f->ref, 0, std::string(8000, 'c'), Stability::kFileSync, nullptr).ok());
  EXPECT_TRUE(
      v->Write(Root(), f->ref, 8000, std::string(2000, 'd'), Stability::kFileSync, nullptr).ok());
  EXPECT_EQ(v->Write(Root(), f->ref, 10000, "e", Stability::kFileSync, nullptr).status().code(),
            Code::kQuotaExceeded);
  auto st = v->StatFs();
  EXPECT_EQ(st->total_bytes, 10000u);
  EXPECT_EQ(st->free_bytes, 0u);
  v.ExpectClean();
}

TEST(Quota, RemovedFilesFreeSpaceEvenBeforeBackgroundReclaim) {
  MemVolume v;
  v->SetQuota(Quota{100000, 0});
  auto f = v->Create(Root(), v->Root(), "big", CreateMode::kGuarded, {}, 0, nullptr);
  ASSERT_TRUE(
      v->Write(Root(), f->ref, 0, std::string(90000, 'a'), Stability::kFileSync, nullptr).ok());
  ASSERT_TRUE(v->Remove(Root(), v->Root(), "big", nullptr).ok());
  EXPECT_EQ(*v->PendingOrphans(), 1u);  // too big to free inline in this fixture
  auto g = v->Create(Root(), v->Root(), "g", CreateMode::kGuarded, {}, 0, nullptr);
  EXPECT_TRUE(
      v->Write(Root(), g->ref, 0, std::string(90000, 'b'), Stability::kFileSync, nullptr).ok());
  EXPECT_EQ(*v->PendingOrphans(), 0u);
  v.ExpectClean();
}

TEST(Quota, FileQuotaRejectsCreates) {
  MemVolume v;
  v->SetQuota(Quota{0, 3});
  ASSERT_TRUE(v->Create(Root(), v->Root(), "a", CreateMode::kGuarded, {}, 0, nullptr).ok());
  ASSERT_TRUE(v->Mkdir(Root(), v->Root(), "d", {}, nullptr).ok());
  ASSERT_TRUE(v->Symlink(Root(), v->Root(), "l", "a", {}, nullptr).ok());
  Wcc wcc;
  EXPECT_EQ(v->Create(Root(), v->Root(), "b", CreateMode::kGuarded, {}, 0, &wcc).status().code(),
            Code::kQuotaExceeded);
  EXPECT_EQ(v->Mkdir(Root(), v->Root(), "e", {}, nullptr).status().code(), Code::kQuotaExceeded);
  EXPECT_EQ(v->Lookup(Root(), v->Root(), "b", nullptr).status().code(), Code::kNotFound);
  EXPECT_EQ(v->GetAttr(v->Root())->nlink, 3u);
  // Hard links are not new files.
  auto a = v->Lookup(Root(), v->Root(), "a", nullptr);
  EXPECT_TRUE(v->Link(Root(), a->ref, v->Root(), "a2", nullptr, nullptr).ok());
  auto st = v->StatFs();
  EXPECT_EQ(st->total_files, 3u);
  EXPECT_EQ(st->free_files, 0u);
  ASSERT_TRUE(v->Remove(Root(), v->Root(), "l", nullptr).ok());
  EXPECT_TRUE(v->Create(Root(), v->Root(), "b", CreateMode::kGuarded, {}, 0, nullptr).ok());
  v.ExpectClean();
}

}  // namespace
}  // namespace volumed::storage
