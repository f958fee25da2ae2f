#include "http_server.hpp"

#include "http_parser.hpp"
#include "metrics.hpp"
#include "pipeline.hpp"
#include "thread_name.hpp"
#include "worker_pool.hpp"

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <spdlog/logger.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

namespace mmm::core {
namespace {

using Clock = std::chrono::steady_clock;

// "host:port" and "host" of a peer, as Poco's SocketAddress would print them.
void describePeer(const sockaddr_storage& address, std::string& hostPort, std::string& host) {
  char text[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    port = ntohs(in.sin_port);
    host = text;
    hostPort = host + ":" + std::to_string(port);
  } else if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    port = ntohs(in6.sin6_port);
    host = text;
    hostPort = "[" + host + "]:" + std::to_string(port);
  } else {
    host = hostPort = "unknown";
  }
}

// "Tue, 01 Dec 2026 14:13:35 GMT", formatted at most once a second per thread.
const std::string& httpDate() {
  thread_local std::time_t last = 0;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != last) {
    last = now;
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char buffer[64];
    const auto n = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text.assign(buffer, n);
  }
  return text;
}

bool bodiless(int status) { return status == 204 || status == 304 || (status >= 100 && status < 200); }

// The status line and headers of `response`; `keepAlive` decides the Connection header.
std::string serializeHead(const Response& response, int version, bool keepAlive, bool upgrade) {
  std::string head;
  head.reserve(192 + response.headers.size() * 48);
  head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status));
  head += "\r\nDate: ";
  head += httpDate();
  head += "\r\nServer: mmm-server\r\n";
  for (const auto& [name, value] : response.headers) {
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, kUpgradeUserHeader) ||
        (!upgrade && iequals(name, "Connection")))
      continue;  // ours to decide
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (!bodiless(response.status)) {
    head += "Content-Length: ";
    head += std::to_string(response.body.size());
    head += "\r\n";
  }
  if (!upgrade) {
    if (!keepAlive) head += "Connection: close\r\n";
    else if (version == 10) head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  return head;
}

// Whether the connection ends after this answer: the handler asked for it, or an upgrade was
// refused (any answer but 101). A proxy that took a refused upgrade request for a
// successful one would pass on what follows unchecked, as a tunnel: it must not be read
// here as further requests.
bool endsConnection(const Request& request, const Response& response) {
  auto connection = response.header("Connection");
  if (connection && iequals(*connection, "close")) return true;
  return response.status != 101 && request.header("Upgrade").has_value();
}

}  // namespace

// The listening socket, shared by every loop (EPOLLEXCLUSIVE wakes one of them per connection).
struct HttpServer::Listener {
  Poco::Net::ServerSocket socket;
  int fd = -1;
};

