#include "musician_query.hpp"

#include <mmm/error.hpp>
#include <mmm/geo.hpp>
#include <mmm/http.hpp>
#include <mmm/input.hpp>
#include <mmm/text.hpp>

#include <Poco/UTF8String.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace mmm::musicians {
namespace {

constexpr std::size_t kMaxQueryChars = 255;
constexpr std::size_t kMaxQueryWords = 16;  // each is a LIKE over every profile found

std::string slug(const std::string& name, const std::string& value, const Vocabulary& vocabulary,
                 const char* listPath) {
  if (!vocabulary.contains(value))
    throw HttpError(400, name + " is not a known slug (see " + std::string(listPath) + ")");
  return value;
}

}  // namespace

std::string foldCase(const std::string& text) { return Poco::UTF8::toLower(text); }

MusicianQuery parseMusicianQuery(const Request& request, const Vocabulary& instruments, const Vocabulary& genres) {
  MusicianQuery query;
  if (auto v = request.queryParam("instrument")) query.instrument = slug("instrument", *v, instruments, "/v1/instruments");
  if (auto v = request.queryParam("level")) {
    if (!query.instrument) throw HttpError(400, "level needs instrument");
    auto level = parseLevel(*v);
    if (!level) throw HttpError(400, "level must be one of beginner, intermediate, advanced, pro");
    query.minLevel = *level;
  }
  if (auto v = request.queryParam("genre")) query.genre = slug("genre", *v, genres, "/v1/genres");
  if (auto q = request.queryParam("q")) {
    if (!isValidUtf8(*q)) throw HttpError(400, "q is not valid UTF-8");
    if (utf8Length(*q) > kMaxQueryChars)
      throw HttpError(400, "q must be at most " + std::to_string(kMaxQueryChars) + " characters long");
    if (hasControlCharacter(*q)) throw HttpError(400, "q must not contain control characters");
    const auto folded = foldCase(*q);
    for (std::size_t at = folded.find_first_not_of(' '); at != std::string::npos;
         at = folded.find_first_not_of(' ', at)) {
      const auto end = std::min(folded.find(' ', at), folded.size());
      auto word = folded.substr(at, end - at);
      if (word.size() > 1 && word.front() == '@') word.erase(0, 1);
      if (std::find(query.words.begin(), query.words.end(), word) == query.words.end())
        query.words.push_back(std::move(word));
      at = end;
    }
    if (query.words.size() > kMaxQueryWords)
      throw HttpError(400, "q may hold at most " + std::to_string(kMaxQueryWords) + " different words");
  }
  query.availableOnly = queryFlag(request, "available");
  if (auto near = parseNearQuery(request)) {
    query.near = NearPoint{near->lat, near->lon};
    query.radiusKm = near->radiusKm;
  }
  if (auto v = request.queryParam("limit")) query.limit = static_cast<int>(queryInteger("limit", *v, 1, 100));
  if (auto v = request.queryParam("offset")) query.offset = queryInteger("offset", *v, 0, 1000000);
  return query;
}

}  // namespace mmm::musicians
