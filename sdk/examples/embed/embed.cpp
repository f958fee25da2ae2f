// Embedding: two independent servers in one process, each on a port of its own (port 0),
// with the hello plugin linked in statically. Asks each for a greeting, then stops both.
// Exits 0 when both answered as configured.
#include <mmm/server.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

MMM_DECLARE_STATIC_PLUGIN(hello);

namespace {

std::string get(std::uint16_t port, const std::string& path, int& status) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, "HTTP/1.1");
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  std::ostringstream body;
  Poco::StreamCopier::copyStream(in, body);
  status = response.getStatus();
  return body.str();
}

// Each server gets its own SQLite file (a real deployment names a fixed path or MariaDB).
std::unique_ptr<mmm::Server> makeServer(const std::string& greeting, const std::string& dataDir) {
  auto server = mmm::Server::fromYaml(
      "server: {listen: '127.0.0.1:0', threads: 2}\n"
      "log: {level: warn}\n"
      "web: {enabled: false}\n"
      "store: {url: 'sqlite:" + dataDir + "/" + greeting + ".db'}\n"
      "plugins:\n"
      "  - name: hello\n"
      "    config: {greeting: '" + greeting + "'}\n",
      "embed.cpp");
  server->add(mmm_plugin_entry_hello());
  return server;
}

}  // namespace

int main() {
  try {
    char pattern[] = "/tmp/mmm-embed-XXXXXX";
    const std::string dataDir = ::mkdtemp(pattern);
    auto first = makeServer("Hello", dataDir);
    auto second = makeServer("Howdy", dataDir);
    first->start();
    second->start();
    int status1 = 0, status2 = 0;
    const std::string a = get(first->port(), "/hello/ada", status1);
    const std::string b = get(second->port(), "/hello/bob", status2);
    std::cout << "server 1 on port " << first->port() << ": " << status1 << " " << a << "\n"
              << "server 2 on port " << second->port() << ": " << status2 << " " << b << "\n";
    first->stop();
    second->stop();
    const bool ok = first->port() != second->port() && status1 == 200 && status2 == 200 &&
                    a == R"({"greeting":"Hello, ada!"})" && b == R"({"greeting":"Howdy, bob!"})";
    std::filesystem::remove_all(dataDir);
    std::cout << (ok ? "embedding OK" : "embedding FAILED") << std::endl;
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "embed: " << e.what() << "\n";
    return 1;
  }
}
