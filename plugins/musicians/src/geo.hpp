// Coordinates and distances: rounding to 2 decimals (hundredths of a degree, stored as
// integers so SQL compares them exactly), great-circle distance, and the bounding box that
// prefilters a radius search on indexed columns.
#pragma once

#include <cstdint>
#include <vector>

namespace mmm::musicians {

/// Mean Earth radius (km) used for every distance the API reports.
constexpr double kEarthRadiusKm = 6371.0;

/// `degrees` rounded to 2 decimals, as hundredths (47.675 -> 4768, -122.385 -> -12239:
/// half away from zero, on the decimal the client wrote rather than its binary neighbour).
std::int32_t toHundredths(double degrees);
inline double fromHundredths(std::int32_t hundredths) { return hundredths / 100.0; }

/// Great-circle (haversine) distance in km between two points given in degrees.
double distanceKm(double lat1, double lon1, double lat2, double lon2);

/// `km` rounded to 1 decimal, as the API reports it.
double roundKm(double km);

/// An inclusive range of hundredths of a degree.
struct Range {
  std::int32_t min, max;
  bool contains(std::int32_t v) const { return v >= min && v <= max; }
};

/// Every point within `radiusKm` of (lat, lon) lies in lat × (one of lon). Near a pole
/// the box spans every longitude; across the antimeridian it is two longitude ranges.
struct BoundingBox {
  Range lat;
  std::vector<Range> lon;  // 1 or 2 ranges; [-18000, 18000] when every longitude
  bool allLongitudes() const { return lon.size() == 1 && lon[0].min <= -18000 && lon[0].max >= 18000; }
  bool contains(std::int32_t latE2, std::int32_t lonE2) const;
};

BoundingBox boundingBox(double lat, double lon, double radiusKm);

}  // namespace mmm::musicians
