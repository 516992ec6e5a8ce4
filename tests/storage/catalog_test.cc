#include "storage/catalog.h"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <memory>

#include "catalog_fixture.h"
#include "storage/fsck.h"

namespace volumed::storage {
namespace {

using Code = Status::Code;

class CatalogTest : public ::testing::Test {
 protected:
  CatalogTest() : env_(leveldb::NewMemEnv(leveldb::Env::Default())) { Reopen(); }

  void Reopen() {
    catalog_.reset();
    auto c = VolumeCatalog::Open(MemStoreOptions(env_.get()));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
  }

  size_t FilesUnder(const std::string& dir) {
    std::vector<std::string> children;
    if (!env_->GetChildren(dir, &children).ok()) return 0;
    return children.size();
  }

  VolumeInfo MustCreate(const std::string& name, VolumeKind kind = VolumeKind::kPersisted) {
    CreateVolumeRequest req;
    req.name = name;
    req.kind = kind;
    if (kind == VolumeKind::kEphemeral) req.lease_ttl_ns = 1'000'000'000;
    auto r = catalog_->Create(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VolumeInfo{};
  }

  std::unique_ptr<leveldb::Env> env_;
  std::unique_ptr<VolumeCatalog> catalog_;
};

TEST_F(CatalogTest, CreateListDescribe) {
  VolumeInfo a = MustCreate("alpha");
  VolumeInfo b = MustCreate("beta.2_x-y");
  EXPECT_NE(a.id, b.id);
  EXPECT_GT(a.created_ns, 0);
  auto list = catalog_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  auto d = catalog_->Describe("alpha");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->id, a.id);
  EXPECT_EQ(d->epoch, a.epoch);
  CreateVolumeRequest dup;
  dup.name = "alpha";
  EXPECT_EQ(catalog_->Create(dup).status().code(), Code::kExists);
  EXPECT_EQ(catalog_->Describe("nope").status().code(), Code::kNotFound);
  EXPECT_EQ(catalog_->OpenByName("nope").status().code(), Code::kNotFound);
}

TEST_F(CatalogTest, NamesAreValidated) {
  for (const std::string& bad : std::vector<std::string>{"", ".hidden", "-x", "a/b", "a b",
                                                         "\xc3\xa4", std::string(65, 'a')}) {
    CreateVolumeRequest req;
    req.name = bad;
    EXPECT_EQ(catalog_->Create(req).status().code(), Code::kInvalidArgument) << bad;
  }
  CreateVolumeRequest ok;
  ok.name = std::string(64, 'a');
  EXPECT_TRUE(catalog_->Create(ok).ok());
}

TEST_F(CatalogTest, VolumesPersistAcrossRestart) {
  VolumeInfo a = MustCreate("alpha");
  {
    auto v = catalog_->OpenByName("alpha");
    ASSERT_TRUE(v.ok());
    auto f = (*v)->Create(Credentials{0, 0, {}}, (*v)->Root(), "f", CreateMode::kGuarded, {}, 0,
                          nullptr);
    ASSERT_TRUE(f.ok());
  }
  Reopen();
  auto v = catalog_->OpenById(a.id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)->epoch(), a.epoch);
  EXPECT_TRUE((*v)->Lookup(Credentials{0, 0, {}}, (*v)->Root(), "f", nullptr).ok());
  FsckReport report;
  ASSERT_TRUE(Fsck(**v, &report).ok());
  EXPECT_TRUE(report.clean()) << report.Summary();
}

// The request path's descriptor: kept while the record is unchanged, replaced whole (with
// the new policy parsed) when it changes, gone with the volume.
TEST_F(CatalogTest, ServedVolumeIsReplacedWholeWhenItsRecordChanges) {
  VolumeInfo a = MustCreate("alpha");
  auto first = catalog_->Serve(a.id);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)->info.epoch, a.epoch);
  EXPECT_TRUE((*first)->clients.empty());
  auto again = catalog_->Serve(a.id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), first->get());  // one lookup in memory, nothing rebuilt
  auto opened = catalog_->OpenById(a.id);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->get(), (*first)->volume.get());

  ExportPolicy policy;
  policy.allowed_cidrs = {"10.0.0.0/8", "not-a-cidr", "fd00::/8"};
  policy.read_only = true;
  ASSERT_TRUE(catalog_->SetPolicy("alpha", policy, Quota{}).ok());
  auto changed = catalog_->Serve(a.id);
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->get(), first->get());
  EXPECT_EQ((*changed)->volume.get(), (*first)->volume.get());  // the same open volume
  EXPECT_TRUE((*changed)->info.policy.read_only);
  EXPECT_EQ((*changed)->clients.size(), 2u);  // the pattern that does not parse is left out
  // The holder of the old descriptor still sees the record it started with.
  EXPECT_FALSE((*first)->info.policy.read_only);

  ASSERT_TRUE(catalog_->Delete("alpha").ok());
  EXPECT_EQ(catalog_->Serve(a.id).status().code(), Code::kStale);
  Reopen();
  EXPECT_EQ(catalog_->Serve(a.id).status().code(), Code::kStale);
}

