// A VolumeImpl on LevelDB's in-memory Env, for tests.
#pragma once

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <memory>
#include <string>

#include "storage/fsck.h"
#include "storage/kv.h"
#include "storage/volume_impl.h"

namespace volumed::storage {

class MemVolume {
 public:
  explicit MemVolume(VolumeImpl::Options options = Default())
      : env_(leveldb::NewMemEnv(leveldb::Env::Default())),
        factory_(env_.get(), KvTuning{}, 8 << 20),
        options_(options) {
    Reopen();
  }
  ~MemVolume() {
    if (volume_) volume_->Close();
  }

  static VolumeImpl::Options Default() {
    VolumeImpl::Options o;
    o.id = 1;
    o.epoch = 77;
    o.block_size = 4096;
    o.inline_reclaim_blocks = 4;
    o.background_reclaim = false;
    return o;
  }

  // Closes the volume and opens it again; when that fails it stays closed.
  Status TryReopen() {
    if (volume_) volume_->Close();
    volume_.reset();
    VOLUMED_ASSIGN_OR_RETURN(auto kv, factory_.Open("/vol"));
    VOLUMED_ASSIGN_OR_RETURN(volume_, VolumeImpl::Open(std::move(kv), options_));
    return Status::Ok();
  }

  void Reopen() {
    Status s = TryReopen();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  VolumeImpl* operator->() { return volume_.get(); }
  VolumeImpl& operator*() { return *volume_; }
  VolumeImpl::Options& options() { return options_; }

  void ExpectClean() {
    FsckReport report;
    ASSERT_TRUE(Fsck(*volume_, &report).ok());
    EXPECT_TRUE(report.clean()) << report.Summary();
  }

 private:
  std::unique_ptr<leveldb::Env> env_;
  KvFactory factory_;
  VolumeImpl::Options options_;
  std::shared_ptr<VolumeImpl> volume_;
};

inline Credentials Root() { return Credentials{0, 0, {}}; }
inline Credentials User(uint32_t uid, uint32_t gid = 100) { return Credentials{uid, gid, {}}; }

}  // namespace volumed::storage
