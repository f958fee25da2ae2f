#include "http_parser.hpp"

// GCC 12 warns that Beast's boost::optional<std::uint64_t> members "may be used
// uninitialized" once put() is inlined here: a known false positive of -Wmaybe-uninitialized
// with boost::optional, about code that is not ours.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>

namespace mmm::core {

namespace http = boost::beast::http;

struct RequestParser::Impl {
  http::request_parser<http::string_body> parser;
  std::uint64_t maxBodyBytes = 0;
};

RequestParser::RequestParser(const ParseLimits& limits) : impl_(std::make_unique<Impl>()) {
  impl_->parser.header_limit(limits.maxHeaderBytes);
  impl_->parser.body_limit(limits.maxBodyBytes);
  impl_->maxBodyBytes = limits.maxBodyBytes;
  impl_->parser.eager(true);  // header and as much body as is there, in one call
}

RequestParser::~RequestParser() = default;

void RequestParser::fail(int status, std::string detail) {
  state_ = State::Error;
  errorStatus_ = status;
  errorDetail_ = std::move(detail);
}

bool RequestParser::headerParsed() const { return impl_->parser.is_header_done(); }

bool RequestParser::bodyPending() const { return headerChecked_ && !impl_->parser.is_done(); }

namespace {

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Beast reports a request line ending in a bare LF as a bad version: that is a malformed
// HTTP/1.x request (400), not another version (505).
bool looksLikeHttp1(std::string_view data) {
  const auto line = data.substr(0, data.find('\n'));
  const auto at = line.find(" HTTP/1.");
  return at != std::string_view::npos && at + 9 <= line.size() && (line[at + 8] == '0' || line[at + 8] == '1');
}

}  // namespace

// The rules Beast leaves to its user. Called once, as soon as the header is complete.
bool RequestParser::checkHeader() {
  const auto& message = impl_->parser.get();
  int hosts = 0, codings = 0, lengths = 0;
  bool lengthDigits = true;
  std::string_view coding;
  for (const auto& field : message) {
    const auto name = sv(field.name_string());
    if (iequals(name, "Host")) ++hosts;
    else if (iequals(name, "Content-Length")) {
      ++lengths;
      // Beast takes a list of equal values ("5, 5") as one; API.md wants digits only.
      const auto value = trim(sv(field.value()));
      lengthDigits = lengthDigits && !value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos;
    } else if (iequals(name, "Transfer-Encoding")) {
      ++codings;
      coding = trim(sv(field.value()));
    }
  }
  if (message.version() == 11 && hosts != 1) {
    fail(400, hosts ? "more than one Host header" : "HTTP/1.1 requires a Host header");
    return false;
  }
  if (hosts > 1) {
    fail(400, "more than one Host header");
    return false;
  }
  if (!lengthDigits) {
    fail(400, "Content-Length must be digits only");
    return false;
  }
  if (codings) {
    // Anything but one "chunked" could leave a body on the wire to be read as the next
    // request by us or by a proxy in front of us (request smuggling).
    if (codings > 1 || lengths) {
      fail(400, codings > 1 ? "more than one Transfer-Encoding header"
                            : "Transfer-Encoding and Content-Length together");
      return false;
    }
    if (!iequals(coding, "chunked")) {
      fail(400, "Transfer-Encoding must be exactly 'chunked'");  // API.md: any other is 400
      return false;
    }
  }
  const auto target = sv(message.target());
  if (target.empty() || (target.front() != '/' && target != "*" && target.substr(0, 7) != "http://" &&
                         target.substr(0, 8) != "https://")) {
    fail(400, "malformed request target");
    return false;
  }
  if (auto expect = message.find(http::field::expect); expect != message.end()) {
    const auto value = trim(sv(expect->value()));
    if (!iequals(value, "100-continue")) {
      fail(417, "only 'Expect: 100-continue' is supported");
      return false;
    }
    expectContinue_ = message.version() == 11;
  }
  headerChecked_ = true;
  return true;
}

std::size_t RequestParser::feed(std::string_view data) {
  std::size_t taken = 0;
  while (state_ == State::NeedMore) {
    boost::system::error_code ec;
    const std::size_t n = impl_->parser.put(boost::asio::const_buffer(data.data() + taken, data.size() - taken), ec);
    taken += n;
    // Beast's contract: after need_more, call again only with more bytes appended (it keeps
    // state about what it has already seen, and asserts that the buffer grew).
    const bool needMore = ec == http::error::need_more;
    if (needMore) ec = {};
    if (ec) {
      if (ec == http::error::header_limit)
        fail(431, "the request line and headers exceed the limit");
      else if (ec == http::error::body_limit)
        fail(413, "the request body exceeds " + std::to_string(impl_->maxBodyBytes) + " bytes");
      else if (ec == http::error::bad_version && !looksLikeHttp1(data))
        fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
      else
        fail(400, "malformed request: " + ec.message());
      return taken;
    }
    if (!headerChecked_ && impl_->parser.is_header_done() && !checkHeader()) return taken;
    if (impl_->parser.is_done()) {
      state_ = State::Done;
      return taken;
    }
    if (needMore || n == 0 || taken == data.size()) break;  // needs bytes we do not have yet
  }
  return taken;
}

ParsedRequest RequestParser::take() {
  auto message = impl_->parser.release();
  ParsedRequest out;
  out.method = std::string(sv(message.method_string()));
  out.target = std::string(sv(message.target()));
  out.version = static_cast<int>(message.version());
  out.keepAlive = message.keep_alive();
  out.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) out.headers.emplace_back(sv(field.name_string()), sv(field.value()));
  out.body = std::move(message.body());
  return out;
}

bool splitTarget(std::string_view target, std::string& path, std::string& query) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      const auto slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  if (target.empty() || target.front() != '/') return false;
  if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  const auto question = target.find('?');
  path.assign(target.substr(0, question));
  if (question == std::string_view::npos) query.clear();
  else query.assign(target.substr(question + 1));
  return true;
}

std::string escapeForLog(std::string_view text) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

}  // namespace mmm::core
