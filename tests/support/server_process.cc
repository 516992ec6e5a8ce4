#include "support/server_process.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "rpc/client.h"
#include "rpc/null_program.h"
#include "rpc/socket_util.h"

namespace volumed::testing {

namespace {
constexpr uint32_t kNfsProgram = 100003;
}

Status WaitForNull(uint16_t port, uint32_t prog, uint32_t vers, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto addr = rpc::ParseAddress("127.0.0.1", 0);
  Status last = Internal("no attempt");
  while (std::chrono::steady_clock::now() < deadline) {
    auto client = rpc::RpcClient::Create(*addr, port, prog, vers, rpc::Transport::kTcp,
                                         std::chrono::milliseconds(500));
    if (client.ok()) {
      last = (*client)->Call(0, rpc::XdrVoid(), nullptr, rpc::XdrVoid(), nullptr,
                             std::chrono::milliseconds(1000));
      if (last.ok()) return last;
    } else {
      last = client.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status(Status::Code::kBusy,
                "no answer to NULL on port " + std::to_string(port) + ": " + last.ToString());
}

bool TestStoreIsRados() {
  const char* store = std::getenv("VOLUMED_TEST_STORE");
  return store != nullptr && std::string(store) == "rados";
}

std::string TestStoreUser() {
  const char* user = std::getenv("CEPH_USER");
  return user != nullptr && *user != '\0' ? user : "admin";
}

std::string TestStoreNamespace(const std::string& data_dir) {
  std::string prefix = data_dir;
  while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return prefix;
}

Result<std::vector<std::string>> TestStoreFlags(const std::string& data_dir) {
  const char* store = std::getenv("VOLUMED_TEST_STORE");
  if (store == nullptr || *store == '\0' || std::string(store) == "embedded") {
    return std::vector<std::string>();
  }
  if (!TestStoreIsRados()) {
    return InvalidArgument(std::string("VOLUMED_TEST_STORE is 'embedded' or 'rados', not '") +
                           store + "'");
  }
  const char* conf = std::getenv("CEPH_CONF");
  const char* pool = std::getenv("CEPH_POOL");
  if (conf == nullptr || pool == nullptr) {
    return InvalidArgument(
        "VOLUMED_TEST_STORE=rados needs CEPH_CONF and CEPH_POOL (run through "
        "tests/support/with_ceph.sh)");
  }
  return std::vector<std::string>{"--store",          "rados",
                                  "--ceph-conf",      conf,
                                  "--ceph-pool",      pool,
                                  "--ceph-user",      TestStoreUser(),
                                  "--ceph-namespace", TestStoreNamespace(data_dir)};
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::Start(ServerProcessOptions options) {
  std::unique_ptr<ServerProcess> p(new ServerProcess(std::move(options)));
  if (p->options_.data_dir.empty()) {
    p->temp_root_ = std::make_unique<TempDir>("volumed-test");
    p->data_dir_ = *p->temp_root_ / "data";
    p->admin_socket_ = *p->temp_root_ / "admin.sock";
  } else {
    p->data_dir_ = p->options_.data_dir;
    p->admin_socket_ = p->data_dir_ + "/admin.sock";
  }
  VOLUMED_RETURN_IF_ERROR(p->Launch());
  return p;
}

ServerProcess::~ServerProcess() {
  if (running()) Kill();  // before temp_root_ (a member) removes the data directory
}

Status ServerProcess::Launch() {
  const char* bin = std::getenv("VOLUMED_BIN");
  if (bin == nullptr || *bin == '\0') {
    return InvalidArgument("VOLUMED_BIN is not set (the meson test sets it to the volumed path)");
  }
  // --config "": no config file, so one installed on the machine
  // (/etc/volumed/volumed.conf) never changes what a test's server does.
  argv_ = {bin,
           "--config",
           "",
           "--data",
           data_dir_,
           "--listen",
           "127.0.0.1",
           "--nfs-port",
           std::to_string(options_.nfs_port),
           "--mount-port",
           std::to_string(options_.mount_port),
           "--nlm-port",
           std::to_string(options_.nlm_port),
           "--nsm-port",
           std::to_string(options_.nsm_port),
           "--admin-socket",
           admin_socket_};
  if (!options_.rpcbind) argv_.push_back("--no-rpcbind");
  VOLUMED_ASSIGN_OR_RETURN(std::vector<std::string> store, TestStoreFlags(data_dir_));
  argv_.insert(argv_.end(), store.begin(), store.end());
  argv_.insert(argv_.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> cargv;
  for (auto& a : argv_) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return IoError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Die with the test, even if it crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    execv(cargv[0], cargv.data());
    std::fprintf(stderr, "exec %s: %s\n", cargv[0], std::strerror(errno));
    _exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return IoError("volumed exited with status " + std::to_string(code) + " while starting");
    }
    if (WaitForNull(options_.nfs_port, kNfsProgram, 3, std::chrono::milliseconds(200)).ok()) {
      return Status::Ok();
    }
  }
  Kill();
  return IoError("volumed did not answer NULL on port " + std::to_string(options_.nfs_port) +
                 " in time");
}

Result<int> ServerProcess::Reap(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (r < 0) {
      pid_ = -1;
      return IoError(std::string("waitpid: ") + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(Status::Code::kBusy, "volumed did not exit in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Result<int> ServerProcess::Stop() {
  if (!running()) return InvalidArgument("volumed is not running");
  kill(pid_, SIGTERM);
  Result<int> code = Reap(std::chrono::seconds(10));
  if (!code.ok() && running()) {
    Kill();
    return Status(Status::Code::kBusy, "volumed ignored SIGTERM for 10 s and was killed");
  }
  return code;
}

void ServerProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

Status ServerProcess::Restart() {
  if (running()) {
    Result<int> code = Stop();
    if (!code.ok()) return code.status();
  }
  return Launch();
}

}  // namespace volumed::testing
