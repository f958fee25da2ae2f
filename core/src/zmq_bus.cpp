#include "zmq_bus.hpp"

#include "thread_name.hpp"
#include "tracing.hpp"

#include <spdlog/logger.h>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <charconv>
#include <random>
#include <string_view>
#include <sys/eventfd.h>
#include <unistd.h>

namespace mmm::core {
namespace {

constexpr const char* kHeartbeat = "mmm.bus.heartbeat";

// A user id of a push's audience (decimal digits only, at least 1), or nullopt.
std::optional<std::int64_t> userIdOf(std::string_view digits) {
  std::int64_t id = 0;
  const auto end = digits.data() + digits.size();
  if (digits.empty() || digits.front() < '0' || digits.front() > '9') return std::nullopt;  // no sign
  const auto [at, error] = std::from_chars(digits.data(), end, id);
  if (error != std::errc() || at != end || id < 1) return std::nullopt;
  return id;
}

std::int64_t steadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string randomNodeId() {
  std::random_device random;
  return std::to_string(random()) + std::to_string(random());
}

}  // namespace

class ZmqBus::Sub final : public Bus::Subscription {
 public:
  Sub(ZmqBus& bus, std::uint64_t id) : bus_(bus), id_(id) {}
  // Unsubscribes, and waits for a call in progress (unless made from that very call), so
  // that nothing the handler uses is called after this returns.
  ~Sub() override {
    std::unique_lock<std::mutex> lock(bus_.mutex_);
    auto it = bus_.handlers_.find(id_);
    if (it == bus_.handlers_.end()) return;
    auto entry = it->second;
    bus_.handlers_.erase(it);
    if (std::this_thread::get_id() != bus_.busThread_)
      bus_.idle_.wait(lock, [&] { return entry->running == 0; });
  }

 private:
  ZmqBus& bus_;
  std::uint64_t id_;
};

ZmqBus::ZmqBus(BusOptions options, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)), log_(std::move(log)), nodeId_(randomNodeId()) {
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) throw std::runtime_error("eventfd failed");
}

ZmqBus::~ZmqBus() {
  stop();
  ::close(wakeFd_);
}

void ZmqBus::publish(const std::string& topic, const std::string& payload) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Bounded like the socket's high-water mark: past it, drop (at-most-once by design),
    // counted and logged: clients recover from the store, operators must still know.
    if (outbox_.size() >= static_cast<std::size_t>(options_.highWaterMark)) {
      droppedOutbox_++;
      warnEvery(lastDropWarning_, "bus outbox full (" + std::to_string(options_.highWaterMark) +
                                      " messages): dropping '" + topic + "'");
      return;
    }
    const auto* trace = currentTrace();
    outbox_.push_back(Outgoing{topic, payload, trace ? formatTraceParent(*trace) : std::string()});
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wakeFd_, &one, sizeof one);
}

std::unique_ptr<Bus::Subscription> ZmqBus::subscribe(const std::string& prefix, Handler handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto id = nextHandler_++;
  handlers_[id] = std::make_shared<Entry>(Entry{prefix, std::move(handler)});
  return std::make_unique<Sub>(*this, id);
}

void ZmqBus::dispatch(const std::string& topic, const std::string& payload, const TraceContext* trace) {
  // The publisher's trace is this delivery's: its log lines, and what its subscribers
  // publish in turn, carry it.
  TraceScope scope(trace);
  std::vector<std::shared_ptr<Entry>> matching;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [id, entry] : handlers_)
      if (topic.compare(0, entry->prefix.size(), entry->prefix) == 0) {
        ++entry->running;
        matching.push_back(entry);
      }
  }
  for (const auto& entry : matching) {
    try {
      entry->handler(topic, payload);
    } catch (const std::exception& e) {
      errors_++;
      log_->error("bus subscriber for {} failed: {}", topic, e.what());
    } catch (...) {
      errors_++;
      log_->error("bus subscriber for {} failed with a non-standard exception", topic);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    --entry->running;
    idle_.notify_all();
  }
}

