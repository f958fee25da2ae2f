#include "cpu_limit.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace mmm::core {

namespace {

std::optional<std::string> readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<long long> parseNumber(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// cgroup v2's cpu.max: "QUOTA PERIOD", or "max PERIOD" for none.
int cpusOfCpuMax(std::string_view text) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return 0;
  const auto quota = parseNumber(text.substr(0, space)), period = parseNumber(text.substr(space + 1));
  return quota && period ? quotaCpus(*quota, *period) : 0;
}

int cpusOfV1(const std::filesystem::path& dir) {
  const auto quota = readFile(dir / "cpu.cfs_quota_us"), period = readFile(dir / "cpu.cfs_period_us");
  if (!quota || !period) return 0;
  const auto q = parseNumber(*quota), p = parseNumber(*period);
  return q && p ? quotaCpus(*q, *p) : 0;
}

// The smallest limit from `base`/`path` up to `base`; `limitAt` gives 0 where none is set.
template <class LimitAt>
int smallestUpwards(const std::filesystem::path& base, std::string_view path, LimitAt limitAt) {
  int smallest = 0;
  std::filesystem::path relative = std::filesystem::path(std::string(path)).relative_path().lexically_normal();
  for (;;) {
    const int here = limitAt(base / relative);
    if (here > 0 && (smallest == 0 || here < smallest)) smallest = here;
    if (relative.empty() || relative == ".") break;
    relative = relative.parent_path();
  }
  return smallest;
}

}  // namespace

int quotaCpus(long long quota, long long period) {
  if (quota <= 0 || period <= 0) return 0;
  // quota / period rounded up, without overflowing quota + period, and within an int (a
  // huge quota must not wrap to a small or negative CPU count).
  const long long cpus = quota / period + (quota % period != 0 ? 1 : 0);
  return static_cast<int>(std::min<long long>(cpus, std::numeric_limits<int>::max()));
}

int cgroupCpuLimit(std::string_view procSelfCgroup, const std::string& root) {
  // Lines are "ID:CONTROLLERS:PATH"; v2's is "0::PATH", v1's CPU one lists "cpu" among its controllers.
  int limit = 0;
  const auto take = [&limit](int found) {
    if (found > 0 && (limit == 0 || found < limit)) limit = found;
  };
  while (!procSelfCgroup.empty()) {
    const auto end = procSelfCgroup.find('\n');
    const std::string_view line = procSelfCgroup.substr(0, end);
    procSelfCgroup.remove_prefix(end == std::string_view::npos ? procSelfCgroup.size() : end + 1);
    const auto first = line.find(':'), second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(first + 1, second - first - 1), path = line.substr(second + 1);
    if (line.substr(0, first) == "0" && controllers.empty()) {
      take(smallestUpwards(root, path, [](const std::filesystem::path& dir) {
        const auto text = readFile(dir / "cpu.max");
        return text ? cpusOfCpuMax(*text) : 0;
      }));
      continue;
    }
    for (std::string_view rest = controllers; !rest.empty();) {
      const auto comma = rest.find(',');
      if (rest.substr(0, comma) == "cpu") {
        take(smallestUpwards(std::filesystem::path(root) / "cpu", path, cpusOfV1));
        break;
      }
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    }
  }
  return limit;
}

int cgroupCpuLimit() {
  const auto cgroups = readFile("/proc/self/cgroup");
  return cgroups ? cgroupCpuLimit(*cgroups) : 0;
}

}  // namespace mmm::core
