#include "gateway/tool_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace volumed::gateway {
namespace {

// Closes the descriptors it holds when it goes out of scope.
struct Pipe {
  int fds[2] = {-1, -1};
  ~Pipe() {
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
};

// Waits for `pid` without a timeout (it has exited or been killed).
int Reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

std::string CommandLine(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    if (!line.empty()) line += ' ';
    line += arg;
  }
  return line;
}

Result<ToolOutput> RunTool(const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout) {
  if (argv.empty()) return InvalidArgument("RunTool: empty command");
  Pipe out;
  if (pipe2(out.fds, O_CLOEXEC) != 0) {
    return IoError("pipe for " + argv[0] + ": " + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.fds[1], STDERR_FILENO);
  // The child starts with default signal dispositions and an empty mask: volumed blocks
  // SIGTERM in every thread, and a tool must stay killable.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const std::string& arg : argv) cargv.push_back(const_cast<char*>(arg.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, cargv[0], &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) return IoError("cannot run " + argv[0] + ": " + std::strerror(spawned));
  close(out.fds[1]);
  out.fds[1] = -1;

  ToolOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      Reap(pid);
      return IoError(CommandLine(argv) + ": still running after " +
                     std::to_string(timeout.count()) + " ms, killed");
    }
    pollfd pfd{.fd = out.fds[0], .events = POLLIN, .revents = 0};
    const int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      const int err = errno;
      kill(pid, SIGKILL);
      Reap(pid);
      return IoError("poll on " + argv[0] + "'s output: " + std::strerror(err));
    }
    if (ready <= 0) continue;
    const ssize_t n = read(out.fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF (or an error): every writer is gone
    const size_t room = kMaxToolOutput - result.output.size();
    result.output.append(buf, std::min(room, static_cast<size_t>(n)));
  }
  // The pipe closed: the tool has exited or is about to; it still gets only the time left.
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR)
      return IoError("waitpid " + argv[0] + ": " + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      Reap(pid);
      return IoError(CommandLine(argv) + ": closed its output but did not exit within " +
                     std::to_string(timeout.count()) + " ms, killed");
    }
    usleep(2000);
  }
  if (WIFSIGNALED(status)) {
    return IoError(CommandLine(argv) + ": killed by signal " + std::to_string(WTERMSIG(status)));
  }
  result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace volumed::gateway
