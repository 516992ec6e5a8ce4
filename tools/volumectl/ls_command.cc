#include "file_commands.h"

#include <sys/stat.h>

#include <ctime>

#include <fmt/format.h>

#include "json_output.h"
#include "remote_entry.h"
#include "remote_link.h"
#include "remote_path.h"

namespace volumectl {
namespace {

std::string ModeString(const RemoteEntry& e) {
  std::string s(10, '-');
  s[0] = e.type;
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) {
    if (e.mode & (0400u >> i)) s[1 + i] = rwx[i];
  }
  if (e.mode & S_ISUID) s[3] = (e.mode & 0100) ? 's' : 'S';
  if (e.mode & S_ISGID) s[6] = (e.mode & 0010) ? 's' : 'S';
  if (e.mode & S_ISVTX) s[9] = (e.mode & 0001) ? 't' : 'T';
  return s;
}

std::string TimeString(int64_t sec) {
  const time_t t = static_cast<time_t>(sec);
  tm local{};
  localtime_r(&t, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &local);
  return buf;
}

}  // namespace

CliStatus LsCommand(const NfsTarget& target, const std::string& spec, bool long_format, bool json) {
  CliResult<Opened> o = OpenAndStat(target, spec);
  if (!o.ok()) return o.status();
  NfsSession& s = *o->session;
  const bool is_dir = o->self.type == 'd';
  std::vector<RemoteEntry> entries;
  if (is_dir) {
    CliResult<std::vector<RemoteEntry>> listed = ReadRemoteDir(s, o->where.path);
    if (!listed.ok()) return listed.status();
    entries = std::move(*listed);
  } else {
    entries.push_back(o->self);
  }
  if (long_format || json) {
    for (RemoteEntry& e : entries) {
      if (e.type != 'l') continue;
      const std::string path = is_dir ? JoinPath(o->where.path, e.name) : o->where.path;
      CliResult<std::string> link = ReadRemoteLink(s, path);
      if (!link.ok()) return link.status();
      e.target = std::move(*link);
    }
  }
  if (json) {
    Json list = Json::array();
    for (const RemoteEntry& e : entries) list.push_back(EntryJson(e));
    PrintJson(list);
    return CliStatus::Ok();
  }
  for (const RemoteEntry& e : entries) {
    const char* suffix = e.type == 'd' ? "/" : "";
    if (long_format) {
      fmt::print("{} {:3} {:5} {:5} {:12} {} {}{}{}{}\n", ModeString(e), e.nlink, e.uid, e.gid,
                 e.size, TimeString(e.mtime_sec), e.name, suffix, e.type == 'l' ? " -> " : "",
                 e.target);
    } else {
      fmt::print("{}{}\n", e.name, suffix);
    }
  }
  return CliStatus::Ok();
}

void AddLsCommand(CLI::App& app, CliContext& ctx) {
  struct Flags {
    std::string spec;
    bool json = false;
    bool long_format = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand("ls", "list a directory of a volume: NAME[:PATH]");
  c->add_option("path", f->spec, "NAME[:PATH]")->required();
  c->add_flag("-l,--long", f->long_format, "long listing");
  c->add_flag("--json", f->json, "print JSON");
  c->callback([&ctx, f] { ctx.Finish(LsCommand(ctx.nfs, f->spec, f->long_format, f->json)); });
}

}  // namespace volumectl