// One epoll thread and the connections it owns. Nothing of a connection is touched by any
// other thread: workers hand results back through post().
class HttpServer::Loop {
 public:
  explicit Loop(HttpServer& server) : server_(server) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_ < 0 || wake_ < 0) throw std::runtime_error(std::string("http: epoll/eventfd: ") + std::strerror(errno));
    watch(wake_, EPOLLIN);
  }
  ~Loop() {
    ::close(epoll_);
    ::close(wake_);
  }

  void start(int listenFd) {
    listenFd_ = listenFd;
    if (!watch(listenFd_, EPOLLIN | EPOLLEXCLUSIVE)) throw std::runtime_error("http: cannot watch the listening socket");
    thread_ = std::thread([this] { run(); });
    nameThread(thread_, "mmm-http");
    // A batch thread for the scheduler (set here, so it is one once start() returns): woken
    // by a request or a worker's answer, a loop would otherwise preempt the worker running a
    // handler at once, handle that one event and sleep again (under load, a context switch
    // or two a request). As a batch thread it waits for the worker's turn to end and then
    // finds several events at once; on an idle CPU it runs at once, as before.
    const sched_param batch{};
    if (const int error = ::pthread_setschedparam(thread_.native_handle(), SCHED_BATCH, &batch))
      server_.log_->debug("http: the loop stays an ordinary thread ({})", std::strerror(error));
  }
  void join() {
    running_ = false;
    wake();
    if (thread_.joinable()) thread_.join();
  }

  struct Completion {
    int fd;
    std::uint64_t serial;
    std::string head;
    std::string body;
    bool keepAlive;
    bool upgrade;
    std::int64_t userId;
    std::string sessionKey;
    std::string slot;
  };
  void post(Completion completion) {
    bool first;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      first = inbox_.empty();
      inbox_.push_back(std::move(completion));
    }
    // Only the first completion of a batch wakes the loop: it reads the eventfd before it
    // takes the inbox, so anything added meanwhile is taken with the batch.
    if (first) wake();
  }
  /// Stop accepting and close connections that are between requests.
  void drain() {
    drainRequested_ = true;
    wake();
  }

 private:
  enum class Phase : std::uint8_t { Idle, Reading, Busy, Writing, Closing };

  struct Connection {
    int fd = -1;
    std::uint64_t serial = 0;
    Phase phase = Phase::Idle;
    bool keepAlive = true;
    bool peerClosed = false;  // the client shut its side down
    bool continued = false;   // "100 Continue" sent for this request
    std::uint32_t events = 0;  // epoll interest
    int requests = 0;
    Clock::time_point deadline;      // of the current phase
    Clock::time_point bodyStarted{};  // the header of a request with a body arrived
    std::size_t bodyBytes = 0;       // bytes read since then
    std::string peer, peerHost;
    std::string in;                        // read, not yet parsed
    std::unique_ptr<RequestParser> parser;  // only while a request is being read
    std::string head, body;                // the response being written
    std::size_t written = 0;
  };

  Connection* connection(int fd) {
    return fd >= 0 && static_cast<std::size_t>(fd) < connections_.size() ? connections_[static_cast<std::size_t>(fd)].get()
                                                                          : nullptr;
  }

  bool watch(int fd, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    return ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) == 0;
  }
  void interest(Connection& c, std::uint32_t events) {
    if (c.events == events) return;
    epoll_event event{};
    event.events = events;
    event.data.fd = c.fd;
    if (::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event) != 0) {
      server_.log_->warn("http: epoll_ctl on a connection failed: {}", std::strerror(errno));
      close(c);
      return;
    }
    c.events = events;
  }
  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
  }

  void run() {
    std::vector<epoll_event> events(256);
    auto nextTick = Clock::now();
    while (running_) {
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 250);
      if (n < 0 && errno != EINTR) server_.log_->error("http: epoll_wait: {}", std::strerror(errno));
      // A connection closed earlier in this batch may give its number to one accepted later
      // in it; the batch's events for that number are the old socket's, not the new one's.
      const std::uint64_t acceptedBefore = serials_;
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        // Each connection's trouble stays with that connection.
        try {
          if (fd == wake_) {
            std::uint64_t count;
            [[maybe_unused]] auto r = ::read(wake_, &count, sizeof count);
            drainInbox();
          } else if (fd == listenFd_) {
            accept();
          } else if (Connection* c = connection(fd); c && c->serial <= acceptedBefore) {
            handle(*c, events[i].events);
          }
        } catch (const std::exception& e) {
          server_.log_->error("http: dropping a connection after an unexpected error: {}", e.what());
          if (Connection* c = connection(fd)) close(*c);
        }
      }
      const auto now = Clock::now();
      if (now >= nextTick) {
        tick(now);
        nextTick = now + std::chrono::milliseconds(250);
      }
      if (acceptPausedUntil_ != Clock::time_point{} && now >= acceptPausedUntil_) {
        acceptPausedUntil_ = {};
        if (!draining_) watch(listenFd_, EPOLLIN | EPOLLEXCLUSIVE);
      }
      reap();
    }
    for (auto& c : connections_) {
      if (!c || c->fd < 0) continue;
      if (c->phase == Phase::Busy) server_.finished();  // its worker's answer has no one to go to
      ::close(c->fd);
      server_.open_--;
    }
    connections_.clear();
  }

  void accept() {
    for (int accepted = 0; accepted < 64; ++accepted) {  // others get a turn
      sockaddr_storage address{};
      socklen_t length = sizeof address;
      const int fd = ::accept4(listenFd_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) return;
        server_.counters_.acceptErrors++;
        // Out of descriptors (or memory): stop watching the socket for a moment, or
        // level-triggered epoll would spin on the connection we cannot take.
        const auto now = Clock::now();
        if (now - lastAcceptError_ > std::chrono::seconds(1)) {
          server_.log_->warn("http: cannot accept a connection: {}", std::strerror(errno));
          lastAcceptError_ = now;
        }
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listenFd_, nullptr);
        acceptPausedUntil_ = now + std::chrono::milliseconds(100);
        return;
      }
      if (server_.open_.load() >= server_.settings_.maxConnections) {
        server_.counters_.refused++;
        ::close(fd);
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto c = std::make_unique<Connection>();
      c->fd = fd;
      c->serial = ++serials_;
      describePeer(address, c->peer, c->peerHost);
      c->events = EPOLLIN | EPOLLRDHUP;
      if (!watch(fd, c->events)) {
        server_.counters_.acceptErrors++;
        ::close(fd);
        continue;
      }
      c->deadline = Clock::now() + std::chrono::seconds(server_.settings_.keepAliveTimeoutSeconds);
      server_.open_++;
      server_.counters_.accepted++;
      // A connection closed earlier in this iteration may still hold the number, unreaped.
      if (static_cast<std::size_t>(fd) >= connections_.size())
        connections_.resize(std::max<std::size_t>(static_cast<std::size_t>(fd) + 1, connections_.size() * 2));
      connections_[static_cast<std::size_t>(fd)] = std::move(c);
    }
  }

  void handle(Connection& c, std::uint32_t events) {
    if (events & EPOLLERR) {
      close(c);
      return;
    }
    switch (c.phase) {
      case Phase::Busy:
      case Phase::Writing:
        // Nothing is parsed while a worker has the request or its answer is being written
        // (readAhead keeps what arrives): the peer went away, or shut its side
        // (level-triggered: stop watching for that).
        if (events & EPOLLHUP) {
          close(c);
          return;
        }
        if (c.phase == Phase::Busy && (events & EPOLLIN)) {
          readAhead(c);
          if (c.fd < 0) return;
        }
        if (events & EPOLLRDHUP) {
          c.peerClosed = true;
          interest(c, c.phase == Phase::Writing ? static_cast<std::uint32_t>(EPOLLOUT) : 0u);
        }
        if (c.fd >= 0 && (events & EPOLLOUT)) flush(c);
        return;
      default:
        readFrom(c);
    }
  }

  // While a worker has the request, what the client sends next (a pipelined request, or
  // frames after an upgrade request) is read and kept, up to a bound past which the
  // connection is not read until the answer is out. Staying interested in EPOLLIN this way
  // saves the two epoll_ctl calls a request that turning it off and on again would cost.
  void readAhead(Connection& c) {
    while (c.in.size() < kMaxBuffered) {
      const ssize_t n = ::recv(c.fd, scratch_, std::min(sizeof scratch_, kMaxBuffered - c.in.size()), MSG_DONTWAIT);
      if (n == 0) {
        c.peerClosed = true;
        interest(c, 0u);  // level-triggered: nothing more to watch for until the answer is out
        return;
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) close(c);
        return;
      }
      c.in.append(scratch_, static_cast<std::size_t>(n));
    }
    interest(c, EPOLLRDHUP);  // full: written() takes EPOLLIN back
  }

  void readFrom(Connection& c) {
    char* buffer = scratch_;
    for (int rounds = 0; rounds < 4; ++rounds) {
      const ssize_t n = ::recv(c.fd, buffer, sizeof scratch_, MSG_DONTWAIT);
      if (n == 0) {
        c.peerClosed = true;
        break;
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        close(c);
        return;
      }
      if (c.phase == Phase::Closing) continue;  // lingering close: discard
      c.in.append(buffer, static_cast<std::size_t>(n));
      if (c.bodyStarted != Clock::time_point{}) c.bodyBytes += static_cast<std::size_t>(n);
      if (static_cast<std::size_t>(n) < sizeof scratch_) break;
      if (c.in.size() > kMaxBuffered) break;  // parse what we have before reading more
    }
    if (c.phase == Phase::Closing) {
      if (c.peerClosed) close(c);
      return;
    }
    parse(c);
    if (c.fd < 0 || !c.peerClosed) return;
    if (c.phase == Phase::Idle) {
      close(c);
    } else if (c.phase == Phase::Reading) {
      // The client shut its side mid-request: never handle part of one; say so and close.
      server_.counters_.parseErrors++;
      Request request;
      request.method = "-";
      request.rawPath = "-";
      answerEarly(c, request, problem(400, "the request is incomplete: the client closed its side"), false);
    }
  }

  // Feeds what was read to the parser; a complete request goes to a worker.
  void parse(Connection& c) {
    if (c.phase != Phase::Idle && c.phase != Phase::Reading) return;
    if (c.in.empty()) return;
    const auto& settings = server_.settings_;
    if (!c.parser) {
      if (draining_) {
        close(c);
        return;
      }
      ParseLimits limits;
      limits.maxHeaderBytes = static_cast<std::uint32_t>(settings.maxHeaderBytes);
      limits.maxBodyBytes = static_cast<std::uint64_t>(settings.maxBodyBytes);
      c.parser = std::make_unique<RequestParser>(limits);
      c.phase = Phase::Reading;
      c.continued = false;
      c.bodyStarted = {};
      c.bodyBytes = 0;
      c.deadline = Clock::now() + std::chrono::seconds(settings.headerTimeoutSeconds);
    }
    const bool headerBefore = c.parser->headerDone();
    const std::size_t taken = c.parser->feed(c.in);
    c.in.erase(0, taken);
    auto& parser = *c.parser;
    if (parser.state() == RequestParser::State::Error) {
      server_.counters_.parseErrors++;
      Request request;
      request.method = "-";
      request.rawPath = "-";
      Response answer = problem(parser.errorStatus(), parser.errorDetail());
      if (parser.headerParsed()) {  // refused for what the header says: answer as to that request
        ParsedRequest partial = parser.take();
        request.method = std::move(partial.method);
        request.headers = std::move(partial.headers);
        if (!splitTarget(partial.target, request.rawPath, request.query)) request.rawPath = partial.target;
      }
      answerEarly(c, request, std::move(answer), false);
      return;
    }
    if (!headerBefore && parser.headerDone() && parser.bodyPending()) {
      c.bodyStarted = Clock::now();
      c.bodyBytes = c.in.size();
      if (parser.expectsContinue() && !c.continued) {
        c.continued = true;
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        [[maybe_unused]] auto n = ::send(c.fd, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      }
    }
    if (parser.state() == RequestParser::State::Done) {
      ParsedRequest parsed = parser.take();
      c.parser.reset();
      dispatch(c, std::move(parsed));
    } else if (c.in.empty()) {
      c.in.shrink_to_fit();  // an idle or slow connection holds no buffer
    }
  }

  // Hands a complete request to the pool, or answers it here when that cannot be.
  void dispatch(Connection& c, ParsedRequest parsed) {
    const auto& settings = server_.settings_;
    Request request;
    request.method = std::move(parsed.method);
    request.headers = std::move(parsed.headers);
    request.body = std::move(parsed.body);
    request.clientAddress = c.peer;
    request.clientIp = server_.proxies_.clientIp(c.peerHost, std::string(request.header("X-Forwarded-For").value_or("")));
    if (auto id = request.header("X-Request-Id")) request.id = std::string(*id);  // checked later
    const int version = parsed.version;
    ++c.requests;
    c.keepAlive = parsed.keepAlive && settings.keepAlive && !draining_ &&
                  (settings.maxKeepAliveRequests == 0 || c.requests < settings.maxKeepAliveRequests);
    if (!splitTarget(parsed.target, request.rawPath, request.query)) {
      request.rawPath = parsed.target;
      answerEarly(c, request, problem(400, "malformed request target"), c.keepAlive, version);
      return;
    }
    auto decoded = percentDecode(request.rawPath, false);
    if (!decoded || decoded->find('\0') != std::string::npos) {
      answerEarly(c, request, problem(400, "malformed percent-encoding in the request path"), c.keepAlive, version);
      return;
    }
    request.path = std::move(*decoded);
    if (draining_) {
      answerEarly(c, request, problem(503, "the server is shutting down"), false, version);
      return;
    }

    c.phase = Phase::Busy;  // still read (readAhead), not parsed
    server_.inFlight_++;
    auto job = std::make_shared<Job>(*this, c.fd, c.serial, version, std::move(request));
    WorkerPool::Task task = [this, keepAlive = c.keepAlive, job] {
      job->ran = true;
      const int fd = job->fd, version = job->version;
      const std::uint64_t serial = job->serial;
      Request& request = job->request;
      const bool head = request.method == "HEAD";
      Response response;
      try {
        response = server_.pipeline_(request);
      } catch (const std::exception& e) {  // the pipeline answers errors itself; this is a last resort
        server_.log_->error("{} unhandled error outside the pipeline: {}", request.id, e.what());
        response = problem(500, "internal server error");
      }
      const bool upgrade = response.status == 101;
      Completion done{fd, serial, {}, {}, keepAlive && !endsConnection(request, response), upgrade, 0, {}, {}};
      if (done.upgrade) {
        const auto user = response.header(kUpgradeUserHeader);
        if (!user || !server_.upgrades_) {
          response = problem(500, "upgrades are not supported here");
          done.upgrade = false;
          done.keepAlive = false;  // refused after all (endsConnection)
        } else {
          const std::string value(*user);
          const auto space = value.find(' '), second = value.find(' ', space + 1);
          done.userId = std::stoll(value);
          if (const auto slot = value.substr(space + 1, second - space - 1); slot != "-") done.slot = slot;
          done.sessionKey = value.substr(std::min(value.size(), second + 1));
        }
      }
      done.head = serializeHead(response, version, done.keepAlive, done.upgrade);
      if (!head && !bodiless(response.status)) done.body = std::move(response.body);
      post(std::move(done));
    };
    if (!server_.pool_->tryPost(task)) {
      job->ran = true;  // answered here
      server_.inFlight_--;
      server_.counters_.overloaded++;
      c.phase = Phase::Reading;  // answerEarly writes from here
      Response busy = problem(503, "the server is busy; try again shortly");
      busy.set("Retry-After", "1");
      answerEarly(c, job->request, std::move(busy), c.keepAlive, version);
    }
  }

  // A request handed to the pool, with where its answer goes. One whose task is dropped
  // unrun (what is still queued at the shutdown timeout) is answered 503 when the task
  // goes, from whichever thread drops it.
  struct Job {
    Loop& loop;
    int fd;
    std::uint64_t serial;
    int version;
    Request request;
    bool ran = false;
    Job(Loop& l, int f, std::uint64_t s, int v, Request r)
        : loop(l), fd(f), serial(s), version(v), request(std::move(r)) {}
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;
    ~Job() {
      if (!ran) loop.answerUnrun(*this);
    }
  };
  void answerUnrun(Job& job) noexcept {
    try {
      Response busy = problem(503, "the server is shutting down; the request was not run");
      if (server_.early_) busy = server_.early_(job.request, std::move(busy));
      Completion done{job.fd, job.serial, serializeHead(busy, job.version, false, false), {}, false, false, 0, {},
                      {}};
      if (job.request.method != "HEAD" && !bodiless(busy.status)) done.body = std::move(busy.body);
      post(std::move(done));
    } catch (const std::exception& e) {
      server_.log_->error("http: cannot answer a request dropped at shutdown: {}", e.what());
    } catch (...) {
    }
  }

  // Answers on this thread, through the outer middleware, without the pool.
  void answerEarly(Connection& c, Request& request, Response response, bool keepAlive, int version = 11) {
    c.parser.reset();
    try {
      if (server_.early_) response = server_.early_(request, std::move(response));
    } catch (const std::exception& e) {
      server_.log_->error("http: early answer failed: {}", e.what());
    }
    c.keepAlive = keepAlive && !endsConnection(request, response);
    c.head = serializeHead(response, version, c.keepAlive, false);
    c.body = request.method == "HEAD" || bodiless(response.status) ? std::string() : std::move(response.body);
    startWriting(c);
  }

  void drainInbox() {
    std::vector<Completion> done;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done.swap(inbox_);
    }
    for (auto& completion : done) {
      Connection* found = connection(completion.fd);
      if (!found || found->serial != completion.serial || found->phase != Phase::Busy) {
        server_.finished();  // the client left while its request ran
        continue;
      }
      Connection& c = *found;
      server_.finished();
      if (completion.upgrade) {
        handOver(c, std::move(completion));
        continue;
      }
      c.keepAlive = completion.keepAlive && !c.peerClosed;
      c.head = std::move(completion.head);
      c.body = std::move(completion.body);
      startWriting(c);
    }
    if (drainRequested_ && !draining_) {
      draining_ = true;
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listenFd_, nullptr);
      for (auto& c : connections_)
        if (c && c->fd >= 0 && c->phase == Phase::Idle) close(*c);
    }
  }

  void startWriting(Connection& c) {
    if (c.fd < 0) return;
    c.phase = Phase::Writing;
    c.written = 0;
    c.deadline = Clock::now() + std::chrono::seconds(server_.settings_.sendTimeoutSeconds);
    flush(c);
  }

  void flush(Connection& c) {
    if (c.phase != Phase::Writing) return;
    const std::size_t total = c.head.size() + c.body.size();
    while (c.written < total) {
      iovec parts[2];
      int count = 0;
      if (c.written < c.head.size()) {
        parts[count++] = {c.head.data() + c.written, c.head.size() - c.written};
        if (!c.body.empty()) parts[count++] = {c.body.data(), c.body.size()};
      } else {
        parts[count++] = {c.body.data() + (c.written - c.head.size()), total - c.written};
      }
      msghdr message{};
      message.msg_iov = parts;
      message.msg_iovlen = static_cast<std::size_t>(count);
      const ssize_t n = ::sendmsg(c.fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          interest(c, EPOLLOUT | (c.peerClosed ? 0u : static_cast<std::uint32_t>(EPOLLRDHUP)));
          return;
        }
        close(c);
        return;
      }
      c.written += static_cast<std::size_t>(n);
    }
    written(c);
  }

  // An accepted upgrade: the socket, its 101 and any frames already read go to the sink.
  void handOver(Connection& c, Completion completion) {
    if (c.peerClosed) {
      close(c);
      return;
    }
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    const int fd = c.fd;
    c.fd = -1;  // the sink owns it now
    server_.open_--;
    server_.counters_.upgraded++;
    dead_.push_back(fd);
    server_.upgrades_(fd, completion.userId, std::move(completion.sessionKey), std::move(completion.head),
                      std::move(c.in), std::move(completion.slot));
  }

  // The whole response is on the wire: close, or wait for the next request.
  void written(Connection& c) {
    std::string().swap(c.head);
    std::string().swap(c.body);
    if (!c.keepAlive || c.peerClosed) {
      lingeringClose(c);
      return;
    }
    c.phase = Phase::Idle;
    c.deadline = Clock::now() + std::chrono::seconds(server_.settings_.keepAliveTimeoutSeconds);
    interest(c, EPOLLIN | EPOLLRDHUP);
    if (!c.in.empty()) parse(c);  // a pipelined request already read
  }

  // Half-closes and discards what the client still sends for a moment, so that the kernel
  // does not reset the connection (and lose our answer) over unread bytes.
  void lingeringClose(Connection& c) {
    c.parser.reset();
    std::string().swap(c.in);
    c.phase = Phase::Closing;
    c.deadline = Clock::now() + std::chrono::seconds(2);
    ::shutdown(c.fd, SHUT_WR);
    interest(c, EPOLLIN | EPOLLRDHUP);
  }

  void close(Connection& c) {
    if (c.fd < 0) return;
    if (c.phase == Phase::Busy) {
      // Its worker still runs; the answer finds no connection and is counted then.
      c.phase = Phase::Closing;
    }
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    dead_.push_back(c.fd);
    c.fd = -1;
    server_.open_--;
  }

  void reap() {
    for (int fd : dead_) {
      auto& c = connections_[static_cast<std::size_t>(fd)];
      if (c && c->fd < 0) c.reset();
    }
    dead_.clear();
  }

  void tick(Clock::time_point now) {
    const auto& settings = server_.settings_;
    std::vector<Connection*> expired;
    for (auto& c : connections_) {
      if (!c || c->fd < 0) continue;
      switch (c->phase) {
        case Phase::Idle:
        case Phase::Writing:
        case Phase::Closing:
          if (now >= c->deadline) expired.push_back(c.get());
          break;
        case Phase::Reading: {
          if (now >= c->deadline && !(c->parser && c->parser->headerDone())) {
            expired.push_back(c.get());
          } else if (c->bodyStarted != Clock::time_point{}) {
            // The body: a grace period, then at least the minimum rate on average.
            const double seconds = std::chrono::duration<double>(now - c->bodyStarted).count();
            const double owed = (seconds - settings.requestTimeoutSeconds) * settings.bodyMinRateBytes;
            if (owed > 0 && static_cast<double>(c->bodyBytes) < owed) expired.push_back(c.get());
          }
          break;
        }
        case Phase::Busy:
          break;
      }
    }
    for (auto* c : expired) {
      switch (c->phase) {
        case Phase::Idle:
          server_.counters_.idleClosed++;
          close(*c);
          break;
        case Phase::Writing:
          server_.counters_.sendTimeouts++;
          server_.log_->info("http: closing a connection from {} that did not read its response within {} s",
                             c->peer, settings.sendTimeoutSeconds);
          close(*c);
          break;
        case Phase::Closing:
          close(*c);
          break;
        case Phase::Reading: {
          const bool header = !(c->parser && c->parser->headerDone());
          (header ? server_.counters_.headerTimeouts : server_.counters_.bodyTimeouts)++;
          Request request;
          request.method = "-";
          request.rawPath = "-";
          answerEarly(*c, request,
                      problem(408, header ? "the request header did not arrive within " +
                                                std::to_string(settings.headerTimeoutSeconds) + " s"
                                          : "the request body arrived too slowly"),
                      false);
          break;
        }
        case Phase::Busy:
          break;
      }
    }
  }

  static constexpr std::size_t kMaxBuffered = 256 * 1024;

  HttpServer& server_;
  int epoll_ = -1, wake_ = -1, listenFd_ = -1;
  std::atomic<bool> running_{true};
  std::atomic<bool> drainRequested_{false};
  bool draining_ = false;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Completion> inbox_;
  // Owned by the loop's thread.
  // By descriptor (the kernel hands out the lowest free one, so this stays dense); a closed
  // connection stays until reap() at the end of the loop's turn.
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<int> dead_;
  std::uint64_t serials_ = 0;
  Clock::time_point lastAcceptError_{};
  Clock::time_point acceptPausedUntil_{};
  char scratch_[64 * 1024];
};