TEST_F(CatalogTest, DeleteRemovesDataAndMakesHandlesStale) {
  VolumeInfo a = MustCreate("alpha");
  auto v = catalog_->OpenByName("alpha");
  ASSERT_TRUE(v.ok());
  auto f =
      (*v)->Create(Credentials{0, 0, {}}, (*v)->Root(), "f", CreateMode::kGuarded, {}, 0, nullptr);
  ASSERT_TRUE(f.ok());
  const std::string dir = "/data/volumes/" + std::to_string(a.id);
  EXPECT_GT(FilesUnder(dir), 0u);
  ASSERT_TRUE(catalog_->Delete("alpha").ok());
  EXPECT_EQ(FilesUnder(dir), 0u);
  EXPECT_EQ((*v)->GetAttr(f->ref).status().code(), Code::kStale);
  EXPECT_EQ(catalog_->OpenById(a.id).status().code(), Code::kStale);
  EXPECT_EQ(catalog_->DescribeById(a.id).status().code(), Code::kStale);
  EXPECT_EQ(catalog_->Delete("alpha").code(), Code::kNotFound);
  // Re-created under the same name: a new id and epoch; ids are never reused.
  VolumeInfo again = MustCreate("alpha");
  EXPECT_GT(again.id, a.id);
  EXPECT_NE(again.epoch, a.epoch);
  Reopen();
  VolumeInfo third = MustCreate("gamma");
  EXPECT_GT(third.id, again.id);
}

TEST_F(CatalogTest, EphemeralLeases) {
  VolumeInfo e = MustCreate("job", VolumeKind::kEphemeral);
  MustCreate("keep");
  EXPECT_GT(e.lease_expiry_ns, e.created_ns);
  EXPECT_EQ(catalog_->RenewLease("keep", 1000).code(), Code::kInvalidArgument);
  CreateVolumeRequest no_lease;
  no_lease.name = "bad";
  no_lease.kind = VolumeKind::kEphemeral;
  EXPECT_EQ(catalog_->Create(no_lease).status().code(), Code::kInvalidArgument);
  auto none = catalog_->CollectExpired(e.lease_expiry_ns - 1);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(catalog_->RenewLease("job", 3'600'000'000'000).ok());
  auto renewed = catalog_->Describe("job");
  EXPECT_GT(renewed->lease_expiry_ns, e.lease_expiry_ns);
  auto gone = catalog_->CollectExpired(renewed->lease_expiry_ns + 1);
  ASSERT_TRUE(gone.ok());
  ASSERT_EQ(gone->size(), 1u);
  EXPECT_EQ((*gone)[0], "job");
  EXPECT_EQ(catalog_->Describe("job").status().code(), Code::kNotFound);
  EXPECT_TRUE(catalog_->Describe("keep").ok());
}

TEST_F(CatalogTest, PolicyAndQuotaApplyToOpenVolume) {
  MustCreate("q");
  auto v = catalog_->OpenByName("q");
  ASSERT_TRUE(v.ok());
  ExportPolicy p;
  p.allowed_cidrs = {"10.0.0.0/8"};
  p.read_only = true;
  ASSERT_TRUE(catalog_->SetPolicy("q", p, Quota{0, 1}).ok());
  auto d = catalog_->Describe("q");
  EXPECT_TRUE(d->policy.read_only);
  EXPECT_EQ(d->policy.allowed_cidrs, p.allowed_cidrs);
  EXPECT_EQ(d->quota.max_files, 1u);
  Credentials root{0, 0, {}};
  EXPECT_TRUE((*v)->Create(root, (*v)->Root(), "a", CreateMode::kGuarded, {}, 0, nullptr).ok());
  EXPECT_EQ(
      (*v)->Create(root, (*v)->Root(), "b", CreateMode::kGuarded, {}, 0, nullptr).status().code(),
      Code::kQuotaExceeded);
  EXPECT_EQ((*v)->StatFs()->total_files, 1u);
}

TEST_F(CatalogTest, OpenedVolumesAreShared) {
  MustCreate("s");
  auto a = catalog_->OpenByName("s");
  auto b = catalog_->OpenByName("s");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
}

}  // namespace
}  // namespace volumed::storage
