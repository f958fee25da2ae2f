// How many CPUs a cgroup's CPU quota allows, so that a server in a container limited to two
// CPUs (docker --cpus=2, a systemd CPUQuota=200%) sizes its workers to two, not to the host's
// cores that its affinity mask still shows.
#pragma once

#include <string>
#include <string_view>

namespace mmm::core {

/// CPUs for a quota of `quota` µs every `period` µs, rounded up; 0 for no quota (negative,
/// zero or a bad period).
int quotaCpus(long long quota, long long period);

/// The smallest CPU quota on the way from the process's cgroup up to the root, in CPUs; 0 when
/// none is set or nothing can be read. `procSelfCgroup` is /proc/self/cgroup's text; `root`
/// is where the hierarchies are mounted (cgroup v2's cpu.max at `root`/PATH, or v1's
/// cpu.cfs_quota_us and cpu.cfs_period_us at `root`/cpu/PATH).
int cgroupCpuLimit(std::string_view procSelfCgroup, const std::string& root = "/sys/fs/cgroup");
/// The same for this process (its /proc/self/cgroup).
int cgroupCpuLimit();

}  // namespace mmm::core
