#include <mmm/geo.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mmm;

TEST(Geo, RoundsToHundredthsHalfAwayFromZeroAsWritten) {
  EXPECT_EQ(toHundredths(47.6742), 4767);
  EXPECT_EQ(toHundredths(47.675), 4768);  // 47.67499999… in binary
  EXPECT_EQ(toHundredths(-122.385), -12239);
  EXPECT_EQ(toHundredths(-122.3849), -12238);
  EXPECT_EQ(toHundredths(90), 9000);
  EXPECT_EQ(toHundredths(-180), -18000);
  EXPECT_EQ(toHundredths(179.996), 18000);
  EXPECT_EQ(toHundredths(0.004), 0);
  EXPECT_DOUBLE_EQ(fromHundredths(4767), 47.67);
}

TEST(Geo, DistancesAgainstHandComputedValues) {
  // One degree of arc on a 6371 km sphere: 6371 * pi / 180.
  EXPECT_NEAR(distanceKm(0, 0, 0, 1), 111.19492664, 1e-6);
  EXPECT_NEAR(distanceKm(0, 0, 1, 0), 111.19492664, 1e-6);
  // Across the antimeridian: 179.9 E to 179.9 W is 0.2 degrees of longitude at the equator.
  EXPECT_NEAR(distanceKm(0, 179.9, 0, -179.9), 22.238985, 1e-5);
  // Every meridian meets at the pole.
  EXPECT_NEAR(distanceKm(90, 0, 90, 123), 0, 1e-9);
  EXPECT_NEAR(distanceKm(89.9, 0, 89.9, 180), 22.238985, 1e-5);
  // Antipodes: half the circumference.
  EXPECT_NEAR(distanceKm(0, 0, 0, 180), 20015.086796, 1e-5);
  EXPECT_DOUBLE_EQ(roundKm(22.238985), 22.2);
  EXPECT_DOUBLE_EQ(roundKm(0.05), 0.1);
}

TEST(Geo, BoxAwayFromPolesAndAntimeridianIsOneRange) {
  auto box = boundingBox(47.6, -122.3, 25);
  ASSERT_EQ(box.lon.size(), 1u);
  EXPECT_LT(box.lat.min, 4760 - 22);
  EXPECT_GT(box.lat.max, 4760 + 22);
  EXPECT_LT(box.lat.max, 4760 + 26);
  EXPECT_LT(box.lon[0].min, -12230 - 33);
  EXPECT_GT(box.lon[0].min, -12230 - 36);
}

TEST(Geo, BoxAcrossTheAntimeridianIsTwoRanges) {
  auto box = boundingBox(0, 179.95, 25);
  ASSERT_EQ(box.lon.size(), 2u);
  EXPECT_TRUE(box.contains(0, 18000));
  EXPECT_TRUE(box.contains(0, -18000));
  EXPECT_TRUE(box.contains(0, -17990));
  EXPECT_FALSE(box.contains(0, 0));
  EXPECT_FALSE(box.contains(0, -17900));
  auto west = boundingBox(0, -179.95, 25);
  ASSERT_EQ(west.lon.size(), 2u);
  EXPECT_TRUE(west.contains(0, 17990));
  EXPECT_FALSE(west.contains(0, 17800));
}

TEST(Geo, BoxReachingAPoleSpansEveryLongitude) {
  auto box = boundingBox(89.9, 10, 50);
  EXPECT_TRUE(box.allLongitudes());
  EXPECT_EQ(box.lat.max, 9000);
  EXPECT_TRUE(box.contains(8970, -17000));
  auto south = boundingBox(-90, 0, 1);
  EXPECT_TRUE(south.allLongitudes());
  EXPECT_EQ(south.lat.min, -9000);
}

// The box never cuts a point inside the circle: random centres and points, exhaustively
// compared with the exact distance.
TEST(Geo, BoxHoldsEveryPointWithinTheRadius) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> lat(-90, 90), lon(-180, 180), radius(1, 500), offset(-6, 6);
  for (int i = 0; i < 2000; ++i) {
    const double clat = i % 10 == 0 ? (i % 20 ? 89.5 : -89.5) : lat(random), clon = i % 7 == 0 ? 179.8 : lon(random);
    const double r = radius(random);
    const auto box = boundingBox(clat, clon, r);
    for (int k = 0; k < 200; ++k) {
      double plat = std::clamp(clat + offset(random), -90.0, 90.0), plon = clon + offset(random) * 3;
      if (plon > 180) plon -= 360;
      if (plon < -180) plon += 360;
      const auto latE2 = toHundredths(plat), lonE2 = toHundredths(plon);
      if (distanceKm(clat, clon, fromHundredths(latE2), fromHundredths(lonE2)) <= r) {
        ASSERT_TRUE(box.contains(latE2, lonE2)) << clat << "," << clon << " r=" << r << " point " << latE2 << "," << lonE2;
      }
    }
  }
}