HttpServer::HttpServer(const Settings::Http& settings, Handler pipeline, EarlyAnswer early,
                       std::shared_ptr<spdlog::logger> log, UpgradeSink upgrades)
    : settings_(settings),
      proxies_(settings.trustedProxies),
      pipeline_(std::move(pipeline)),
      early_(std::move(early)),
      log_(std::move(log)),
      upgrades_(std::move(upgrades)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  if (started_) return;
  Poco::Net::SocketAddress address(settings_.host, static_cast<Poco::UInt16>(settings_.port));
  auto listener = std::make_unique<Listener>();
  try {
    listener->socket.bind(address, true);
    listener->socket.listen(settings_.backlog);
    listener->socket.setBlocking(false);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + address.toString() + ": " + e.displayText());
  }
  listener->fd = listener->socket.impl()->sockfd();
  port_ = listener->socket.address().port();
  listener_ = std::move(listener);
  WorkerPool::Options workers;
  workers.threads = settings_.threads;
  workers.maxQueued = static_cast<std::size_t>(settings_.queue);
  workers.active = settings_.activeWorkers;
  workers.name = "mmm-worker";
  pool_ = std::make_unique<WorkerPool>(workers, log_);
  for (int i = 0; i < std::max(1, settings_.ioThreads); ++i) loops_.push_back(std::make_unique<Loop>(*this));
  for (auto& loop : loops_) loop->start(listener_->fd);
  draining_ = false;
  started_ = true;
}

