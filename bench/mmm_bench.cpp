// mmm-bench: the load tools of bench/run. Its own epoll loop and minimal WebSocket
// framing, so the client is never the bottleneck; it reports its own CPU time.
//
//   mmm-bench subscribe  --port P --path PATH --connections N --expect M [--source IP] [--raw] [--timeout S]
//                        [--typing-every S --channel C]
//   mmm-bench publish    --port P --token T --channel C --rate R --count M --size B
//   mmm-bench raw-server --port P --connections N --rate R --count M --size B
//   mmm-bench hold       --port P --path PATH --connections N [--source IP]
//   mmm-bench http-idle  --port P --connections N [--path /healthz] [--source IP]
//   mmm-bench probe      --port P [--requests 2000] [--path /healthz] [--interval-ms 0] [--connect-each] [--source IP]
//   mmm-bench slowloris  --port P --connections N [--interval-ms 1000] [--timeout 60] [--source IP]
//   mmm-bench seed-musicians --port P --count N [--connections 8] [--seed 1] [--paths FILE]
//
// Messages carry "seq=<n> t=<CLOCK_MONOTONIC ns>"; subscribers check order, gaps and
// duplicates per connection and record latency in a histogram. With --typing-every S, each
// subscriber also sends {"type":"typing","channelID":C} every S seconds, spread evenly. Each prints one JSON line
// (hold, http-idle and slowloris print {"ready":N} first). raw-server --port 0 binds a free
// port and prints it.
//
// http-idle: N keep-alive connections that each send one complete request, read the whole
// answer, then stay open and silent until SIGTERM; then it prints how many the server closed.
// probe: a fresh client's sequential requests (one keep-alive connection, or a new
// connection for each with --connect-each); latency from before the write (and the connect)
// to the last byte of the answer; a request that fails or takes over 5 s is an error.
// slowloris: N connections that each send a request header one byte per interval, never
// completing it; reports when the server closed each (seconds after its first byte) and
// how many were answered 408.
// seed-musicians: signs up N users through the API and saves a musician profile for each
// (deterministic from --seed): 80 % within 60 km of one of 20 cities (uniform over the
// disc), 20 % anywhere between 60 S and 70 N; 1 to 3 instruments of the 30 commonest, each
// at a uniform level; 1 to 3 genres. --paths writes the search paths bench/run asks for
// (each city's centre with each of 5 instruments), one per line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <cmath>
#include <atomic>
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

