// Strict HTTP/1.1 request parsing over plain buffers, with no socket: Boost.Beast's parser
// (mature and fuzzed) behind an interface of our own, plus the rules Beast leaves to its
// user (exactly one Host, only a single "chunked" coding, no Content-Length beside it).
// Beast stays in http_parser.cpp: including it costs seconds of compile time per file.
#pragma once

#include <mmm/http.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mmm::core {

struct ParseLimits {
  std::uint32_t maxHeaderBytes = 16 * 1024;  // request line and headers together: past it 431
  std::uint64_t maxBodyBytes = 1 << 20;      // past it 413, chunked or not
};

/// A complete request as read off the wire.
struct ParsedRequest {
  std::string method;
  std::string target;  // as sent: origin-form ("/a?b"), absolute-form or "*"
  Headers headers;     // in arrival order
  std::string body;    // decoded (chunked framing removed)
  int version = 11;    // 10 or 11
  bool keepAlive = true;
};

/// Parses one request; construct a new one for the next request on the connection.
class RequestParser {
 public:
  enum class State {
    NeedMore,  // feed more bytes
    Done,      // take() the request; bytes not consumed belong to the next message
    Error,     // errorStatus()/errorDetail() say why; the connection cannot be reused
  };

  explicit RequestParser(const ParseLimits& limits);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  /// Consumes what it can of `data` and returns how many bytes it took (a complete start
  /// line or header field at a time, body bytes as they come). Bytes not taken while
  /// NeedMore must be offered again, with more appended.
  std::size_t feed(std::string_view data);
  State state() const { return state_; }

  /// True once the request line and headers are complete and valid.
  bool headerDone() const { return headerChecked_; }
  /// The header asked for "Expect: 100-continue" (meaningful once headerDone()).
  bool expectsContinue() const { return expectContinue_; }
  /// The request has a body still to come (meaningful once headerDone()).
  bool bodyPending() const;

  /// 400, 413, 431, 501 or 505, with a sentence for the client.
  int errorStatus() const { return errorStatus_; }
  const std::string& errorDetail() const { return errorDetail_; }

  /// The request line and headers were read (also true in Error when they were complete,
  /// so an answer to a refused request can still name its method, path and Origin).
  bool headerParsed() const;
  /// The request, once Done (or what there is of it, once headerParsed()). Leaves the
  /// parser spent.
  ParsedRequest take();

 private:
  struct Impl;
  bool checkHeader();
  void fail(int status, std::string detail);

  std::unique_ptr<Impl> impl_;
  State state_ = State::NeedMore;
  bool headerChecked_ = false;
  bool expectContinue_ = false;
  int errorStatus_ = 0;
  std::string errorDetail_;
};

/// "/a/b?c", "http://host/a/b?c" → raw path "/a/b" and raw query "c". False for a target
/// that is neither origin-form nor absolute-form (e.g. "*" or "a/b").
bool splitTarget(std::string_view target, std::string& path, std::string& query);

/// `text` with bytes outside printable ASCII written as \xHH (and '\\' as \x5c), for logs.
std::string escapeForLog(std::string_view text);

}  // namespace mmm::core
