// Defaults shared by the admin program (server side) and volumectl (client side): where
// the admin socket lives, the environment variables that override it, and lease bounds.
//
// Thread-safety: constants only.
#pragma once

#include <chrono>
#include <cstdint>

namespace volumed::admin {

// The server listens here unless told otherwise; volumectl looks here unless
// --admin-socket or $VOLUMED_ADMIN_SOCKET says otherwise.
inline constexpr const char* kDefaultAdminSocket = "/run/volumed/admin.sock";
inline constexpr const char* kAdminSocketEnv = "VOLUMED_ADMIN_SOCKET";
// Remote administration over TCP: "HOST:PORT" and the shared secret.
inline constexpr const char* kAdminTcpEnv = "VOLUMED_ADMIN_TCP";
inline constexpr const char* kAdminSecretEnv = "VOLUMED_ADMIN_SECRET";

// An ephemeral volume created or renewed without a TTL gets this lease.
inline constexpr std::chrono::milliseconds kDefaultLeaseTtl = std::chrono::seconds(60);
// A lease never reaches further than this (keeps ns arithmetic far from overflow).
inline constexpr std::chrono::milliseconds kMaxLeaseTtl = std::chrono::hours(24 * 365);
// How often the server looks for lapsed leases.
inline constexpr std::chrono::milliseconds kDefaultReapPeriod = std::chrono::seconds(1);

}  // namespace volumed::admin
