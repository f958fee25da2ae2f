#include "musician_query.hpp"

#include <mmm/error.hpp>
#include <mmm/http.hpp>
#include <mmm/input.hpp>
#include <mmm/text.hpp>

#include <Poco/UTF8String.h>

#include <cmath>
#include <cstdlib>

namespace mmm::musicians {
namespace {

constexpr std::size_t kMaxQueryChars = 255;

// A plain decimal number ("47.6", "-122", "2.5"): no exponent, hex, inf or nan.
std::optional<double> decimal(const std::string& text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  std::size_t i = text[0] == '-' || text[0] == '+' ? 1 : 0;
  bool digits = false, dot = false;
  for (std::size_t k = i; k < text.size(); ++k) {
    if (text[k] >= '0' && text[k] <= '9') {
      digits = true;
    } else if (text[k] == '.' && !dot) {
      dot = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  return std::strtod(text.c_str(), nullptr);
}

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
    const auto begin = q->find_first_not_of(' ');
    if (begin != std::string::npos) query.text = foldCase(q->substr(begin, q->find_last_not_of(' ') - begin + 1));
  }
  if (auto v = request.queryParam("available")) {
    if (*v == "true") query.availableOnly = true;
    else if (*v != "false") throw HttpError(400, "available must be true or false");
  }
  if (auto v = request.queryParam("near")) {
    const auto comma = v->find(',');
    auto lat = comma == std::string::npos ? std::nullopt : decimal(v->substr(0, comma));
    auto lon = comma == std::string::npos ? std::nullopt : decimal(v->substr(comma + 1));
    if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180)
      throw HttpError(400, "near must be LAT,LON with LAT from -90 to 90 and LON from -180 to 180, e.g. near=47.67,-122.38");
    query.near = NearPoint{*lat, *lon};
  }
  if (auto v = request.queryParam("radiusKm")) {
    if (!query.near) throw HttpError(400, "radiusKm needs near");
    auto radius = decimal(*v);
    if (!radius || *radius < 1 || *radius > 500) throw HttpError(400, "radiusKm must be a number from 1 to 500");
    query.radiusKm = *radius;
  }
  if (auto v = request.queryParam("limit")) query.limit = static_cast<int>(queryInteger("limit", *v, 1, 100));
  if (auto v = request.queryParam("offset")) query.offset = queryInteger("offset", *v, 0, 1000000);
  return query;
}

}  // namespace mmm::musicians