// A connected socket, or -1 (errno set) when the connect fails.
int tryConnect(int port, const std::string& source) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 || (ntohl(local.sin_addr.s_addr) >> 24) != 127)
      die("--source must be a loopback address: " + source);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) die("bind " + source);
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);  // loopback only, always
  if (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

int connectTo(int port, const std::string& source) {
  const int fd = tryConnect(port, source);
  if (fd < 0) die("connect");
  return fd;
}

void setReceiveTimeout(int fd, int milliseconds) {
  timeval tv{milliseconds / 1000, (milliseconds % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

bool tryWriteAll(int fd, const std::string& data) {
  std::size_t at = 0;
  while (at < data.size()) {
    ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<std::size_t>(n);
  }
  return true;
}

void writeAll(int fd, const std::string& data) {
  if (!tryWriteAll(fd, data)) die("write");
}

// A whole response: the head, then exactly Content-Length bytes of body (none for a 101).
// `rest` keeps what came after it (for a 101, the first WebSocket bytes). -1 when the
// connection fails or closes first (errno set, 0 for a close).
int tryReadHttpResponse(int fd, std::string& rest, std::string* headOut = nullptr) {
  std::string head = std::move(rest);
  rest.clear();
  char buffer[8192];
  while (head.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = 0;
    if (n <= 0) return -1;
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
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = 0;
    if (n <= 0) return -1;
    body.append(buffer, static_cast<std::size_t>(n));
  }
  rest = body.substr(length);
  if (headOut) *headOut = head.substr(0, end);
  return std::atoi(head.c_str() + 9);
}

int readHttpResponse(int fd, std::string& rest) {
  const int status = tryReadHttpResponse(fd, rest);
  if (status < 0) die("read response");
  return status;
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
      if ((seen += buckets[i]) > target) return std::min((i + 1) * 0.01, maxNs / 1e6);  // a bucket's upper bound, at most the max
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
  const long long typingEvery = num("typing-every", 0);
  // A masked client text frame (the key is fixed: the server must unmask, not guess).
  std::string typingFrame;
  if (typingEvery > 0) {
    const std::string payload = R"({"type":"typing","channelID":)" + std::to_string(num("channel", 1)) + "}";
    const unsigned char key[4] = {0x1f, 0x2e, 0x3d, 0x4c};
    typingFrame = {char(0x81), char(0x80 | payload.size()), char(key[0]), char(key[1]), char(key[2]), char(key[3])};
    for (std::size_t i = 0; i < payload.size(); ++i) typingFrame += char(payload[i] ^ key[i % 4]);
  }
  long long typingSent = 0;
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
  // Typing frames: one connection after another, each once per period.
  const std::int64_t typingGap = typingEvery > 0 ? typingEvery * 1000000000 / connections : 0;
  std::int64_t typingDue = nowNs();
  std::size_t typingNext = 0;
  char chunk[65536];
  while (finished < connections && nowNs() < deadline) {
    int wait = 200;
    if (typingGap > 0) {
      for (const auto now = nowNs(); typingDue <= now; typingDue += typingGap) {
        const Sub& sub = subs[typingNext];
        typingNext = (typingNext + 1) % subs.size();
        // Small enough for the socket's buffer; a full buffer would mean the server stopped reading.
        if (::send(sub.fd, typingFrame.data(), typingFrame.size(), MSG_NOSIGNAL | MSG_DONTWAIT) ==
            static_cast<ssize_t>(typingFrame.size()))
          ++typingSent;
      }
      wait = static_cast<int>(std::clamp<std::int64_t>((typingDue - nowNs()) / 1000000, 0, 200));
    }
    int n = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), wait);
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
              "\"gaps_or_reorders\":%lld,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"client_cpu_s\":%.2f,"
              "\"typing_sent\":%lld}\n",
              connections, expect * connections, delivered, lost, duplicates, outOfOrder, latency.percentileMs(0.5),
              latency.percentileMs(0.99), latency.maxNs / 1e6, cpuSeconds(), typingSent);
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
  socklen_t length = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);  // --port 0: the one given
  std::printf("{\"listening\":%d}\n", ntohs(address.sin_port));
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

// A signalfd for SIGTERM and SIGINT (blocked first, so neither kills the process).
int terminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  const int fd = signalfd(-1, &set, SFD_CLOEXEC);
  if (fd < 0) die("signalfd");
  return fd;
}

std::string httpGet(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: mmm-bench\r\n\r\n";
}

// N idle keep-alive connections, each after one whole request and answer.
int httpIdle() {
  const int port = static_cast<int>(num("port", 8080)), connections = static_cast<int>(num("connections", 1));
  const std::string source = opt("source"), request = httpGet(opt("path", "/healthz"));
  const int signals = terminationSignals();
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(connections));
  long long non200 = 0, failed = 0;
  for (int i = 0; i < connections; ++i) {
    const int fd = tryConnect(port, source);
    if (fd < 0) {
      ++failed;
      continue;
    }
    setReceiveTimeout(fd, 10000);
    std::string rest;
    int status = -1;
    if (tryWriteAll(fd, request)) status = tryReadHttpResponse(fd, rest);
    if (status < 0) {
      ++failed;
      ::close(fd);
      continue;
    }
    if (status != 200) ++non200;
    fds.push_back(fd);
  }
  std::printf("{\"ready\":%zu,\"failed\":%lld,\"non_200\":%lld}\n", fds.size(), failed, non200);
  std::fflush(stdout);
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = signals;
  epoll_ctl(epoll, EPOLL_CTL_ADD, signals, &event);
  for (int fd : fds) {
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.fd = fd;
    epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
  }
  const std::int64_t start = nowNs();
  long long closedByServer = 0, unexpectedBytes = 0;
  double firstCloseS = -1;
  std::vector<epoll_event> events(1024);
  for (bool done = false; !done;) {
    const int n = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), -1);
    for (int e = 0; e < n; ++e) {
      const int fd = events[e].data.fd;
      if (fd == signals) {
        done = true;
        continue;
      }
      char buffer[4096];
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got > 0) {
        unexpectedBytes += got;
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      ++closedByServer;  // EOF or reset: the server let an idle connection go
      if (firstCloseS < 0) firstCloseS = (nowNs() - start) / 1e9;
      epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
      ::close(fd);
    }
  }
  std::printf("{\"held\":%zu,\"closed_by_server\":%lld,\"first_close_s\":%.1f,\"unexpected_bytes\":%lld,"
              "\"held_s\":%.1f,\"client_cpu_s\":%.2f}\n",
              fds.size(), closedByServer, firstCloseS, unexpectedBytes, (nowNs() - start) / 1e9, cpuSeconds());
  return 0;
}

