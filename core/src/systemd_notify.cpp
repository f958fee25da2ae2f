#include "systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace mmm::core {

std::string notifySystemd(std::string_view state, const char* socketPath) {
  if (socketPath == nullptr || *socketPath == '\0') return {};
  const std::string_view path(socketPath);
  const std::string where = "NOTIFY_SOCKET '" + std::string(path) + "'";
  if (path[0] != '/' && path[0] != '@')
    return where + ": not an absolute path or an abstract '@' name";
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return where + ": too long for a Unix socket address";
  std::memcpy(address.sun_path, path.data(), path.size());
  // An abstract name starts with a NUL byte and is exactly as long as the address says.
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  if (path[0] == '@') address.sun_path[0] = '\0';
  else ++length;  // a path's terminating NUL

  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return where + ": socket: " + std::system_category().message(errno);
  std::string error;
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length);
  if (sent < 0) error = where + ": " + std::system_category().message(errno);
  else if (static_cast<std::size_t>(sent) != state.size()) error = where + ": the datagram was cut short";
  ::close(fd);
  return error;
}

std::string notifySystemd(std::string_view state) {
  return notifySystemd(state, std::getenv("NOTIFY_SOCKET"));
}

}  // namespace mmm::core
