// Readiness and state for systemd (Type=notify), without libsystemd: the datagram that
// sd_notify(3) sends, to the socket named by $NOTIFY_SOCKET.
#pragma once

#include <string>
#include <string_view>

namespace mmm::core {

/// Sends `state` (e.g. "READY=1", newline-separated assignments) to `socketPath`: a file
/// system path ("/run/systemd/notify") or an abstract name ("@name"). Null or empty: not
/// run by systemd, nothing is sent. Returns an error message, empty on success; never throws.
std::string notifySystemd(std::string_view state, const char* socketPath);

/// The same to $NOTIFY_SOCKET.
std::string notifySystemd(std::string_view state);

}  // namespace mmm::core
