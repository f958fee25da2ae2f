// Test support: a raw HTTP/1.1 client (exact bytes on the wire, so tests can send what a
// well-behaved client library would refuse to) and an in-process server on port 0.
#pragma once

#include <mmm/server.hpp>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <cstdlib>
#include <stdlib.h>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace mmm::test {

/// A session signing key for tests (random once, written down: keys that look like
/// placeholders, such as one byte repeated, are refused).
inline const std::string kTestSigningKey = "f202fa86728ddd26fc00089f1c4ff3ab755dbce3574ff1e936399f681f27f758";

struct HttpReply {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has(const std::string& name) const { return headers.count(name) > 0; }
};

/// Sends `raw` as it is and returns every byte the server sends until it closes the
/// connection (or `timeout` passes): several responses when `raw` pipelines requests.
inline std::string sendRawBytes(std::uint16_t port, const std::string& raw, bool halfClose = false,
                                Poco::Timespan timeout = Poco::Timespan(10, 0)) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
  socket.setReceiveTimeout(timeout);
  socket.sendBytes(raw.data(), static_cast<int>(raw.size()));
  if (halfClose) socket.shutdownSend();
  std::string data;
  char buffer[8192];
  for (;;) {
    int n = 0;
    try {
      n = socket.receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::Exception&) {
      break;  // reset after the server answered early (e.g. 413) is fine
    }
    if (n <= 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return data;
}

/// Sends `raw` (a complete request; add "Connection: close", or half-close) and reads
/// until EOF.
inline HttpReply sendRaw(std::uint16_t port, const std::string& raw, bool halfClose = false,
                         Poco::Timespan timeout = Poco::Timespan(10, 0)) {
  const std::string data = sendRawBytes(port, raw, halfClose, timeout);
  HttpReply reply;
  auto end = data.find("\r\n\r\n");
  if (end == std::string::npos) throw std::runtime_error("no HTTP response: '" + data + "'");
  std::istringstream head(data.substr(0, end));
  std::string line;
  std::getline(head, line);
  reply.status = std::stoi(line.substr(9, 3));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    reply.headers.emplace(name, value);
  }
  reply.body = data.substr(end + 4);
  return reply;
}

/// A request with the usual headers; `extra` lines end in "\r\n".
inline HttpReply request(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::string& extra = "", const std::string& body = "") {
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra;
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT")
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  raw += "\r\n" + body;
  return sendRaw(port, raw);
}

/// A folder under /tmp for this test process, removed at exit.
inline const std::string& tempDir() {
  struct Dir {
    std::string path;
    Dir() {
      char pattern[] = "/tmp/mmm-test-XXXXXX";
      path = ::mkdtemp(pattern);
    }
    ~Dir() { std::system(("rm -rf '" + path + "'").c_str()); }
  };
  static Dir dir;
  return dir.path;
}

/// A store URL for a fresh SQLite file of this test process.
inline std::string tempSqliteUrl() {
  static int counter = 0;
  return "sqlite:" + tempDir() + "/store-" + std::to_string(++counter) + ".db";
}

inline std::string binDir() {
  const char* dir = std::getenv("MMM_TEST_BIN_DIR");
  return dir ? dir : ".";
}

/// A started server built from YAML (listening on 127.0.0.1:0 unless the YAML says).
inline std::unique_ptr<Server> startServer(const std::string& yaml) {
  auto server = Server::fromYaml("server: {listen: '127.0.0.1:0', threads: 4, shutdown_timeout_s: 5}\n"
                                 "log: {level: warn}\nweb: {enabled: false}\n"
                                 "store: {url: '" + tempSqliteUrl() + "'}\n" + yaml, "test.yaml");
  server->start();
  return server;
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace mmm::test
