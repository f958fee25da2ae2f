// notifySystemd against a real AF_UNIX datagram socket standing in for systemd's, bound to a
// file in a temporary folder or to an abstract name.
#include "systemd_notify.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

using mmm::core::notifySystemd;

namespace {

// A datagram socket bound like systemd's notify socket: to `name` ("/path" or "@abstract").
class Listener {
 public:
  explicit Listener(const std::string& name) : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    if (name[0] == '@') address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (name[0] == '@' ? 0 : 1));
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) == 0;
  }
  ~Listener() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool bound() const { return bound_; }
  // The next datagram, or "(none)" when none comes within `timeoutMs`.
  std::string receive(int timeoutMs = 2000) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeoutMs) != 1) return "(none)";
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n < 0 ? "(error)" : std::string(buffer, static_cast<std::size_t>(n));
  }

 private:
  int fd_;
  bool bound_ = false;
};

class SystemdNotify : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mmm-notify-test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    const char* saved = std::getenv("NOTIFY_SOCKET");
    hadSocket_ = saved != nullptr;
    if (hadSocket_) savedSocket_ = saved;
  }
  void TearDown() override {
    ::unlink((dir_ + "/notify").c_str());
    ::rmdir(dir_.c_str());
    if (hadSocket_) ::setenv("NOTIFY_SOCKET", savedSocket_.c_str(), 1);
    else ::unsetenv("NOTIFY_SOCKET");
  }
  std::string dir_, savedSocket_;
  bool hadSocket_ = false;
};

}  // namespace

TEST_F(SystemdNotify, SendsEachStateAsOneDatagramToThePathInNotifySocket) {
  const std::string path = dir_ + "/notify";
  Listener systemd(path);
  ASSERT_TRUE(systemd.bound());
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  for (const char* state : {"READY=1", "RELOADING=1", "READY=1\nSTATUS=serving", "STOPPING=1"}) {
    EXPECT_EQ(notifySystemd(state), "");
    EXPECT_EQ(systemd.receive(), state);
  }
}

TEST_F(SystemdNotify, SendsToAnAbstractName) {
  const std::string name = "@mmm-notify-test-" + std::to_string(::getpid());
  Listener systemd(name);
  ASSERT_TRUE(systemd.bound());
  EXPECT_EQ(notifySystemd("READY=1", name.c_str()), "");
  EXPECT_EQ(systemd.receive(), "READY=1");
}

TEST_F(SystemdNotify, SendsNothingAndSucceedsWithoutNotifySocket) {
  const std::string path = dir_ + "/notify";
  Listener systemd(path);
  ASSERT_TRUE(systemd.bound());
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_EQ(notifySystemd("READY=1"), "");
  ::setenv("NOTIFY_SOCKET", "", 1);
  EXPECT_EQ(notifySystemd("READY=1"), "");
  EXPECT_EQ(notifySystemd("READY=1", nullptr), "");
  EXPECT_EQ(systemd.receive(100), "(none)");
}

TEST_F(SystemdNotify, ReportsAnUnusableSocketWithoutThrowing) {
  const std::string missing = dir_ + "/nobody-listens";
  std::string error;
  EXPECT_NO_THROW(error = notifySystemd("READY=1", missing.c_str()));
  EXPECT_NE(error.find(missing), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;

  error = notifySystemd("READY=1", "relative/notify");
  EXPECT_NE(error.find("not an absolute path"), std::string::npos) << error;

  const std::string tooLong = "/" + std::string(200, 'x');
  error = notifySystemd("READY=1", tooLong.c_str());
  EXPECT_NE(error.find("too long"), std::string::npos) << error;
}
