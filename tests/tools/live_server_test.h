// LiveServerTest: a GoogleTest fixture for volumectl against one live volumed per test
// suite (tests/support ServerProcess, started in SetUpTestSuite, under netns_run.sh), and
// the environment that points volumectl at it. `Suite` is the deriving fixture, so every
// suite has its own server.
//
// Thread-safety: as GoogleTest fixtures — the test's thread only.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "run_tool.h"
#include "support/server_process.h"

namespace volumed::testing {

template <typename Suite>
class LiveServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = ServerProcess::Start();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr); }

  // volumectl's environment for this suite's server (admin socket, NFS and MOUNT ports).
  static ToolOptions VolumectlEnv() {
    ToolOptions o;
    o.env = {{"VOLUMED_ADMIN_SOCKET", server_->admin_socket()},
             {"VOLUMED_SERVER", "127.0.0.1"},
             {"VOLUMED_NFS_PORT", std::to_string(server_->nfs_port())},
             {"VOLUMED_MOUNT_PORT", std::to_string(server_->mount_port())}};
    o.unset_env = {"VOLUMED_ADMIN_TCP"};
    return o;
  }

  static inline ServerProcess* server_ = nullptr;
};

}  // namespace volumed::testing
