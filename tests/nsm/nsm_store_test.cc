// NsmStore on LevelDB's in-memory Env: state and hosts survive reopening; the on-disk
// encoding is pinned; corrupt records are reported, not guessed at.
#include "nsm/nsm_store.h"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <memory>
#include <vector>

namespace volumed::nsm {
namespace {

class NsmStoreTest : public ::testing::Test {
 protected:
  NsmStoreTest()
      : env_(leveldb::NewMemEnv(leveldb::Env::Default())),
        factory_(std::make_unique<storage::KvFactory>(env_.get(), storage::KvTuning{}, 1 << 20)) {
    env_->CreateDir("/data");
  }
  std::unique_ptr<NsmStore> Open() {
    auto s = NsmStore::Open(*factory_, "/data/nsm");
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  std::unique_ptr<leveldb::Env> env_;
  std::unique_ptr<storage::KvFactory> factory_;
};

TEST_F(NsmStoreTest, StateAndHostsSurviveReopen) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->State(), 0u);
    ASSERT_TRUE(store->SetState(3).ok());
    ASSERT_TRUE(store->PutHost({"client1", "10.0.0.5", 1700000000}).ok());
    ASSERT_TRUE(store->PutHost({"client2", "fd00::7", 1700000001}).ok());
    ASSERT_TRUE(store->PutHost({"client3", "10.0.0.9", 5}).ok());
    ASSERT_TRUE(store->RemoveHost("client3").ok());
    ASSERT_TRUE(store->PutHost({"client1", "10.0.0.6", 1700000002}).ok());  // moved
    ASSERT_TRUE(store->PutAlias({"10.77.0.12", 7}).ok());
    ASSERT_TRUE(store->PutAlias({"10.77.0.13", 3}).ok());
    ASSERT_TRUE(store->PutAlias({"10.77.0.12", 9}).ok());
    ASSERT_TRUE(store->RemoveAlias("10.77.0.13").ok());
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->State(), 3u);
  auto hosts = store->Hosts();
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 2u);
  EXPECT_EQ((*hosts)[0], (MonitoredHost{"client1", "10.0.0.6", 1700000002}));
  EXPECT_EQ((*hosts)[1], (MonitoredHost{"client2", "fd00::7", 1700000001}));
  auto aliases = store->Aliases();
  ASSERT_TRUE(aliases.ok());
  EXPECT_EQ(*aliases, (std::vector<NsmAlias>{{"10.77.0.12", 9}}));
}

TEST_F(NsmStoreTest, StatesMoveOnToTheNextOddNumber) {
  EXPECT_EQ(NextUpState(0), 1u);
  EXPECT_EQ(NextUpState(1), 3u);
  EXPECT_EQ(NextUpState(4), 5u);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->BumpState(), 1u);
  EXPECT_EQ(*store->BumpState(), 3u);
  EXPECT_EQ(*store->State(), 3u);
}

TEST_F(NsmStoreTest, RejectsWhatItCannotStore) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->PutHost({"", "10.0.0.1", 0}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store->PutHost({"h", "client.example", 0}).code(), Status::Code::kInvalidArgument);
}

// The encoding is persisted: pin it by reading the raw database.
TEST_F(NsmStoreTest, EncodingIsPinned) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->SetState(0x01020305).ok());
    ASSERT_TRUE(store->PutHost({"h", "10.1.2.3", 0x0102030405060708}).ok());
    ASSERT_TRUE(store->PutAlias({"a", 0x01020307}).ok());
  }
  auto kv = factory_->Open("/data/nsm");
  ASSERT_TRUE(kv.ok());
  auto state = (*kv)->Get("s");
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ(**state, std::string("\x01\x01\x02\x03\x05", 5));
  auto host = (*kv)->Get("hh");
  ASSERT_TRUE(host.ok() && host->has_value());
  EXPECT_EQ(**host, std::string("\x01\x04\x0a\x01\x02\x03\x01\x02\x03\x04\x05\x06\x07\x08", 14));
  auto alias = (*kv)->Get("na");
  ASSERT_TRUE(alias.ok() && alias->has_value());
  EXPECT_EQ(**alias, std::string("\x01\x01\x02\x03\x07", 5));
}

}  // namespace
}  // namespace volumed::nsm
