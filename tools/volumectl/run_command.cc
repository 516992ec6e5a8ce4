#include "run_command.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <random>

#include "base/periodic_thread.h"

#include "admin_command.h"
#include "duration.h"

namespace volumectl {
namespace {

std::atomic<pid_t> g_child{0};

void ForwardSignal(int sig) {
  const pid_t child = g_child.load();
  if (child > 0) kill(child, sig);
}

std::string DefaultName() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string clean;
  for (const char* p = host; *p != '\0' && clean.size() < 32; ++p) {
    const char c = *p;
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    clean += ok ? c : '-';
  }
  if (clean.empty()) clean = "host";
  std::random_device rd;
  return fmt::format("run-{}-{}-{:04x}", clean, getpid(), rd() & 0xffff);
}

// Renews the lease every ttl/3 on its own connection until destroyed.
class Renewer {
 public:
  Renewer(AdminTarget target, std::string name, std::chrono::milliseconds ttl)
      : target_(std::move(target)),
        name_(std::move(name)),
        ttl_(ttl),
        thread_(std::max(ttl / 3, std::chrono::milliseconds(100)),
                volumed::PeriodicThread::First::kAfterPeriod, [this] { Renew(); }) {}

 private:
  void Renew() {
    if (!client_) {
      CliResult<std::unique_ptr<AdminClient>> c = AdminClient::Connect(target_);
      if (c.ok()) client_ = std::move(*c);
    }
    CliStatus st = client_ ? CliStatus::Ok() : Fail(Exit::kNoServer, "cannot reach the server");
    if (client_) {
      CliResult<int64_t> r = client_->Renew(name_, ttl_);
      if (!r.ok()) {
        st = r.status();
        client_.reset();  // reconnect next time
      }
    }
    if (!st.ok()) {
      fmt::print(stderr, "volumectl: renewing the lease of '{}' failed: {}\n", name_, st.message);
    }
  }

  const AdminTarget target_;
  const std::string name_;
  const std::chrono::milliseconds ttl_;
  std::unique_ptr<AdminClient> client_;  // used by the renewal thread only
  volumed::PeriodicThread thread_;       // last: stopped first
};

}  // namespace

CliStatus RunCommand(const AdminTarget& target, const RunFlags& flags, int* exit_code) {
  if (flags.command.empty())
    return Fail(Exit::kUsage, "run wants a command: volumectl run -- CMD ARGS...");
  const std::string name = flags.volume.empty() ? DefaultName() : flags.volume;
  if (CliStatus s = CheckName(name); !s.ok()) return s;
  const auto ttl = ParseDuration(flags.ttl);
  if (!ttl || ttl->count() < 300) {
    return Fail(Exit::kUsage, "--ttl '" + flags.ttl + "' is not a duration of at least 300ms");
  }

  CliResult<std::unique_ptr<AdminClient>> client = AdminClient::Connect(target);
  if (!client.ok()) return client.status();
  CreateSpec spec;
  spec.name = name;
  spec.ephemeral = true;
  spec.ttl = *ttl;
  CliResult<VolumeView> created = (*client)->Create(spec);
  if (!created.ok()) return created.status();
  // With several gateways, the new volume is served by one of them: mounted at its address.
  const std::string source =
      (created->address.empty() ? flags.server_host : created->address) + ":/" + name;

  // Signals that would end volumectl go to CMD instead; we clean up after it exits.
  struct sigaction sa {};
  sa.sa_handler = ForwardSignal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {
  }, old_term{}, old_hup{};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);

  // Everything the child needs is prepared before fork: after it, only exec.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "VOLUMED_VOLUME=", 15) != 0 &&
        std::strncmp(*e, "VOLUMED_MOUNT_SOURCE=", 21) != 0) {
      env_strings.emplace_back(*e);
    }
  }
  env_strings.push_back("VOLUMED_VOLUME=" + name);
  env_strings.push_back("VOLUMED_MOUNT_SOURCE=" + source);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const std::string& a : flags.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string exec_failed = "volumectl: cannot run " + flags.command[0] + "\n";

  CliStatus result;
  const pid_t pid = fork();
  if (pid == 0) {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    sigaction(SIGHUP, &old_hup, nullptr);
    execvpe(argv[0], argv.data(), envp.data());
    const int err = errno;
    if (write(STDERR_FILENO, exec_failed.data(), exec_failed.size()) < 0) {
      // nothing more to say
    }
    _exit(err == ENOENT ? 127 : 126);
  }
  if (pid < 0) {
    result = Fail(Exit::kFailure, std::string("fork failed: ") + std::strerror(errno));
  } else {
    g_child = pid;
    Renewer renewer(target, name, *ttl);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    g_child = 0;
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }  // the renewer stops here

  if (CliStatus s = (*client)->Delete(name); !s.ok()) {
    // The connection may have gone stale while CMD ran: try once more on a new one.
    CliResult<std::unique_ptr<AdminClient>> again = AdminClient::Connect(target);
    s = again.ok() ? (*again)->Delete(name) : again.status();
    if (!s.ok()) {
      fmt::print(stderr,
                 "volumectl: deleting volume '{}' failed: {} (its lease lapses within {})\n", name,
                 s.message, FormatDuration(*ttl));
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  return result;
}

void AddRunCommand(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<RunFlags>();
  CLI::App* c =
      app.add_subcommand("run", "run a command with an ephemeral volume that lives as long as it");
  c->add_option("--volume", f->volume, "volume name (default run-HOST-PID-XXXX)");
  c->add_option("--ttl", f->ttl, "lease length, renewed every third of it (default 30s)");
  c->add_option("command", f->command, "the command and its arguments (after --)")->required();
  c->prefix_command();
  c->footer("CMD gets VOLUMED_VOLUME=NAME and VOLUMED_MOUNT_SOURCE=SERVER:/NAME.");
  c->callback([&ctx, f, c] {
    for (const std::string& extra : c->remaining()) f->command.push_back(extra);
    if (!f->command.empty() && f->command.front() == "--") f->command.erase(f->command.begin());
    f->server_host = ctx.nfs.host;
    CliResult<AdminTarget> target = ctx.Admin();
    if (!target.ok()) return ctx.Finish(target.status());
    int code = 0;
    CliStatus s = RunCommand(*target, *f, &code);
    if (!s.ok()) return ctx.Finish(s);
    ctx.FinishWithCode(code);
  });
}

}  // namespace volumectl