bool ZmqBus::start(std::chrono::milliseconds timeout) {
  running_ = true;
  thread_ = std::thread([this] { run(); });
  nameThread(thread_, "mmm-bus");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (healthy()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return healthy();
}

void ZmqBus::stop() {
  if (!running_.exchange(false)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wakeFd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

bool ZmqBus::healthy() const {
  const auto last = lastEcho_.load();
  return last != 0 && steadyMillis() - last < 3 * options_.heartbeat.count();
}

// Logs `message` at most once a second: a flood of drops must not become a flood of lines.
void ZmqBus::warnEvery(std::atomic<std::int64_t>& last, const std::string& message) {
  const auto now = steadyMillis();
  auto previous = last.load();
  if (now - previous >= 1000 && last.compare_exchange_strong(previous, now)) log_->warn("{}", message);
}

void ZmqBus::run() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    busThread_ = std::this_thread::get_id();
  }
  // Sockets belong to this thread; the context to this bus (no process-wide state).
  zmq::context_t context(1);
  zmq::socket_t pub(context, zmq::socket_type::pub);
  zmq::socket_t sub(context, zmq::socket_type::sub);
  try {
    pub.set(zmq::sockopt::sndhwm, options_.highWaterMark);
    pub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::rcvhwm, options_.highWaterMark);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::subscribe, "");  // filtering by prefix happens in dispatch
    if (options_.cluster) {
      pub.connect(options_.publish);
      sub.connect(options_.subscribe);
    } else {
      pub.bind(options_.publish);
      sub.connect(options_.publish);
    }
  } catch (const zmq::error_t& e) {
    log_->error("bus cannot use {} / {}: {}", options_.publish, options_.subscribe, e.what());
    return;
  }
  std::int64_t nextHeartbeat = 0;
  // Sends all parts or none (a lone first part would glue onto the next message).
  auto send = [&](const std::string& topic, const std::string& payload, const std::string& traceParent) {
    if (!pub.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return false;
    // Never blocks once the first part went.
    if (traceParent.empty()) {
      (void)pub.send(zmq::buffer(payload), zmq::send_flags::none);
    } else {
      (void)pub.send(zmq::buffer(payload), zmq::send_flags::sndmore);
      (void)pub.send(zmq::buffer(traceParent), zmq::send_flags::none);
    }
    return true;
  };
  // One iteration: a heartbeat when due, then what the wake-up and the subscription bring.
  auto step = [&] {
    zmq_pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wakeFd_, ZMQ_POLLIN, 0}};
    const auto now = steadyMillis();
    if (now >= nextHeartbeat) {
      // Our own heartbeat coming back proves both directions work (and, at start, that the
      // subscription is live: no slow-joiner loss afterwards).
      send(kHeartbeat, nodeId_, std::string());
      nextHeartbeat = now + (healthy() ? options_.heartbeat.count() : 50);
    }
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(std::max<std::int64_t>(1, nextHeartbeat - now)));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) return;
      throw;
    }
    if (items[1].revents & ZMQ_POLLIN) {
      std::uint64_t count;
      [[maybe_unused]] auto n = ::read(wakeFd_, &count, sizeof count);
      std::deque<Outgoing> batch;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        batch.swap(outbox_);
      }
      std::uint64_t dropped = 0;
      for (const auto& message : batch)
        if (!send(message.topic, message.payload, message.traceParent)) ++dropped;
      if (dropped) {
        droppedSend_ += dropped;
        warnEvery(lastDropWarning_, "bus: ZeroMQ refused " + std::to_string(dropped) +
                                        " messages (high-water mark reached): dropped");
      }
    }
    if (items[0].revents & ZMQ_POLLIN) {
      for (int i = 0; i < 1000; ++i) {  // drain, but let the outbox have a turn
        std::vector<zmq::message_t> parts;
        if (!zmq::recv_multipart(sub, std::back_inserter(parts), zmq::recv_flags::dontwait)) break;
        if (parts.size() != 2 && parts.size() != 3) continue;
        const std::string topic = parts[0].to_string();
        if (topic == kHeartbeat) {
          if (parts[1].to_string() == nodeId_) lastEcho_ = steadyMillis();
          continue;
        }
        // A trace that does not parse is dropped, not the message: it is only context.
        std::optional<TraceContext> trace;
        if (parts.size() == 3) trace = parseTraceParent(parts[2].to_string_view());
        dispatch(topic, parts[1].to_string(), trace ? &*trace : nullptr);
      }
    }
  };
  while (running_) {
    // One iteration's failure (a ZeroMQ error, a bad message) is counted and logged; the
    // loop goes on, after a pause so that a persistent fault cannot spin.
    try {
      step();
    } catch (const std::exception& e) {
      errors_++;
      warnEvery(lastErrorLog_, std::string("bus loop error: ") + e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

void BusPusher::push(const std::vector<std::int64_t>& userIds, const std::string& text) {
  if (userIds.empty()) return;
  std::string payload;
  for (std::size_t i = 0; i < userIds.size(); ++i) payload += (i ? "," : "") + std::to_string(userIds[i]);
  bus_.publish(kTopic, payload + "\n" + text);
}

void BusPusher::pushToAll(const std::string& text) { bus_.publish(kTopic, "*\n" + text); }

void BusPusher::pushToAllBut(std::int64_t userId, const std::string& text) {
  if (userId < 1) return pushToAll(text);  // no user has that id: nobody to leave out
  bus_.publish(kTopic, "*-" + std::to_string(userId) + "\n" + text);
}

std::optional<BusPusher::Decoded> BusPusher::decode(const std::string& payload) {
  const auto newline = payload.find('\n');
  if (newline == std::string::npos) return std::nullopt;
  const std::string_view head(payload.data(), newline);
  Decoded push;
  push.text = payload.substr(newline + 1);
  if (head == "*") {
    push.toAll = true;
    return push;
  }
  if (head.substr(0, 2) == "*-") {
    const auto except = userIdOf(head.substr(2));
    if (!except) return std::nullopt;
    push.toAll = true;
    push.except = *except;
    return push;
  }
  for (std::size_t start = 0;;) {  // ids separated by single commas, at least one
    const auto comma = head.find(',', start);
    const auto id = userIdOf(head.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (!id) return std::nullopt;
    push.userIds.push_back(*id);
    if (comma == std::string_view::npos) return push;
    start = comma + 1;
  }
}

void runBusProxy(const std::string& frontend, const std::string& backend, const std::atomic<bool>& stop,
                 spdlog::logger& log, const std::function<void(const std::string&, const std::string&)>& bound) {
  zmq::context_t context(1);
  zmq::socket_t xsub(context, zmq::socket_type::xsub), xpub(context, zmq::socket_type::xpub);
  zmq::socket_t control(context, zmq::socket_type::pair), trigger(context, zmq::socket_type::pair);
  xsub.bind(frontend);
  xpub.bind(backend);
  control.bind("inproc://mmm-bus-proxy-control");
  trigger.connect("inproc://mmm-bus-proxy-control");
  const std::string front = xsub.get(zmq::sockopt::last_endpoint), back = xpub.get(zmq::sockopt::last_endpoint);
  log.info("bus forwarder: publishers connect to {}, subscribers to {}", front, back);
  if (bound) bound(front, back);
  std::thread watcher([&] {
    while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    trigger.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::none);
  });
  zmq::proxy_steerable(xsub, xpub, zmq::socket_ref(), control);
  watcher.join();
}

}  // namespace mmm::core
