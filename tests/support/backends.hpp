// Test support: the real back ends the test command starts (MariaDB, Redis), found through
// MMM_TEST_MYSQL_URL and MMM_TEST_REDIS_URL. Run through ./scripts/test, which sets both.
#pragma once

#include "store_impl.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <cstdlib>
#include <random>
#include <string>
#include <unistd.h>

namespace mmm::test {

inline std::string requiredEnv(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value)
    throw std::runtime_error(std::string(name) + " is not set: run the tests through ./scripts/test, which starts "
                             "private MariaDB and Redis instances");
  return value;
}

inline std::shared_ptr<spdlog::logger> quietLogger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

/// A database of its own on the test MariaDB (tests run in parallel), dropped at the end.
class MysqlDatabase {
 public:
  MysqlDatabase() {
    base_ = core::parseStoreUrl(requiredEnv("MMM_TEST_MYSQL_URL"));
    name_ = "mmm_t" + std::to_string(::getpid()) + "_" + std::to_string(std::random_device{}() % 1000000);
    admin().runRead([&](DbSession& s) { s << "CREATE DATABASE " + name_ + " CHARACTER SET utf8mb4", Poco::Data::Keywords::now; });
  }
  ~MysqlDatabase() {
    try {
      admin().runRead([&](DbSession& s) { s << "DROP DATABASE " + name_, Poco::Data::Keywords::now; });
    } catch (...) {
    }
  }
  std::string url() const {
    return "mysql://" + base_.user + ":" + base_.password + "@" + base_.host + ":" +
           std::to_string(base_.port) + "/" + name_;
  }

 private:
  core::PocoStore admin() const { return core::PocoStore(base_, {}, quietLogger()); }
  core::StoreUrl base_;
  std::string name_;
};

}  // namespace mmm::test