// A fresh client's latency: sequential GETs, one connection (or a new one per request).
int probe() {
  const int port = static_cast<int>(num("port", 8080));
  const long long requests = num("requests", 2000), intervalNs = num("interval-ms", 0) * 1000000;
  const bool connectEach = options.count("connect-each");
  const std::string source = opt("source"), request = httpGet(opt("path", "/healthz"));
  Histogram latency;
  long long ok = 0, non200 = 0, errors = 0, connects = 0;
  int fd = -1;
  std::string rest;
  const std::int64_t start = nowNs();
  for (long long i = 0; i < requests; ++i) {
    const std::int64_t due = start + i * intervalNs;
    while (nowNs() < due) std::this_thread::sleep_for(std::chrono::microseconds(std::max<std::int64_t>(1, (due - nowNs()) / 1000)));
    const std::int64_t began = nowNs();
    if (fd < 0) {
      fd = tryConnect(port, source);
      if (fd < 0) {
        ++errors;
        continue;
      }
      ++connects;
      setReceiveTimeout(fd, 5000);
      rest.clear();
    }
    const int status = tryWriteAll(fd, request) ? tryReadHttpResponse(fd, rest) : -1;
    if (status < 0) {
      ++errors;
      ::close(fd);
      fd = -1;
      continue;
    }
    latency.add(nowNs() - began);
    (status == 200 ? ok : non200)++;
    if (connectEach) {
      ::close(fd);
      fd = -1;
    }
  }
  if (fd >= 0) ::close(fd);
  std::printf("{\"requests\":%lld,\"ok\":%lld,\"non_200\":%lld,\"errors\":%lld,\"connections\":%lld,\"p50_ms\":%.2f,"
              "\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"seconds\":%.1f}\n",
              requests, ok, non200, errors, connects, latency.percentileMs(0.5), latency.percentileMs(0.9),
              latency.percentileMs(0.99), latency.maxNs / 1e6, (nowNs() - start) / 1e9);
  return 0;
}

