#include "geo.hpp"

#include <algorithm>
#include <cmath>

namespace mmm::musicians {
namespace {

constexpr double kPi = 3.14159265358979323846;
double radians(double degrees) { return degrees * kPi / 180.0; }
double degrees(double radians) { return radians * 180.0 / kPi; }

}  // namespace

std::int32_t toHundredths(double degrees) {
  // 47.675 is 47.67499999… in binary: the nudge (a billionth of a degree) rounds it as written.
  const double scaled = degrees * 100.0;
  return static_cast<std::int32_t>(std::llround(scaled + (scaled >= 0 ? 1e-7 : -1e-7)));
}

double distanceKm(double lat1, double lon1, double lat2, double lon2) {
  const double p1 = radians(lat1), p2 = radians(lat2);
  const double dp = p2 - p1, dl = radians(lon2 - lon1);
  const double a = std::sin(dp / 2) * std::sin(dp / 2) + std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

double roundKm(double km) { return std::round(km * 10.0) / 10.0; }

bool BoundingBox::contains(std::int32_t latE2, std::int32_t lonE2) const {
  if (!lat.contains(latE2)) return false;
  for (const auto& r : lon)
    if (r.contains(lonE2)) return true;
  return false;
}

BoundingBox boundingBox(double lat, double lon, double radiusKm) {
  const double angular = radiusKm / kEarthRadiusKm;  // radians of arc
  const double dLat = degrees(angular);
  // Widened by a hundredth either way: the exact distance decides, the box must only never
  // cut a point that is inside.
  const auto floorE2 = [](double d) { return static_cast<std::int32_t>(std::floor(d * 100.0)) - 1; };
  const auto ceilE2 = [](double d) { return static_cast<std::int32_t>(std::ceil(d * 100.0)) + 1; };
  BoundingBox box;
  const double latMin = lat - dLat, latMax = lat + dLat;
  box.lat = {std::max(-9000, floorE2(latMin)), std::min(9000, ceilE2(latMax))};
  // A circle that reaches a pole covers every longitude near it.
  const double sinAngular = std::sin(angular), cosLat = std::cos(radians(lat));
  if (latMax >= 90.0 || latMin <= -90.0 || sinAngular >= cosLat) {
    box.lon = {{-18000, 18000}};
    return box;
  }
  // The widest longitude on the circle (where its meridians touch it).
  const double dLon = degrees(std::asin(sinAngular / cosLat));
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

}  // namespace mmm::musicians
