// One server per SQLite file: two would each keep their own sessions and live chat in
// memory while sharing the database, and silently disagree.
#pragma once

#include <string>

namespace mmm::core {

/// Holds an exclusive flock(2) on `<database>.lock` beside a SQLite database for as long
/// as it lives; the kernel lets go if the process dies.
class StoreLock {
 public:
  /// Throws std::runtime_error naming the file (and the holder's pid) when another server
  /// holds it.
  explicit StoreLock(const std::string& databasePath);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace mmm::core
