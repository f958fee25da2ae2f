// mmm-bench: the load tools of bench/run. Its own epoll loop and minimal WebSocket
// framing, so the client is never the bottleneck; it reports its own CPU time.
//
//   mmm-bench subscribe  --port P --path PATH --connections N --expect M [--source IP] [--raw] [--timeout S]
//   mmm-bench publish    --port P --token T --channel C --rate R --count M --size B
//   mmm-bench raw-server --port P --connections N --rate R --count M --size B
//   mmm-bench hold       --port P --path PATH --connections N [--source IP]
//
// Messages carry "seq=<n> t=<CLOCK_MONOTONIC ns>"; subscribers check order, gaps and
// duplicates per connection and record latency in a histogram. Each prints one JSON line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

std::map<std::string, std::string> options;

std::string opt(const std::string& name, const std::string& fallback = "") {
  auto it = options.find(name);
  return it == options.end() ? fallback : it->second;
}
long long num(const std::string& name, long long fallback) {
  auto it = options.find(name);
  return it == options.end() ? fallback : std::atoll(it->second.c_str());
}

std::int64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double cpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "mmm-bench: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

int connectTo(int port, const std::string& source) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) die("bind " + source);
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);  // loopback only, always
  if (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void writeAll(int fd, const std::string& data) {
  std::size_t at = 0;
  while (at < data.size()) {
    ssize_t n = ::write(fd, data.data() + at, data.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("write");
    at += static_cast<std::size_t>(n);
  }
}

// A whole response: the head, then exactly Content-Length bytes of body (none for a 101).
// `rest` keeps what came after it (for a 101, the first WebSocket bytes).
int readHttpResponse(int fd, std::string& rest) {
  std::string head = std::move(rest);
  rest.clear();
  char buffer[8192];
  while (head.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) die("read response");
    head.append(buffer, static_cast<std::size_t>(n));
  }
  const auto end = head.find("\r\n\r\n") + 4;
  std::string lower = head.substr(0, end);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = lower.find("content-length:");
  const std::size_t length = at == std::string::npos ? 0 : std::strtoul(lower.c_str() + at + 15, nullptr, 10);
  std::string body = head.substr(end);
  while (body.size() < length) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) die("read body");
    body.append(buffer, static_cast<std::size_t>(n));
  }
  rest = body.substr(length);
  return std::atoi(head.c_str() + 9);
}

// Latency histogram: 10 µs buckets up to 1 s, then one overflow bucket.
struct Histogram {
  std::vector<std::uint64_t> buckets = std::vector<std::uint64_t>(100001, 0);
  std::uint64_t count = 0;
  std::int64_t maxNs = 0;
  void add(std::int64_t ns) {
    ++count;
    maxNs = std::max(maxNs, ns);
    buckets[std::min<std::int64_t>(std::max<std::int64_t>(ns, 0) / 10000, 100000)]++;
  }
  double percentileMs(double p) const {
    if (!count) return 0;
    std::uint64_t target = static_cast<std::uint64_t>(p * count), seen = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i)
      if ((seen += buckets[i]) > target) return (i + 1) * 0.01;
    return maxNs / 1e6;
  }
};

// Finds "seq=" and "t=" in a payload.
bool parseStamp(const char* data, std::size_t size, long long& seq, long long& sentNs) {
  std::string_view text(data, size);
  auto s = text.find("seq=");
  auto t = text.find(" t=");
  if (s == std::string_view::npos || t == std::string_view::npos) return false;
  seq = std::atoll(std::string(text.substr(s + 4, 20)).c_str());
  sentNs = std::atoll(std::string(text.substr(t + 3, 20)).c_str());
  return true;
}

struct Sub {
  int fd;
  std::string buffer;
  long long next = 0;  // expected seq
  bool done = false;
};

