#include "event_search.hpp"

#include <mmm/error.hpp>
#include <mmm/http.hpp>
#include <mmm/input.hpp>
#include <mmm/text.hpp>
#include <mmm/time.hpp>

namespace mmm::meetups {
namespace {

std::int64_t time(const std::string& name, const std::string& value) {
  auto parsed = parseRfc3339(value);
  if (!parsed) throw HttpError(400, name + " must be an RFC 3339 date-time such as 2026-12-06T18:00:00Z");
  return *parsed;
}

}  // namespace

EventQuery parseEventQuery(const Request& request) {
  EventQuery query;
  if (auto q = request.queryParam("q")) {
    if (!isValidUtf8(*q)) throw HttpError(400, "q is not valid UTF-8");
    if (utf8Length(*q) > 255) throw HttpError(400, "q must be at most 255 characters long");
    auto begin = q->find_first_not_of(' ');
    if (begin != std::string::npos) query.text = q->substr(begin, q->find_last_not_of(' ') - begin + 1);
  }
  if (auto from = request.queryParam("from")) query.from = time("from", *from);
  if (auto to = request.queryParam("to")) query.to = time("to", *to);
  if (query.from > query.to) throw HttpError(400, "from must not be after to");
  query.limit = static_cast<int>(queryInteger(request, "limit", 1, 100, query.limit));
  query.offset = queryInteger(request, "offset", 0, kMaxListOffset, 0);
  return query;
}

std::string likePattern(const std::string& text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '!' || c == '%' || c == '_') pattern += '!';
    pattern += c;
  }
  return pattern + "%";
}

}  // namespace mmm::meetups