// Slowloris: headers one byte per interval, never complete; when does the server close each?
int slowloris() {
  const int port = static_cast<int>(num("port", 8080)), connections = static_cast<int>(num("connections", 1));
  const std::int64_t intervalNs = num("interval-ms", 1000) * 1000000;
  const int timeout = static_cast<int>(num("timeout", 60));
  const std::string source = opt("source");
  const std::string prefix = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";  // then 'a' for ever
  struct Slow {
    int fd = -1;
    std::int64_t firstByte = 0, nextSend = 0;
    std::size_t sent = 0;
    std::string answer;
    double closedAfterS = -1;
    bool reset = false;
  };
  std::vector<Slow> slow(static_cast<std::size_t>(connections));
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  long long failed = 0;
  int open = 0;
  for (std::size_t i = 0; i < slow.size(); ++i) {
    Slow& s = slow[i];
    s.fd = tryConnect(port, source);
    if (s.fd < 0) {
      ++failed;
      continue;
    }
    fcntl(s.fd, F_SETFL, fcntl(s.fd, F_GETFL) | O_NONBLOCK);
    s.firstByte = nowNs();
    if (::send(s.fd, prefix.data(), 1, MSG_NOSIGNAL) != 1) die("send the first byte");
    s.sent = 1;
    s.nextSend = s.firstByte + intervalNs;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, s.fd, &event);
    ++open;
  }
  std::printf("{\"ready\":%d,\"failed\":%lld}\n", open, failed);
  std::fflush(stdout);
  auto closed = [&](Slow& s, bool reset) {
    s.closedAfterS = (nowNs() - s.firstByte) / 1e9;
    s.reset = reset;
    epoll_ctl(epoll, EPOLL_CTL_DEL, s.fd, nullptr);
    ::close(s.fd);
    s.fd = -1;
    --open;
  };
  const std::int64_t deadline = nowNs() + std::int64_t(timeout) * 1000000000;
  std::vector<epoll_event> events(1024);
  while (open > 0 && nowNs() < deadline) {
    const int n = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 10);
    for (int e = 0; e < n; ++e) {
      Slow& s = slow[events[e].data.u64];
      if (s.fd < 0) continue;
      for (;;) {
        char buffer[4096];
        const ssize_t got = ::recv(s.fd, buffer, sizeof buffer, 0);
        if (got > 0) {
          if (s.answer.size() < 4096) s.answer.append(buffer, static_cast<std::size_t>(got));
          continue;
        }
        if (got == 0) closed(s, false);
        else if (errno == EINTR) continue;
        else if (errno != EAGAIN) closed(s, true);
        break;
      }
    }
    const std::int64_t now = nowNs();
    for (Slow& s : slow) {
      if (s.fd < 0 || now < s.nextSend) continue;
      const char byte = s.sent < prefix.size() ? prefix[s.sent] : 'a';
      const ssize_t n = ::send(s.fd, &byte, 1, MSG_NOSIGNAL);
      if (n == 1) {
        ++s.sent;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        // The server closed it; collect the close (and any answer) from a read.
        const bool reset = errno == ECONNRESET || errno == EPIPE;
        char buffer[4096];
        const ssize_t got = ::recv(s.fd, buffer, sizeof buffer, 0);
        if (got > 0 && s.answer.size() < 4096) s.answer.append(buffer, static_cast<std::size_t>(got));
        closed(s, reset);
        continue;
      }
      s.nextSend += intervalNs;
    }
  }
  std::vector<double> after;
  long long answered408 = 0, otherAnswers = 0, resets = 0, bytes = 0;
  for (Slow& s : slow) {
    bytes += static_cast<long long>(s.sent);
    if (s.closedAfterS >= 0) after.push_back(s.closedAfterS);
    if (s.answer.rfind("HTTP/1.1 408", 0) == 0) ++answered408;
    else if (!s.answer.empty()) ++otherAnswers;
    if (s.reset) ++resets;
    if (s.fd >= 0) ::close(s.fd);
  }
  std::sort(after.begin(), after.end());
  auto at = [&](double p) { return after.empty() ? -1.0 : after[std::min(after.size() - 1, std::size_t(p * after.size()))]; };
  std::printf("{\"connections\":%d,\"failed\":%lld,\"closed\":%zu,\"still_open\":%d,\"answered_408\":%lld,"
              "\"other_answers\":%lld,\"resets\":%lld,\"bytes_sent_avg\":%.1f,\"close_min_s\":%.2f,"
              "\"close_p50_s\":%.2f,\"close_p99_s\":%.2f,\"close_max_s\":%.2f,\"client_cpu_s\":%.2f}\n",
              connections, failed, after.size(), open, answered408, otherAnswers, resets,
              connections ? double(bytes) / connections : 0.0, at(0), at(0.5), at(0.99),
              after.empty() ? -1.0 : after.back(), cpuSeconds());
  return 0;
}


