// CPUs from a cgroup's CPU quota: v2's cpu.max and v1's cfs files, the smallest on the way up.
#include "cpu_limit.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <unistd.h>

using mmm::core::cgroupCpuLimit;
using mmm::core::quotaCpus;

namespace {

// A fake /sys/fs/cgroup in a temporary folder.
class FakeCgroups : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("mmm-cgroups-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void write(const std::string& relative, const std::string& text) {
    const auto path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  std::string root() const { return root_.string(); }

 private:
  std::filesystem::path root_;
};

}  // namespace

TEST(CpuLimit, QuotaOverPeriodRoundedUp) {
  EXPECT_EQ(quotaCpus(200000, 100000), 2);
  EXPECT_EQ(quotaCpus(150000, 100000), 2);
  EXPECT_EQ(quotaCpus(50000, 100000), 1);
  EXPECT_EQ(quotaCpus(-1, 100000), 0);  // v1's "no quota"
  EXPECT_EQ(quotaCpus(100000, 0), 0);
  // A quota far past an int's CPUs (the kernel takes up to ~2^44 µs with a 1 ms period) is
  // no limit worth the name, not a wrapped-around small one.
  EXPECT_EQ(quotaCpus(4294967298000LL, 1000), std::numeric_limits<int>::max());  // 2^32 + 2 CPUs, not 2
  EXPECT_EQ(quotaCpus(std::numeric_limits<long long>::max(), 100000), std::numeric_limits<int>::max());
}

TEST_F(FakeCgroups, V2TakesTheSmallestCpuMaxFromTheGroupUp) {
  write("cpu.max", "max 100000\n");
  write("system.slice/cpu.max", "400000 100000\n");
  write("system.slice/mmm.service/cpu.max", "max 100000\n");
  EXPECT_EQ(cgroupCpuLimit("0::/system.slice/mmm.service\n", root()), 4);
  write("system.slice/mmm.service/cpu.max", "150000 100000\n");
  EXPECT_EQ(cgroupCpuLimit("0::/system.slice/mmm.service\n", root()), 2);
  EXPECT_EQ(cgroupCpuLimit("0::/\n", root()), 0);  // the root has none
}

TEST_F(FakeCgroups, V1ReadsTheCpuControllersCfsQuota) {
  write("cpu/docker/abc/cpu.cfs_quota_us", "300000\n");
  write("cpu/docker/abc/cpu.cfs_period_us", "100000\n");
  write("cpu/cpu.cfs_quota_us", "-1\n");
  write("cpu/cpu.cfs_period_us", "100000\n");
  const std::string cgroups = "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n";
  EXPECT_EQ(cgroupCpuLimit(cgroups, root()), 3);
  EXPECT_EQ(cgroupCpuLimit("4:cpuacct:/docker/abc\n", root()), 0);  // not the cpu controller
}

TEST_F(FakeCgroups, NothingReadableMeansNoLimit) {
  EXPECT_EQ(cgroupCpuLimit("", root()), 0);
  EXPECT_EQ(cgroupCpuLimit("garbage without colons\n0::/missing/group\n", root()), 0);
  write("cpu.max", "lots 100000\n");
  EXPECT_EQ(cgroupCpuLimit("0::/\n", root()), 0);
}