void HttpServer::finished() {
  if (--inFlight_ == 0 && draining_) {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.notify_all();
  }
}

void HttpServer::stop() {
  if (!started_) return;
  started_ = false;
  draining_ = true;
  for (auto& loop : loops_) loop->drain();  // stop accepting; idle connections close
  bool timedOut;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    timedOut = !idle_.wait_for(lock, std::chrono::seconds(settings_.shutdownTimeoutSeconds),
                               [&] { return inFlight_.load() <= 0; });
  }
  if (timedOut) {
    // Those not started are not started now: their connections are about to close, and
    // running them would hold the shutdown far past its timeout. Each is answered 503 as its
    // task goes (outside the lock: the answer runs the outer middleware).
    const auto running = inFlight_.load();
    const auto dropped = pool_->discardQueued();
    log_->warn("{} requests still running or queued after {} s; {} queued dropped (answered 503), closing their "
               "connections",
               running, settings_.shutdownTimeoutSeconds, dropped);
  }
  // Answers in flight have been handed to the loops; give them a moment on the wire.
  for (int i = 0; i < 20 && open_.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (auto& loop : loops_) loop->join();
  pool_->stop();  // a handler that outlived the timeout is still waited for (only those running)
  loops_.clear();
  pool_.reset();
  listener_->socket.close();
  listener_.reset();
  inFlight_ = 0;
}