int subscribe(bool hold) {
  const int port = static_cast<int>(num("port", 8080));
  const int connections = static_cast<int>(num("connections", 1));
  const long long expect = num("expect", 0);
  const bool raw = options.count("raw");
  const std::string path = opt("path", "/v1/ws"), source = opt("source");
  const int timeout = static_cast<int>(num("timeout", 60));
  std::vector<Sub> subs;
  subs.reserve(connections);
  const std::string upgrade = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n";
  for (int i = 0; i < connections; ++i) {
    int fd = connectTo(port, source);
    std::string rest;
    if (!raw) {
      writeAll(fd, upgrade);
      if (int status = readHttpResponse(fd, rest); status != 101) {
        std::fprintf(stderr, "mmm-bench: upgrade answered %d\n", status);
        return 1;
      }
    }
    subs.push_back({fd, rest});
  }
  std::printf("{\"ready\":%d}\n", connections);
  std::fflush(stdout);
  if (hold) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    int signal = 0;
    sigwait(&set, &signal);
    return 0;
  }
  int epoll = epoll_create1(0);
  for (std::size_t i = 0; i < subs.size(); ++i) {
    fcntl(subs[i].fd, F_SETFL, fcntl(subs[i].fd, F_GETFL) | O_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, subs[i].fd, &event);
  }
  Histogram latency;
  long long delivered = 0, duplicates = 0, outOfOrder = 0, finished = 0;
  std::vector<epoll_event> events(1024);
  const std::int64_t deadline = nowNs() + std::int64_t(timeout) * 1000000000;
  char chunk[65536];
  while (finished < connections && nowNs() < deadline) {
    int n = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 200);
    for (int e = 0; e < n; ++e) {
      Sub& sub = subs[events[e].data.u64];
      for (;;) {
        ssize_t got = ::read(sub.fd, chunk, sizeof chunk);
        if (got <= 0) break;
        sub.buffer.append(chunk, static_cast<std::size_t>(got));
      }
      std::size_t at = 0;
      for (;;) {  // complete frames in the buffer
        const std::size_t left = sub.buffer.size() - at;
        const unsigned char* p = reinterpret_cast<const unsigned char*>(sub.buffer.data() + at);
        std::size_t header = 0, length = 0;
        if (raw) {
          if (left < 4) break;
          length = (std::size_t(p[0]) << 24) | (std::size_t(p[1]) << 16) | (std::size_t(p[2]) << 8) | p[3];
          header = 4;
        } else {
          if (left < 2) break;
          length = p[1] & 0x7f;
          header = 2;
          if (length == 126) {
            if (left < 4) break;
            length = (std::size_t(p[2]) << 8) | p[3];
            header = 4;
          } else if (length == 127) {
            if (left < 10) break;
            length = 0;
            for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
            header = 10;
          }
        }
        if (left < header + length) break;
        long long seq, sent;
        if (parseStamp(sub.buffer.data() + at + header, length, seq, sent)) {
          const std::int64_t received = nowNs();
          if (seq < sub.next) {
            ++duplicates;
          } else {
            if (seq > sub.next) ++outOfOrder;  // a gap (loss) or a reordering
            ++delivered;
            latency.add(received - sent);
            sub.next = seq + 1;
          }
          if (!sub.done && sub.next >= expect) {
            sub.done = true;
            ++finished;
          }
        }
        at += header + length;
      }
      sub.buffer.erase(0, at);
    }
  }
  const long long lost = expect * connections - delivered;
  std::printf("{\"connections\":%d,\"expected\":%lld,\"delivered\":%lld,\"lost\":%lld,\"duplicates\":%lld,"
              "\"gaps_or_reorders\":%lld,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"client_cpu_s\":%.2f}\n",
              connections, expect * connections, delivered, lost, duplicates, outOfOrder, latency.percentileMs(0.5),
              latency.percentileMs(0.99), latency.maxNs / 1e6, cpuSeconds());
  return 0;
}

