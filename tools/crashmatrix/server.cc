#include "server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "rpc_session.h"

namespace volumed::crashmatrix {

ServerLauncher::~ServerLauncher() {
  if (pid_.load() > 0) {
    Kill();
    Reap();
  }
}

Status ServerLauncher::Start() {
  std::vector<std::string> args = {
      config_.binary,
      "--data",
      config_.data_dir,
      "--nfs-port",
      std::to_string(config_.nfs_port),
      "--mount-port",
      std::to_string(config_.nfs_port + 1),
      "--nlm-port",
      std::to_string(config_.nfs_port + 2),
      "--nsm-port",
      std::to_string(config_.nfs_port + 3),
      "--admin-socket",
      config_.data_dir + ".admin.sock",
      "--listen",
      "127.0.0.1",
      "--no-rpcbind",
      "--grace-period",
      "0",
      "--log-level",
      "warn",
      "--volume",
      config_.volume,
  };
  args.insert(args.end(), config_.extra_args.begin(), config_.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Built before fork: the child only execs.
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  for (auto& e : config_.extra_env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) return IoError("fork failed");
  if (pid == 0) {
    const int fd = open(config_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  pid_.store(pid);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid, &wstatus, WNOHANG) == pid) {
      pid_.store(-1);
      return Internal("volumed exited during start-up (see " + config_.log_path + ")");
    }
    auto nfs = RpcSession::Connect(config_.nfs_port, NFS_PROGRAM, NFS_V3, 0, 0,
                                   std::chrono::milliseconds(2000));
    if (nfs.ok()) {
      Status s = (*nfs)->Call<void>(
          [](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_null_async(rpc, cb, p); },
          [](void*) {});
      if (s.ok()) return Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Internal("volumed did not answer NULL within 30 s");
}

void ServerLauncher::Kill() {
  const pid_t pid = pid_.load();
  if (pid > 0) ::kill(pid, SIGKILL);
}

int ServerLauncher::Reap() {
  const pid_t pid = pid_.load();
  if (pid <= 0) return -1;
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pid_.store(-1);
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

int ServerLauncher::Stop() {
  const pid_t pid = pid_.load();
  if (pid <= 0) return -1;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    int wstatus = 0;
    if (waitpid(pid, &wstatus, WNOHANG) == pid) {
      pid_.store(-1);
      if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
      return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill();
  return Reap();
}

}  // namespace volumed::crashmatrix