std::string HttpServer::metricsText() const {
  std::string out;
  auto counter = [&](const char* name, const char* help, std::uint64_t value) {
    appendMetric(out, name, "counter", help, value);
  };
  const auto& c = counters_;
  counter("mmm_http_connections_accepted_total", "HTTP connections accepted.", c.accepted);
  counter("mmm_http_connections_refused_total", "Connections closed at once: server.max_connections reached.", c.refused);
  counter("mmm_http_accept_errors_total", "Failed accepts (out of descriptors or memory).", c.acceptErrors);
  counter("mmm_http_parse_errors_total", "Requests refused as malformed, too large or cut off.", c.parseErrors);
  counter("mmm_http_header_timeouts_total", "Connections closed: header not complete within header_timeout_s.",
          c.headerTimeouts);
  counter("mmm_http_body_timeouts_total", "Connections closed: body slower than body_min_rate_bytes_s.", c.bodyTimeouts);
  counter("mmm_http_send_timeouts_total", "Connections closed: response not read within send_timeout_s.",
          c.sendTimeouts);
  counter("mmm_http_idle_closed_total", "Keep-alive connections closed after keep_alive_timeout_s.", c.idleClosed);
  counter("mmm_http_overloaded_total", "Requests answered 503 because the worker queue was full.", c.overloaded);
  counter("mmm_http_upgrades_total", "Connections handed to the WebSocket hub.", c.upgraded);
  if (pool_) {
    counter("mmm_http_worker_failures_total", "Worker tasks that threw.", pool_->failed());
    counter("mmm_http_worker_wakes_total", "Sleeping workers woken for a request.", pool_->wakes());
    counter("mmm_http_worker_stalls_total",
            "Handlers found blocked after 10 ms without marking a wait; another worker was let in beside each.", pool_->stalls());
  }
  appendMetric(out, "mmm_http_worker_queue", "gauge", "Requests waiting for a worker.", pool_ ? pool_->queued() : 0);
  appendMetric(out, "mmm_http_workers", "gauge", "Worker threads running handlers (server.threads).",
               pool_ ? pool_->threads() : 0);
  appendMetric(out, "mmm_http_active_workers", "gauge",
               "Workers that run handlers on a CPU at once, waits aside (server.active_workers).",
               pool_ ? pool_->active() : 0);
  return out;
}

}  // namespace mmm::core
