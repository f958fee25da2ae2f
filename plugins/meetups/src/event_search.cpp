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

// The next code point of `text` at `at` (moved past it); an invalid byte reads as U+FFFD.
char32_t nextCodePoint(const std::string& text, std::size_t& at) {
  const auto lead = static_cast<unsigned char>(text[at++]);
  if (lead < 0x80) return lead;
  const int more = (lead & 0xE0) == 0xC0 ? 1 : (lead & 0xF0) == 0xE0 ? 2 : (lead & 0xF8) == 0xF0 ? 3 : -1;
  if (more < 0 || at + more > text.size()) return 0xFFFD;
  char32_t cp = lead & (0x3F >> more);
  for (int k = 0; k < more; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[at++]) & 0x3F);
  return cp;
}

// Non-ASCII punctuation, symbols, spaces and emoji: the blocks where Unicode puts them
// (FTS5's unicode61 and InnoDB cut words there too). Letters, digits and combining marks
// of every script are word characters.
bool separates(char32_t cp) {
  if (cp < 0xC0) return !(cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 || cp == 0xBA ||
                          (cp >= 0xBC && cp <= 0xBE));
  return cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x20A0 && cp <= 0x20CF) ||
         (cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0x2E00 && cp <= 0x2E7F) || (cp >= 0x3000 && cp <= 0x3004) ||
         (cp >= 0x3008 && cp <= 0x3020) || (cp >= 0xFE10 && cp <= 0xFE1F) || (cp >= 0xFE30 && cp <= 0xFE6F) ||
         (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
         (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0xFFFD || (cp >= 0x1F000 && cp <= 0x1FAFF);
}

bool isWordCharacter(char32_t cp) {
  if (cp >= 0x80) return !separates(cp);
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_';
}

}  // namespace

EventQuery parseEventQuery(const Request& request, const std::function<bool(const std::string&)>& isInstrument) {
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
  if (auto status = request.queryParam("status")) {
    if (*status != "scheduled" && *status != "all") throw HttpError(400, "status must be scheduled or all");
    query.cancelledToo = *status == "all";
  }
  if (auto instrument = request.queryParam("instrument")) {
    if (!isInstrument(*instrument)) throw HttpError(400, "instrument is not a known instrument (see /v1/instruments)");
    query.instrument = *instrument;
  }
  query.openOnly = queryFlag(request, "open");
  query.near = parseNearQuery(request);
  query.forMe = queryFlag(request, "forMe");
  if (query.forMe && query.near) throw HttpError(400, "forMe ranks by your own area: it cannot be combined with near");
  return query;
}

std::vector<std::string> searchWords(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t start = at;
    if (isWordCharacter(nextCodePoint(text, at))) {
      word.append(text, start, at - start);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// A word holds no '"' (ASCII punctuation separates words), so quoting it is enough.
std::string fts5Match(const std::vector<std::string>& words) {
  std::string match;
  for (const auto& word : words) match += (match.empty() ? "\"" : " AND \"") + word + "\"*";
  return match;
}

// Words hold no operator of either syntax (+-<>()~*"@ and the regular expression's), and
// \b sees letters of every script under (*UCP). MariaDB compares case-insensitively in a
// _ci collation; (?i) says so for the expression too, and (?s) lets . cross line breaks.
BooleanSearch booleanSearch(const std::vector<std::string>& words, int minTokenChars, int maxTokenChars) {
  BooleanSearch search;
  for (const auto& word : words) {
    const auto length = static_cast<int>(utf8Length(word));
    if (length >= minTokenChars && length <= maxTokenChars)
      search.against += (search.against.empty() ? "+" : " +") + word + "*";
    else
      search.wordStarts += "(?=.*\\b" + word + ")";
  }
  if (!search.wordStarts.empty()) search.wordStarts = "(*UCP)(?is)^" + search.wordStarts;
  return search;
}

}  // namespace mmm::meetups
