#include "http_server.hpp"

#include "pipeline.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <spdlog/logger.h>

#include <chrono>
#include <istream>

namespace mmm::core {
namespace {

// "/a/b?c" or an absolute-form "http://host/a/b?c" → raw path and raw query.
void splitTarget(const std::string& uri, std::string& path, std::string& query) {
  std::string target = uri;
  for (const char* scheme : {"http://", "https://"}) {
    if (target.rfind(scheme, 0) == 0) {
      auto slash = target.find('/', std::char_traits<char>::length(scheme));
      target = slash == std::string::npos ? "/" : target.substr(slash);
    }
  }
  if (auto hash = target.find('#'); hash != std::string::npos) target.resize(hash);
  auto question = target.find('?');
  path = target.substr(0, question);
  query = question == std::string::npos ? "" : target.substr(question + 1);
}

void send(Poco::Net::HTTPServerResponse& out, const Response& response) {
  out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status));
  for (const auto& [name, value] : response.headers) {
    if (iequals(name, "Content-Type"))
      out.setContentType(value);
    else if (iequals(name, "Set-Cookie"))
      out.add(name, value);  // may repeat
    else
      out.set(name, value);  // replaces Poco's own (e.g. Connection)
  }
  const bool bodiless = response.status == 204 || response.status == 304 ||
                        (response.status >= 100 && response.status < 200);
  if (bodiless) {
    out.send().flush();
    return;
  }
  out.setContentLength64(static_cast<Poco::Int64>(response.body.size()));
  std::ostream& stream = out.send();  // Poco writes headers only for HEAD
  stream.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
  // On the wire before the request counts as finished: shutdown waits for no more than that.
  stream.flush();
}

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RequestHandler(HttpServer& server) : server_(server) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
    if (!server_.enter()) {
      try {
        out.setKeepAlive(false);
        send(out, problem(503, "the server is shutting down"));
      } catch (const std::exception&) {
        // the client is gone; nothing to tell it
      }
      return;
    }
    struct Leave {
      HttpServer& s;
      ~Leave() { s.leave(); }
    } leave{server_};
    try {
      Request request;
      Response response;
      if (read(in, request, response)) response = server_.pipeline()(request);
      else out.setKeepAlive(false);  // the body was not (fully) read: do not reuse the stream
      if (response.status == 101) {
        upgrade(in, out, response);
        return;
      }
      send(out, response);
    } catch (const Poco::Net::NetException& e) {
      server_.log().debug("connection error: {}", e.displayText());
    } catch (const std::exception& e) {
      server_.log().error("unhandled error outside the pipeline: {}", e.what());
      if (!out.sent()) {
        out.setKeepAlive(false);
        send(out, problem(500, "internal server error"));
      }
    }
  }

 private:
  // Sends the 101 and hands the detached socket over: this HTTP thread is free at once.
  void upgrade(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out, Response& response) {
    std::int64_t userId = 0;
    std::string sessionKey;
    for (auto it = response.headers.begin(); it != response.headers.end(); ++it)
      if (iequals(it->first, kUpgradeUserHeader)) {
        userId = std::stoll(it->second);
        sessionKey = it->second.substr(std::min(it->second.size(), it->second.find(' ') + 1));
        response.headers.erase(it);
        break;
      }
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&in);
    if (!server_.upgrades() || !impl) {
      send(out, problem(500, "upgrades are not supported here"));
      return;
    }
    send(out, response);
    server_.upgrades()(impl->detachSocket(), userId, std::move(sessionKey));
  }

  // Fills `request`; on a request that cannot be handled, fills `response` and returns false.
  bool read(Poco::Net::HTTPServerRequest& in, Request& request, Response& response) {
    request.method = in.getMethod();
    splitTarget(in.getURI(), request.rawPath, request.query);
    request.clientAddress = in.clientAddress().toString();
    for (const auto& [name, value] : in) request.headers.emplace_back(name, value);
    request.clientIp = server_.trustedProxies().clientIp(in.clientAddress().host().toString(),
                                                         request.header("X-Forwarded-For").value_or(""));
    if (auto id = request.header("X-Request-Id")) request.id = std::string(*id);  // checked later

    auto decoded = percentDecode(request.rawPath, false);
    if (!decoded || decoded->find('\0') != std::string::npos) {
      response = problem(400, "malformed percent-encoding in the request path");
      return false;
    }
    request.path = std::move(*decoded);

    const long long limit = server_.settings().maxBodyBytes;
    if (in.has("Transfer-Encoding") && !iequals(in.get("Transfer-Encoding"), "chunked")) {
      // Anything else would leave the body on the wire to be read as the next request.
      response = problem(501, "only the chunked transfer coding is supported");
      return false;
    }
    if (in.hasContentLength() && in.getContentLength64() > limit) {
      response = problem(413, "the request body exceeds " + std::to_string(limit) + " bytes");
      return false;
    }
    if (in.hasContentLength() || in.getChunkedTransferEncoding()) {
      // Read through a cap: a chunked body has no length to check up front.
      std::istream& stream = in.stream();
      char buffer[16384];
      while (stream) {
        stream.read(buffer, sizeof buffer);
        request.body.append(buffer, static_cast<std::size_t>(stream.gcount()));
        if (static_cast<long long>(request.body.size()) > limit) {
          response = problem(413, "the request body exceeds " + std::to_string(limit) + " bytes");
          return false;
        }
      }
      // A body cut short (or a malformed chunk) is not a body: never handle part of one.
      if (stream.bad() || (in.hasContentLength() && static_cast<long long>(request.body.size()) != in.getContentLength64())) {
        response = problem(400, "the request body is incomplete or malformed");
        return false;
      }
    }
    return true;
  }

  HttpServer& server_;
};

class HandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(HttpServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(server_);
  }

 private:
  HttpServer& server_;
};

}  // namespace

HttpServer::HttpServer(const Settings::Http& settings, Handler pipeline,
                       std::shared_ptr<spdlog::logger> log, UpgradeSink upgrades)
    : settings_(settings),
      proxies_(settings.trustedProxies),
      pipeline_(std::move(pipeline)),
      log_(std::move(log)),
      upgrades_(std::move(upgrades)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  Poco::Net::SocketAddress address(settings_.host, static_cast<Poco::UInt16>(settings_.port));
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(address, true);
    socket.listen(settings_.queue);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + address.toString() + ": " + e.displayText());
  }
  port_ = socket.address().port();

  auto params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(settings_.threads);
  params->setMaxQueued(settings_.queue);
  params->setKeepAlive(settings_.keepAlive);
  params->setKeepAliveTimeout(Poco::Timespan(settings_.keepAliveTimeoutSeconds, 0));
  params->setMaxKeepAliveRequests(settings_.maxKeepAliveRequests);
  params->setTimeout(Poco::Timespan(settings_.requestTimeoutSeconds, 0));
  // A dispatcher thread that misses its stop notification lingers for this long, and
  // stop() joins it: keep it short so shutdown is prompt.
  params->setThreadIdleTime(Poco::Timespan(1, 0));
  params->setServerName("mmm-server");
  params->setSoftwareVersion("mmm-server");

  // Our own pool (not Poco's default singleton), so two servers in a process are independent.
  pool_ = std::make_unique<Poco::ThreadPool>(std::min(2, settings_.threads), settings_.threads, 60);
  socket_ = std::make_unique<Poco::Net::ServerSocket>(socket);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(*this), *pool_, socket, params);
  server_->start();
}

bool HttpServer::enter() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!server_ || stopping_) return false;
  ++inFlight_;
  return true;
}

void HttpServer::leave() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (--inFlight_ == 0) idle_.notify_all();
}

void HttpServer::stop() {
  if (!server_) return;
  server_->stop();   // stop accepting…
  socket_->close();  // …and refuse new connections at once instead of leaving them queued
  {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;  // requests arriving on kept-alive connections now get 503
    if (!idle_.wait_for(lock, std::chrono::seconds(settings_.shutdownTimeoutSeconds),
                        [&] { return inFlight_.load() == 0; }))
      log_->warn("{} requests still running after {} s; closing their connections",
                 inFlight_.load(), settings_.shutdownTimeoutSeconds);
  }
  // Wakes idle keep-alive connections (and any request that outlived the timeout).
  server_->stopAll(true);
  pool_->joinAll();
  std::lock_guard<std::mutex> lock(mutex_);
  server_.reset();
  socket_.reset();
  pool_.reset();
  stopping_ = false;
}

int HttpServer::openConnections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return server_ ? server_->currentConnections() : 0;
}

}  // namespace mmm::core
