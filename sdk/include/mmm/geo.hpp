// Coordinates and distances for plugins (a musician's area, an event's place): rounding to
// 2 decimals (hundredths of a degree, stored as integers so SQL compares them exactly),
// great-circle distance, and the bounding box that prefilters a radius search on indexed
// columns. Header-only.
#pragma once

#include <mmm/error.hpp>
#include <mmm/http.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace mmm {

/// Mean Earth radius (km) used for every distance the API reports.
constexpr double kEarthRadiusKm = 6371.0;

/// An inclusive range of hundredths of a degree.
struct HundredthsRange {
  std::int32_t min, max;
  bool contains(std::int32_t v) const { return v >= min && v <= max; }
};

/// Every point within `radiusKm` of (lat, lon) lies in lat × (one of lon). Near a pole
/// the box spans every longitude; across the antimeridian it is two longitude ranges.
struct BoundingBox {
  HundredthsRange lat;
  std::vector<HundredthsRange> lon;  // 1 or 2 ranges; [-18000, 18000] when every longitude
  bool allLongitudes() const { return lon.size() == 1 && lon[0].min <= -18000 && lon[0].max >= 18000; }
  bool contains(std::int32_t latE2, std::int32_t lonE2) const {
    if (!lat.contains(latE2)) return false;
    for (const auto& r : lon)
      if (r.contains(lonE2)) return true;
    return false;
  }
};

namespace detail {
constexpr double kPi = 3.14159265358979323846;
inline double radians(double degrees) { return degrees * kPi / 180.0; }
inline double degrees(double radians) { return radians * 180.0 / kPi; }
}  // namespace detail

/// `degrees` rounded to 2 decimals, as hundredths (47.675 -> 4768, -122.385 -> -12239:
/// half away from zero, on the decimal the client wrote rather than its binary neighbour).
inline std::int32_t toHundredths(double degrees) {
  // 47.675 is 47.67499999… in binary: the nudge (a billionth of a degree) rounds it as written.
  const double scaled = degrees * 100.0;
  return static_cast<std::int32_t>(std::llround(scaled + (scaled >= 0 ? 1e-7 : -1e-7)));
}

inline double fromHundredths(std::int32_t hundredths) { return hundredths / 100.0; }

/// Great-circle (haversine) distance in km between two points given in degrees.
inline double distanceKm(double lat1, double lon1, double lat2, double lon2) {
  const double p1 = detail::radians(lat1), p2 = detail::radians(lat2);
  const double dp = p2 - p1, dl = detail::radians(lon2 - lon1);
  const double a = std::sin(dp / 2) * std::sin(dp / 2) + std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

/// `km` rounded to 1 decimal, as the API reports it.
inline double roundKm(double km) { return std::round(km * 10.0) / 10.0; }

/// The box around the circle of `radiusKm` around (lat, lon), widened by a hundredth.
inline BoundingBox boundingBox(double lat, double lon, double radiusKm) {
  const double angular = radiusKm / kEarthRadiusKm;  // radians of arc
  const double dLat = detail::degrees(angular);
  // Widened by a hundredth either way: the exact distance decides, the box must only never
  // cut a point that is inside.
  const auto floorE2 = [](double d) { return static_cast<std::int32_t>(std::floor(d * 100.0)) - 1; };
  const auto ceilE2 = [](double d) { return static_cast<std::int32_t>(std::ceil(d * 100.0)) + 1; };
  BoundingBox box;
  const double latMin = lat - dLat, latMax = lat + dLat;
  box.lat = {std::max(-9000, floorE2(latMin)), std::min(9000, ceilE2(latMax))};
  // A circle that reaches a pole covers every longitude near it.
  const double sinAngular = std::sin(angular), cosLat = std::cos(detail::radians(lat));
  if (latMax >= 90.0 || latMin <= -90.0 || sinAngular >= cosLat) {
    box.lon = {{-18000, 18000}};
    return box;
  }
  // The widest longitude on the circle (where its meridians touch it).
  const double dLon = detail::degrees(std::asin(sinAngular / cosLat));
  const double lonMin = lon - dLon, lonMax = lon + dLon;
  if (dLon >= 180.0) {
    box.lon = {{-18000, 18000}};
  } else if (lonMin < -180.0) {  // across the antimeridian, west of it
    box.lon = {{-18000, ceilE2(lonMax)}, {floorE2(lonMin + 360.0), 18000}};
  } else if (lonMax > 180.0) {  // across it, east of it
    box.lon = {{floorE2(lonMin), 18000}, {-18000, ceilE2(lonMax - 360.0)}};
  } else {
    box.lon = {{std::max(-18000, floorE2(lonMin)), std::min(18000, ceilE2(lonMax))}};
  }
  return box;
}

/// A plain decimal number ("47.6", "-122", "2.5"): no exponent, hex, inf or nan.
inline std::optional<double> parseDecimal(const std::string& text) {
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

/// A radius search as a query string gives it.
struct NearQuery {
  double lat = 0, lon = 0;
  double radiusKm = 25;
};

/// `near=LAT,LON` and `radiusKm` (1–500, default 25, only with `near`): nullopt without
/// `near`; 400 naming the parameter for a bad value.
inline std::optional<NearQuery> parseNearQuery(const Request& request) {
  auto near = request.queryParam("near");
  auto radius = request.queryParam("radiusKm");
  if (!near) {
    if (radius) throw HttpError(400, "radiusKm needs near");
    return std::nullopt;
  }
  const auto comma = near->find(',');
  auto lat = comma == std::string::npos ? std::nullopt : parseDecimal(near->substr(0, comma));
  auto lon = comma == std::string::npos ? std::nullopt : parseDecimal(near->substr(comma + 1));
  if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180)
    throw HttpError(400, "near must be LAT,LON with LAT from -90 to 90 and LON from -180 to 180, e.g. near=47.67,-122.38");
  NearQuery query{*lat, *lon, 25};
  if (radius) {
    auto km = parseDecimal(*radius);
    if (!km || *km < 1 || *km > 500) throw HttpError(400, "radiusKm must be a number from 1 to 500");
    query.radiusKm = *km;
  }
  return query;
}

}  // namespace mmm