// --- seed-musicians -------------------------------------------------------------------

struct City {
  const char* name;
  double lat, lon;
};
// Suva sits next to the antimeridian, so its searches take the two-range bounding box.
const City kCities[] = {{"Seattle", 47.61, -122.33},   {"New York", 40.71, -74.01},  {"London", 51.51, -0.13},
                        {"Berlin", 52.52, 13.40},      {"Paris", 48.86, 2.35},       {"Madrid", 40.42, -3.70},
                        {"Stockholm", 59.33, 18.07},   {"Lagos", 6.52, 3.38},        {"Nairobi", -1.29, 36.82},
                        {"Cairo", 30.04, 31.24},       {"Mumbai", 19.08, 72.88},     {"Tokyo", 35.68, 139.69},
                        {"Seoul", 37.57, 126.98},      {"Sydney", -33.87, 151.21},   {"Auckland", -36.85, 174.76},
                        {"Sao Paulo", -23.55, -46.63}, {"Buenos Aires", -34.60, -58.38}, {"Mexico City", 19.43, -99.13},
                        {"Toronto", 43.65, -79.38},    {"Suva", -18.14, 178.44}};
const char* const kSeedInstruments[] = {"guitar",  "bass",      "drums",     "keys",       "vocals",  "violin",
                                        "fiddle",  "cello",     "double-bass", "trumpet",  "saxophone", "trombone",
                                        "clarinet", "flute",    "banjo",     "mandolin",   "ukulele", "accordion",
                                        "harmonica", "percussion", "dj",     "piano",      "synthesizer", "organ",
                                        "viola",   "harp",      "tuba",      "oboe",       "cajon",   "backing-vocals"};
const char* const kSeedLevels[] = {"beginner", "intermediate", "advanced", "pro"};
const char* const kSeedGenres[] = {"folk", "jazz", "blues", "rock", "pop", "punk", "metal", "indie", "country", "bluegrass",
                                   "soul", "funk", "hip-hop", "electronic", "reggae", "latin", "classical", "celtic",
                                   "swing", "world"};
const char* const kQueryInstruments[] = {"guitar", "bass", "drums", "vocals", "keys"};

// One musician's profile body, from its own generator (the same for a given seed and index).
std::string musicianBody(std::uint64_t seed, long long index) {
  std::mt19937_64 random(seed * 1000003 + static_cast<std::uint64_t>(index));
  std::uniform_real_distribution<double> unit(0, 1);
  double lat, lon;
  if (unit(random) < 0.8) {
    const City& city = kCities[random() % (sizeof kCities / sizeof kCities[0])];
    const double r = 60.0 * std::sqrt(unit(random)) / 111.19, bearing = unit(random) * 2 * M_PI;
    lat = city.lat + r * std::cos(bearing);
    lon = city.lon + r * std::sin(bearing) / std::cos(city.lat * M_PI / 180);
    if (lon > 180) lon -= 360;
    if (lon < -180) lon += 360;
  } else {
    lat = -60 + unit(random) * 130;
    lon = -180 + unit(random) * 360;
  }
  std::string instruments, genres;
  std::vector<int> picked;
  for (int n = static_cast<int>(random() % 3) + 1; n > 0; --n) {
    const int i = static_cast<int>(random() % (sizeof kSeedInstruments / sizeof kSeedInstruments[0]));
    if (std::find(picked.begin(), picked.end(), i) != picked.end()) continue;
    picked.push_back(i);
    instruments += std::string(instruments.empty() ? "" : ",") + "{\"slug\":\"" + kSeedInstruments[i] +
                   "\",\"level\":\"" + kSeedLevels[random() % 4] + "\"}";
  }
  picked.clear();
  for (int n = static_cast<int>(random() % 3) + 1; n > 0; --n) {
    const int g = static_cast<int>(random() % (sizeof kSeedGenres / sizeof kSeedGenres[0]));
    if (std::find(picked.begin(), picked.end(), g) != picked.end()) continue;
    picked.push_back(g);
    genres += std::string(genres.empty() ? "" : ",") + "\"" + kSeedGenres[g] + "\"";
  }
  char area[160];
  std::snprintf(area, sizeof area, "{\"name\":\"Bench area %lld\",\"lat\":%.4f,\"lon\":%.4f}", index, lat, lon);
  return "{\"instruments\":[" + instruments + "],\"genres\":[" + genres +
         "],\"bio\":\"Benchmark musician " + std::to_string(index) +
         "\",\"seeking\":\"people to play with\",\"links\":[],\"available\":" + (random() % 2 ? "true" : "false") +
         ",\"area\":" + area + "}";
}

