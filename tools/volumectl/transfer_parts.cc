#include "transfer_parts.h"

#include <errno.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "json_output.h"
#include "transfer.h"

namespace volumectl {

constexpr size_t kChunk = 1 << 20;

CliStatus LocalError(int err, const std::string& path) {
  switch (err) {
    case ENOENT:
      return Fail(Exit::kNotFound, path + ": no such file or directory");
    case EEXIST:
      return Fail(Exit::kExists, path + ": already exists (use --force to overwrite)");
    case EACCES:
    case EPERM:
      return Fail(Exit::kDenied, path + ": permission denied");
    default:
      return Fail(Exit::kFailure, path + ": " + std::strerror(err));
  }
}

void Errors::Add(CliStatus s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (count_++ == 0) {
    first_ = std::move(s);
  } else {
    fmt::print(stderr, "volumectl: {}\n", s.message);
  }
}

CliStatus Errors::Result() {
  std::lock_guard<std::mutex> lock(mu_);
  CliStatus out = first_;
  if (count_ > 1) out.message += " (" + std::to_string(count_) + " failures in all)";
  return out;
}

CliStatus CopyChunks(const ChunkReader& read, const ChunkWriter& write, Progress* progress) {
  std::vector<char> buf(kChunk);
  uint64_t offset = 0;
  for (;;) {
    CliResult<size_t> n = read(buf.data(), buf.size(), offset);
    if (!n.ok()) return n.status();
    if (*n == 0) return CliStatus::Ok();
    if (CliStatus st = write(buf.data(), *n, offset); !st.ok()) return st;
    offset += *n;
    if (progress != nullptr) progress->AddBytes(*n);
  }
}

CliResult<size_t> ReadLocal(int fd, char* buf, size_t size, const std::string& path) {
  for (;;) {
    const ssize_t n = read(fd, buf, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return LocalError(errno, path);
  }
}

CliStatus WriteLocal(int fd, const char* buf, size_t n, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const ssize_t w = write(fd, buf + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return LocalError(errno, path);
    done += static_cast<size_t>(w);
  }
  return CliStatus::Ok();
}

void PrintSummary(const Plan& plan, std::chrono::steady_clock::duration elapsed) {
  PrintJson({{"files", plan.files.size()},
             {"directories", plan.dirs.size()},
             {"symlinks", plan.links.size()},
             {"bytes", plan.file_bytes},
             {"elapsed_ms",
              static_cast<uint64_t>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count())}});
}

std::function<void()> TransferCallback(CliContext& ctx, std::shared_ptr<TransferFlags> flags,
                                       TransferFn command) {
  return [&ctx, flags = std::move(flags), command] {
    flags->transfer.target = ctx.nfs;
    std::vector<std::string> sources = flags->args;  // at least 2, as the flag requires
    const std::string dest = sources.back();
    sources.pop_back();
    ctx.Finish(command(flags->transfer, sources, dest));
  };
}

}  // namespace volumectl
