#include "store_lock.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace mmm::core {

StoreLock::StoreLock(const std::string& databasePath) {
  const std::string file = databasePath + ".lock";
  const auto folder = std::filesystem::path(file).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder);
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot open " + file + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {};
    [[maybe_unused]] auto n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    if (error == EWOULDBLOCK)
      throw std::runtime_error("another server (pid " + std::string(holder[0] ? holder : "unknown") +
                               ") is using the SQLite store " + databasePath + ": it holds " + file +
                               ". Two servers on one SQLite file would split sessions and live chat; "
                               "for several nodes use MariaDB and Redis");
    throw std::runtime_error("cannot lock " + file + ": " + std::strerror(error));
  }
  // The holder's pid, for the message a second server gives.
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] auto n = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace mmm::core
