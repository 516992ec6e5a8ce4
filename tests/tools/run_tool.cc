#include "run_tool.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace volumed::testing {

std::string Volumectl() {
  const char* bin = std::getenv("VOLUMECTL_BIN");
  return bin != nullptr ? bin : "volumectl";
}

ToolResult RunTool(const std::string& binary, const std::vector<std::string>& args,
                   const ToolOptions& options) {
  ToolResult result;
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(in_pipe, O_CLOEXEC) != 0) return result;
  if (options.stderr_tty) {
    // err_pipe[0] is the terminal's master side, err_pipe[1] its slave.
    if (openpty(&err_pipe[0], &err_pipe[1], nullptr, nullptr, nullptr) != 0) return result;
    fcntl(err_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(err_pipe[1], F_SETFD, FD_CLOEXEC);
  } else if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    return result;
  }
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  // The environment is built before fork: the test process has threads, so the child
  // may only call async-signal-safe functions before exec.
  std::vector<std::string> env_s;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    bool drop = false;
    for (const std::string& u : options.unset_env) drop = drop || u == key;
    for (const auto& kv : options.env) drop = drop || kv.first == key;
    if (!drop) env_s.push_back(entry);
  }
  for (const auto& [k, v] : options.env) env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    if (options.run_as_uid >= 0) {
      if (setgid(static_cast<gid_t>(options.run_as_uid)) != 0 ||
          setuid(static_cast<uid_t>(options.run_as_uid)) != 0) {
        _exit(99);
      }
    }
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(98);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (!options.stdin_data.empty()) {
    const ssize_t n = write(in_pipe[1], options.stdin_data.data(), options.stdin_data.size());
    (void)n;
  }
  close(in_pipe[1]);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      // A terminal's master reads EIO once the child closed its last slave descriptor.
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace volumed::testing