std::string request(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body) {
  std::string out = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  if (!token.empty()) out += "Authorization: Bearer " + token + "\r\n";
  return out + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The token of a 201 answer's "Authorization: Bearer …" header, or "".
std::string bearer(int status, const std::string& head) {
  std::string lower = head;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = lower.find("\r\nauthorization: bearer ");
  if (status != 201 || at == std::string::npos) return "";
  const auto begin = at + 24;
  return head.substr(begin, head.find("\r\n", begin) - begin);
}

int seedMusicians() {
  const int port = static_cast<int>(num("port", 8080));
  const long long count = num("count", 1000), connections = std::max(1LL, num("connections", 8));
  const auto seed = static_cast<std::uint64_t>(num("seed", 1));
  if (!opt("paths").empty()) {
    std::FILE* file = std::fopen(opt("paths").c_str(), "w");
    if (!file) die("open " + opt("paths"));
    for (const auto& city : kCities)
      for (const char* instrument : kQueryInstruments)
        std::fprintf(file, "/v1/musicians?instrument=%s&near=%.2f,%.2f\n", instrument, city.lat, city.lon);
    std::fclose(file);
  }
  std::atomic<long long> made{0}, failed{0};
  const std::int64_t start = nowNs();
  std::vector<std::thread> workers;
  for (long long w = 0; w < connections; ++w) {
    workers.emplace_back([&, w] {
      int fd = connectTo(port, "");
      std::string rest, head;
      for (long long i = w; i < count; i += connections) {
        const std::string name = "bench" + std::to_string(seed) + "x" + std::to_string(i);
        const std::string signUp = "{\"email\":\"" + name + "@example.org\",\"password\":\"bench-password\","
                                   "\"passwordConf\":\"bench-password\",\"userName\":\"" + name +
                                   "\",\"firstName\":\"Bench\",\"lastName\":\"Musician " + std::to_string(i) + "\"}";
        writeAll(fd, request("POST", "/v1/users", "", signUp));
        std::string token = bearer(tryReadHttpResponse(fd, rest, &head), head);
        if (token.empty()) {  // taken by an earlier run with the same seed: sign in instead
          writeAll(fd, request("POST", "/v1/sessions", "", "{\"email\":\"" + name + "@example.org\",\"password\":\"bench-password\"}"));
          token = bearer(tryReadHttpResponse(fd, rest, &head), head);
        }
        if (token.empty()) {
          ++failed;
          continue;
        }
        writeAll(fd, request("PUT", "/v1/musicians/me", token, musicianBody(seed, i)));
        (readHttpResponse(fd, rest) == 200 ? made : failed)++;
      }
      ::close(fd);
    });
  }
  for (auto& worker : workers) worker.join();
  const double seconds = (nowNs() - start) / 1e9;
  std::printf("{\"musicians\":%lld,\"failed\":%lld,\"seconds\":%.1f,\"per_s\":%.0f}\n", made.load(), failed.load(),
              seconds, made.load() / seconds);
  return failed.load() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: mmm-bench subscribe|publish|raw-server|hold|http-idle|probe|slowloris|seed-musicians --option value …\n");
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
  if (command == "http-idle") return httpIdle();
  if (command == "probe") return probe();
  if (command == "slowloris") return slowloris();
  if (command == "seed-musicians") return seedMusicians();
  std::fprintf(stderr, "mmm-bench: unknown command %s\n", command.c_str());
  return 64;
}