std::string stampedPayload(long long seq, std::size_t size) {
  std::string text = "seq=" + std::to_string(seq) + " t=" + std::to_string(nowNs()) + " ";
  if (text.size() < size) text.append(size - text.size(), 'x');
  return text;
}

int publish() {
  const int port = static_cast<int>(num("port", 8080));
  const long long rate = num("rate", 100), count = num("count", 100), size = num("size", 100);
  const std::string token = opt("token"), channel = opt("channel", "1");
  int fd = connectTo(port, "");
  const std::int64_t start = nowNs(), interval = 1000000000LL / std::max(1LL, rate);
  long long errors = 0;
  std::string rest;
  for (long long i = 0; i < count; ++i) {
    const std::int64_t due = start + i * interval;
    while (nowNs() < due) std::this_thread::sleep_for(std::chrono::microseconds(std::max<std::int64_t>(1, (due - nowNs()) / 1000)));
    const std::string body = "{\"body\":\"" + stampedPayload(i, static_cast<std::size_t>(size)) + "\"}";
    writeAll(fd, "POST /v1/channels/" + channel + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                     "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\n\r\n" + body);
    if (readHttpResponse(fd, rest) != 201) ++errors;
  }
  const double seconds = (nowNs() - start) / 1e9;
  std::printf("{\"published\":%lld,\"errors\":%lld,\"rate\":%.1f,\"client_cpu_s\":%.2f}\n", count, errors,
              count / seconds, cpuSeconds());
  return errors ? 1 : 0;
}

// The ceiling: one writer, N plain TCP readers, the same message size and rate.
int rawServer() {
  const int port = static_cast<int>(num("port", 9999)), connections = static_cast<int>(num("connections", 1));
  const long long rate = num("rate", 100), count = num("count", 100), size = num("size", 100);
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("bind");
  ::listen(listener, 4096);
  std::printf("{\"listening\":%d}\n", port);
  std::fflush(stdout);
  std::vector<int> readers;
  while (static_cast<int>(readers.size()) < connections) {
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    readers.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::int64_t start = nowNs(), interval = 1000000000LL / std::max(1LL, rate);
  for (long long i = 0; i < count; ++i) {
    const std::int64_t due = start + i * interval;
    while (nowNs() < due) std::this_thread::sleep_for(std::chrono::microseconds(std::max<std::int64_t>(1, (due - nowNs()) / 1000)));
    const std::string payload = stampedPayload(i, static_cast<std::size_t>(size));
    std::string frame(4, '\0');
    frame[0] = char(payload.size() >> 24), frame[1] = char(payload.size() >> 16), frame[2] = char(payload.size() >> 8),
    frame[3] = char(payload.size());
    frame += payload;  // built once, written to every reader
    for (int& fd : readers) {
      if (fd < 0) continue;
      std::size_t at = 0;
      while (at < frame.size()) {
        ssize_t n = ::write(fd, frame.data() + at, frame.size() - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {  // a reader gave up: stop writing to it
          ::close(fd);
          fd = -1;
          break;
        }
        at += static_cast<std::size_t>(n);
      }
    }
  }
  const double seconds = (nowNs() - start) / 1e9;
  std::printf("{\"sent\":%lld,\"rate\":%.1f,\"writer_cpu_s\":%.2f}\n", count, count / seconds, cpuSeconds());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: mmm-bench subscribe|publish|raw-server|hold --option value …\n");
    return 64;
  }
  std::signal(SIGPIPE, SIG_IGN);
  for (int i = 2; i < argc; ++i) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0) continue;
    key = key.substr(2);
    options[key] = (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) ? argv[++i] : "1";
  }
  const std::string command = argv[1];
  if (command == "subscribe") return subscribe(false);
  if (command == "hold") return subscribe(true);
  if (command == "publish") return publish();
  if (command == "raw-server") return rawServer();
  std::fprintf(stderr, "mmm-bench: unknown command %s\n", command.c_str());
  return 64;
}
