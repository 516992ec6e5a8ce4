#include "cli_context.h"

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "admin/admin_defaults.h"

namespace volumectl {

CliResult<AdminTarget> CliContext::Admin() const {
  AdminTarget target = admin_flags;
  if (target.tcp.empty()) return target;
  if (!admin_secret_file.empty()) {
    std::ifstream in(admin_secret_file);
    if (!in) return Fail(Exit::kUsage, "cannot read --admin-secret-file " + admin_secret_file);
    std::getline(in, target.secret);
  } else if (const char* s = std::getenv(volumed::admin::kAdminSecretEnv)) {
    target.secret = s;
  }
  return target;
}

void CliContext::Finish(const CliStatus& status) {
  if (!status.ok()) fmt::print(stderr, "volumectl: {}\n", status.message);
  exit_code_ = static_cast<int>(status.exit);
}

namespace {

// AsSizeValue alone would read a bare unit ("M") as one of it; a size starts with a number.
CLI::Option* AsSize(CLI::Option* option) {
  const CLI::AsSizeValue binary_units(false);
  return option->transform(CLI::Validator(
      [binary_units](std::string& text) {
        if (text.empty() || text.front() < '0' || text.front() > '9') {
          return "'" + text + "' is not a size (try 1048576, 512M, 10G)";
        }
        return binary_units(text);
      },
      "SIZE"));
}

}  // namespace

CLI::Option* AddSizeOption(CLI::App* command, const std::string& name, uint64_t& value,
                           const std::string& description) {
  return AsSize(command->add_option(name, value, description));
}

CLI::Option* AddSizeOption(CLI::App* command, const std::string& name,
                           std::optional<uint64_t>& value, const std::string& description) {
  return AsSize(command->add_option(name, value, description));
}

}  // namespace volumectl
