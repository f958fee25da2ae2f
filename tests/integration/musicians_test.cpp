// The Vocabularies and Musician profiles sections of the API contract (Part 2) through real
// HTTP against a running mmm-server, on SQLite and MariaDB: every bound at and past its
// limit, unknown slugs, rounding, radius search against hand-computed great-circle
// distances (antimeridian and pole included), paging, and `level=` as "that or above".
#include "api_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

using namespace mmm::test;

namespace {

const std::string kMusiciansPlugin =
    "  - name: musicians\n"
    "    config:\n"
    "      instruments: [{slug: nyckelharpa, name: Nyckelharpa, family: strings}]\n"
    "      genres: [{slug: polska, name: Polska}]\n";

std::string area(const std::string& name, const std::string& lat, const std::string& lon) {
  return R"({"name":")" + name + R"(","lat":)" + lat + R"(,"lon":)" + lon + "}";
}

class MusiciansTest : public ApiTest {
 protected:
  void SetUp() override { startServer(kUsersPlugin + kMusiciansPlugin); }

  Poco::JSON::Object::Ptr put(const Account& who, const std::string& body) {
    auto reply = call("PUT", "/v1/musicians/me", body, who.token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.status == 200 ? json(reply) : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  }
  /// A new account whose profile plays `instrument` at `level` in an area at lat, lon.
  Account musician(const std::string& instrument, const std::string& level, const std::string& lat,
                   const std::string& lon, const std::string& extra = "") {
    auto a = newAccount();
    put(a, R"({"instruments":[{"slug":")" + instrument + R"(","level":")" + level + R"("}],"area":)" +
               area("here", lat, lon) + extra + "}");
    return a;
  }
  Poco::JSON::Array::Ptr search(const Account& who, const std::string& query) {
    auto reply = call("GET", "/v1/musicians?" + query, "", who.token);
    EXPECT_EQ(reply.status, 200) << query << ": " << reply.body;
    return reply.status == 200 ? jsonArray(reply) : Poco::JSON::Array::Ptr(new Poco::JSON::Array);
  }
  static std::vector<std::int64_t> ids(const Poco::JSON::Array::Ptr& musicians) {
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < musicians->size(); ++i)
      out.push_back(musicians->getObject(i)->getObject("user")->getValue<Poco::Int64>("id"));
    return out;
  }
  /// user id -> distanceKm of a near search.
  static std::map<std::int64_t, double> distances(const Poco::JSON::Array::Ptr& musicians) {
    std::map<std::int64_t, double> out;
    for (std::size_t i = 0; i < musicians->size(); ++i) {
      auto m = musicians->getObject(i);
      out[m->getObject("user")->getValue<Poco::Int64>("id")] = m->getValue<double>("distanceKm");
    }
    return out;
  }
  void expect400(const Account& who, const std::string& method, const std::string& target, const std::string& body,
                 const std::string& naming) {
    auto reply = call(method, target, body, who.token);
    expectProblem(reply, 400);
    if (reply.status == 400) {
      EXPECT_NE(json(reply)->getValue<std::string>("detail").find(naming), std::string::npos)
          << target << " " << body.substr(0, 200) << ": " << reply.body;
    }
  }
};

}  // namespace

TEST_P(MusiciansTest, VocabulariesListBuiltInAndConfiguredEntries) {
  const auto a = newAccount();
  auto reply = call("GET", "/v1/instruments", "", a.token);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("content-type"), "application/json");
  auto instruments = jsonArray(reply);
  EXPECT_GE(instruments->size(), 41u);
  std::set<std::string> slugs;
  for (std::size_t i = 0; i < instruments->size(); ++i) {
    auto e = instruments->getObject(i);
    slugs.insert(e->getValue<std::string>("slug"));
    EXPECT_FALSE(e->getValue<std::string>("name").empty());
    EXPECT_FALSE(e->getValue<std::string>("family").empty());
  }
  for (const char* slug : {"guitar", "bass", "drums", "keys", "vocals", "violin", "fiddle", "cello", "double-bass",
                           "trumpet", "saxophone", "trombone", "clarinet", "flute", "banjo", "mandolin", "ukulele",
                           "accordion", "harmonica", "percussion", "dj", "nyckelharpa"})
    EXPECT_TRUE(slugs.count(slug)) << slug;
  EXPECT_EQ(instruments->getObject(instruments->size() - 1)->getValue<std::string>("family"), "strings");
  auto genres = jsonArray(call("GET", "/v1/genres", "", a.token));
  EXPECT_GE(genres->size(), 26u);
  EXPECT_EQ(genres->getObject(genres->size() - 1)->getValue<std::string>("slug"), "polska");
  expectProblem(call("GET", "/v1/instruments"), 401);
  expectProblem(call("GET", "/v1/genres"), 401);
  // A configured entry is usable like a built-in one.
  auto saved = put(a, R"({"instruments":[{"slug":"nyckelharpa","level":"pro"}],"genres":["polska"]})");
  EXPECT_EQ(saved->getArray("genres")->getElement<std::string>(0), "polska");
}

TEST_P(MusiciansTest, AProfileNeverSavedIsEmpty) {
  const auto a = newAccount(), b = newAccount();
  for (const std::string& path : {std::string("/v1/musicians/me"), "/v1/musicians/" + std::to_string(a.id)}) {
    auto reply = call("GET", path, "", a.token);
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto m = json(reply);
    EXPECT_EQ(m->getObject("user")->getValue<Poco::Int64>("id"), a.id);
    EXPECT_EQ(m->getObject("user")->getValue<std::string>("userName"), a.userName);
    EXPECT_FALSE(m->getObject("user")->has("email"));
    EXPECT_EQ(m->getArray("instruments")->size(), 0u);
    EXPECT_EQ(m->getArray("genres")->size(), 0u);
    EXPECT_EQ(m->getArray("links")->size(), 0u);
    EXPECT_EQ(m->getValue<std::string>("bio"), "");
    EXPECT_EQ(m->getValue<std::string>("seeking"), "");
    EXPECT_FALSE(m->getValue<bool>("available"));
    EXPECT_TRUE(m->isNull("area"));
    EXPECT_TRUE(m->isNull("updatedAt"));
  }
  EXPECT_EQ(call("GET", "/v1/musicians/" + std::to_string(b.id), "", a.token).status, 200);
  expectProblem(call("GET", "/v1/musicians/999999", "", a.token), 404);
  expectProblem(call("GET", "/v1/musicians/abc", "", a.token), 404);
  expectProblem(call("GET", "/v1/musicians/0", "", a.token), 404);
  expectProblem(call("GET", "/v1/musicians/me"), 401);
  // Never saved: not in the directory.
  EXPECT_EQ(search(a, "")->size(), 0u);
}

TEST_P(MusiciansTest, PutReplacesEveryFieldAndRoundsCoordinates) {
  const auto a = newAccount(), b = newAccount();
  auto m = put(a, R"({"instruments":[{"slug":"bass","level":"advanced"},{"slug":"fiddle","level":"beginner"}],
    "genres":["folk","jazz"],"bio":"Upright and electric.\nReads charts.","links":["https://soundcloud.com/bob"],
    "seeking":"a drummer for a folk trio","available":true,
    "area":{"name":"Ballard, Seattle","lat":47.67449,"lon":-122.385}, "user":{"id":1}, "updatedAt":"x"})");
  EXPECT_EQ(m->getObject("user")->getValue<Poco::Int64>("id"), a.id);
  auto instruments = m->getArray("instruments");
  ASSERT_EQ(instruments->size(), 2u);
  EXPECT_EQ(instruments->getObject(0)->getValue<std::string>("slug"), "bass");
  EXPECT_EQ(instruments->getObject(0)->getValue<std::string>("level"), "advanced");
  EXPECT_EQ(instruments->getObject(1)->getValue<std::string>("slug"), "fiddle");
  EXPECT_EQ(m->getValue<std::string>("bio"), "Upright and electric.\nReads charts.");
  EXPECT_TRUE(m->getValue<bool>("available"));
  EXPECT_FALSE(m->isNull("updatedAt"));
  // Rounded to 2 decimals before storing: the exact value never comes back.
  const auto roundedBody = [](const std::string& body) { return body.find("\"lat\":47.67,\"lon\":-122.39") != std::string::npos; };
  auto again = call("GET", "/v1/musicians/" + std::to_string(a.id), "", b.token);
  EXPECT_TRUE(roundedBody(again.body)) << again.body;
  EXPECT_EQ(again.body.find("47.674"), std::string::npos);
  EXPECT_EQ(json(again)->getObject("area")->getValue<std::string>("name"), "Ballard, Seattle");
  EXPECT_EQ(json(again)->getArray("genres")->size(), 2u);
  EXPECT_EQ(json(again)->getArray("links")->getElement<std::string>(0), "https://soundcloud.com/bob");
  EXPECT_EQ(json(again)->getValue<std::string>("updatedAt"), m->getValue<std::string>("updatedAt"));
  // Everything is replaced: what is left out is emptied.
  auto emptied = put(a, R"({"bio":"Just a bio"})");
  EXPECT_EQ(emptied->getArray("instruments")->size(), 0u);
  EXPECT_EQ(emptied->getArray("genres")->size(), 0u);
  EXPECT_TRUE(emptied->isNull("area"));
  EXPECT_FALSE(emptied->getValue<bool>("available"));
  EXPECT_EQ(json(call("GET", "/v1/musicians/me", "", a.token))->getValue<std::string>("bio"), "Just a bio");
  EXPECT_TRUE(json(call("GET", "/v1/musicians/me", "", a.token))->isNull("area"));
  EXPECT_EQ(search(a, "instrument=bass")->size(), 0u);
  // Only your own profile; the other rules of the contract.
  expectProblem(call("PUT", "/v1/musicians/" + std::to_string(b.id), R"({"bio":"mine now"})", a.token), 403);
  EXPECT_EQ(call("PUT", "/v1/musicians/" + std::to_string(a.id), R"({"bio":"by id"})", a.token).status, 200);
  expectProblem(call("PUT", "/v1/musicians/me", R"({"bio":"x"})"), 401);
  expectProblem(request(port_, "PUT", "/v1/musicians/me", "Content-Type: text/plain\r\nAuthorization: Bearer " + a.token + "\r\n",
                        R"({"bio":"x"})"),
                415);
  expectProblem(call("PUT", "/v1/musicians/me", "{", a.token), 400);
  expectProblem(call("PUT", "/v1/musicians/me", "[]", a.token), 400);
  expectProblem(call("POST", "/v1/musicians/me", R"({"bio":"x"})", a.token), 405);
}

TEST_P(MusiciansTest, EveryBoundAtAndPastItsLimitAndUnknownSlugs) {
  const auto a = newAccount();
  auto list = [](const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
    return out + "]";
  };
  const std::vector<std::string> slugs = {"guitar", "bass", "drums", "keys", "vocals", "violin",
                                          "fiddle", "cello", "banjo", "flute", "dj"};
  std::vector<std::string> instruments, genres;
  for (const auto& s : slugs) instruments.push_back(R"({"slug":")" + s + R"(","level":"pro"})");
  const std::vector<std::string> genreSlugs = {"\"folk\"", "\"jazz\"", "\"blues\"", "\"rock\"", "\"pop\"", "\"punk\"",
                                               "\"metal\"", "\"indie\"", "\"country\"", "\"soul\"", "\"funk\""};
  auto first = [](const std::vector<std::string>& v, std::size_t n) { return std::vector<std::string>(v.begin(), v.begin() + n); };
  const std::string link500 = "\"https://example.org/" + std::string(480, 'x') + "\"";
  const std::string link501 = "\"https://example.org/" + std::string(481, 'x') + "\"";
  // At the limit: accepted, and stored as sent.
  auto m = put(a, R"({"instruments":)" + list(first(instruments, 10)) + R"(,"genres":)" + list(first(genreSlugs, 10)) +
                      R"(,"bio":")" + std::string(2000, 'b') + R"(","seeking":")" + std::string(280, 's') +
                      R"(","links":)" + list({link500, link500, link500, link500, link500}) + R"(,"area":)" +
                      area(std::string(100, 'n'), "90", "-180") + "}");
  EXPECT_EQ(m->getArray("instruments")->size(), 10u);
  EXPECT_EQ(m->getArray("genres")->size(), 10u);
  EXPECT_EQ(m->getValue<std::string>("bio").size(), 2000u);
  EXPECT_EQ(m->getArray("links")->size(), 5u);
  EXPECT_EQ(m->getObject("area")->getValue<double>("lat"), 90);
  EXPECT_EQ(m->getObject("area")->getValue<double>("lon"), -180);
  put(a, R"({"area":)" + area("", "-90", "180") + "}");
  // Characters, not bytes: 2,000 two-byte characters are fine.
  std::string accents;
  for (int i = 0; i < 2000; ++i) accents += "\xC3\xA9";
  put(a, R"({"bio":")" + accents + "\"}");
  // Past it: 400 naming the field.
  expect400(a, "PUT", "/v1/musicians/me", R"({"instruments":)" + list(instruments) + "}", "instruments");
  expect400(a, "PUT", "/v1/musicians/me", R"({"genres":)" + list(genreSlugs) + "}", "genres");
  expect400(a, "PUT", "/v1/musicians/me", R"({"bio":")" + std::string(2001, 'b') + "\"}", "bio");
  expect400(a, "PUT", "/v1/musicians/me", R"({"bio":")" + accents + "x\"}", "bio");
  expect400(a, "PUT", "/v1/musicians/me", R"({"seeking":")" + std::string(281, 's') + "\"}", "seeking");
  expect400(a, "PUT", "/v1/musicians/me", R"({"links":)" + list({link500, link500, link500, link500, link500, link500}) + "}", "links");
  expect400(a, "PUT", "/v1/musicians/me", R"({"links":)" + list({link501}) + "}", "links");
  expect400(a, "PUT", "/v1/musicians/me", R"({"links":["http://example.org/"]})", "links");
  expect400(a, "PUT", "/v1/musicians/me", R"({"links":["https://"]})", "links");
  expect400(a, "PUT", "/v1/musicians/me", R"({"area":)" + area(std::string(101, 'n'), "0", "0") + "}", "area.name");
  expect400(a, "PUT", "/v1/musicians/me", R"({"area":)" + area("x", "90.01", "0") + "}", "area.lat");
  expect400(a, "PUT", "/v1/musicians/me", R"({"area":)" + area("x", "-90.01", "0") + "}", "area.lat");
  expect400(a, "PUT", "/v1/musicians/me", R"({"area":)" + area("x", "0", "180.01") + "}", "area.lon");
  expect400(a, "PUT", "/v1/musicians/me", R"({"area":)" + area("x", "0", "-180.01") + "}", "area.lon");
  expect400(a, "PUT", "/v1/musicians/me", R"({"area":{"name":"x","lat":"47","lon":0}})", "area.lat");
  expect400(a, "PUT", "/v1/musicians/me", R"({"area":{"name":"x\u0000","lat":0,"lon":0}})", "area.name");
  expect400(a, "PUT", "/v1/musicians/me", R"({"seeking":"a\nb"})", "seeking");
  expect400(a, "PUT", "/v1/musicians/me", R"({"bio":"a\u0000b"})", "bio");
  expect400(a, "PUT", "/v1/musicians/me", R"({"available":"yes"})", "available");
  // Unknown slugs, levels, duplicates.
  expect400(a, "PUT", "/v1/musicians/me", R"({"instruments":[{"slug":"kazoo","level":"pro"}]})", "instruments[0].slug");
  expect400(a, "PUT", "/v1/musicians/me", R"({"instruments":[{"slug":"Bass","level":"pro"}]})", "instruments[0].slug");
  expect400(a, "PUT", "/v1/musicians/me", R"({"instruments":[{"slug":"bass","level":"virtuoso"}]})", "instruments[0].level");
  expect400(a, "PUT", "/v1/musicians/me",
            R"({"instruments":[{"slug":"bass","level":"pro"},{"slug":"bass","level":"beginner"}]})", "instruments[1].slug");
  expect400(a, "PUT", "/v1/musicians/me", R"({"genres":["folk","polka-metal"]})", "genres[1]");
  expect400(a, "PUT", "/v1/musicians/me", R"({"genres":["folk","folk"]})", "genres[1]");
  // Nothing of the refused requests was stored.
  EXPECT_EQ(json(call("GET", "/v1/musicians/me", "", a.token))->getValue<std::string>("bio"), accents);

  // The search's query parameters.
  EXPECT_EQ(search(a, "limit=1")->size(), 1u);
  search(a, "limit=100");
  search(a, "near=0,0&radiusKm=1");
  search(a, "near=0,0&radiusKm=500");
  search(a, "near=90,180");
  search(a, "near=-90,-180");
  search(a, "q=" + std::string(255, 'q'));
  expect400(a, "GET", "/v1/musicians?limit=0", "", "limit");
  expect400(a, "GET", "/v1/musicians?limit=101", "", "limit");
  expect400(a, "GET", "/v1/musicians?offset=-1", "", "offset");
  expect400(a, "GET", "/v1/musicians?offset=x", "", "offset");
  expect400(a, "GET", "/v1/musicians?near=0,0&radiusKm=0.9", "", "radiusKm");
  expect400(a, "GET", "/v1/musicians?near=0,0&radiusKm=501", "", "radiusKm");
  expect400(a, "GET", "/v1/musicians?radiusKm=10", "", "radiusKm");
  expect400(a, "GET", "/v1/musicians?near=90.01,0", "", "near");
  expect400(a, "GET", "/v1/musicians?near=0,-180.01", "", "near");
  expect400(a, "GET", "/v1/musicians?near=seattle", "", "near");
  expect400(a, "GET", "/v1/musicians?instrument=kazoo", "", "instrument");
  expect400(a, "GET", "/v1/musicians?genre=polka-metal", "", "genre");
  expect400(a, "GET", "/v1/musicians?instrument=bass&level=virtuoso", "", "level");
  expect400(a, "GET", "/v1/musicians?level=pro", "", "level");
  expect400(a, "GET", "/v1/musicians?available=yes", "", "available");
  expect400(a, "GET", "/v1/musicians?q=" + std::string(256, 'q'), "", "q");
  expectProblem(call("GET", "/v1/musicians"), 401);
}

// Distances are hand-computed on a 6371 km sphere: 0.1 degree of arc is 6371 * pi / 1800
// = 11.1195 km, whatever the longitude at the equator or the meridian near a pole.
TEST_P(MusiciansTest, RadiusSearchMatchesHandComputedDistances) {
  const auto viewer = newAccount();
  // Around Seattle (47.61, -122.33).
  const auto here = musician("cello", "pro", "47.61", "-122.33");     // 0.0 km
  const auto north = musician("cello", "pro", "47.71", "-122.33");    // 0.1° north: 11.1 km
  const auto east = musician("cello", "pro", "47.61", "-122.03");     // 0.3° of longitude: 22.5 km
  const auto farNorth = musician("cello", "pro", "47.86", "-122.33"); // 0.25°: 27.8 km
  auto near = search(viewer, "instrument=cello&near=47.61,-122.33");   // default radius 25 km
  EXPECT_EQ(ids(near), (std::vector<std::int64_t>{here.id, north.id, east.id}));
  auto d = distances(near);
  EXPECT_DOUBLE_EQ(d[here.id], 0.0);
  EXPECT_DOUBLE_EQ(d[north.id], 11.1);
  EXPECT_DOUBLE_EQ(d[east.id], 22.5);
  EXPECT_EQ(ids(search(viewer, "instrument=cello&near=47.61,-122.33&radiusKm=27.7")).size(), 3u);
  EXPECT_EQ(ids(search(viewer, "instrument=cello&near=47.61,-122.33&radiusKm=27.8")).back(), farNorth.id);
  EXPECT_DOUBLE_EQ(distances(search(viewer, "near=47.61,-122.33&radiusKm=30"))[farNorth.id], 27.8);
  EXPECT_EQ(ids(search(viewer, "near=47.61,-122.33&radiusKm=1")), (std::vector<std::int64_t>{here.id}));

  // Across the antimeridian, from 179.95 E.
  const auto west = musician("tuba", "pro", "0", "-179.95");    // 0.1°: 11.1 km, the other side
  const auto same = musician("tuba", "pro", "0", "179.80");     // 0.15°: 16.7 km
  const auto diag = musician("tuba", "pro", "0.1", "-179.9");   // 20.0 km
  const auto past = musician("tuba", "pro", "0", "-179.70");    // 0.35°: 38.9 km
  auto dateLine = search(viewer, "instrument=tuba&near=0,179.95");
  EXPECT_EQ(ids(dateLine), (std::vector<std::int64_t>{west.id, same.id, diag.id}));
  d = distances(dateLine);
  EXPECT_DOUBLE_EQ(d[west.id], 11.1);
  EXPECT_DOUBLE_EQ(d[same.id], 16.7);
  EXPECT_DOUBLE_EQ(d[diag.id], 20.0);
  EXPECT_EQ(ids(search(viewer, "instrument=tuba&near=0,-179.95&radiusKm=40")).size(), 4u);
  EXPECT_DOUBLE_EQ(distances(search(viewer, "instrument=tuba&near=0,-179.95&radiusKm=40"))[past.id], 27.8);

  // Around the North Pole: every longitude is near.
  const auto pole1 = musician("oboe", "pro", "89.8", "45");     // 0.2°: 22.2 km
  const auto pole2 = musician("oboe", "pro", "89.7", "-170");   // 0.3°: 33.4 km
  const auto pole3 = musician("oboe", "pro", "89.56", "-10");   // 0.44°: 48.9 km
  const auto pole4 = musician("oboe", "pro", "89.5", "100");    // 0.5°: 55.6 km, outside 50
  auto polar = search(viewer, "instrument=oboe&near=90,0&radiusKm=50");
  EXPECT_EQ(ids(polar), (std::vector<std::int64_t>{pole1.id, pole2.id, pole3.id}));
  d = distances(polar);
  EXPECT_DOUBLE_EQ(d[pole1.id], 22.2);
  EXPECT_DOUBLE_EQ(d[pole2.id], 33.4);
  EXPECT_DOUBLE_EQ(d[pole3.id], 48.9);
  EXPECT_EQ(ids(search(viewer, "instrument=oboe&near=90,0&radiusKm=60")).back(), pole4.id);
  // Without an area, never in a near search.
  auto nowhere = newAccount();
  put(nowhere, R"({"instruments":[{"slug":"oboe","level":"pro"}]})");
  EXPECT_EQ(ids(search(viewer, "instrument=oboe&near=90,0&radiusKm=500")).size(), 4u);
  EXPECT_EQ(ids(search(viewer, "instrument=oboe")).size(), 5u);
  // Without near, no distance.
  EXPECT_FALSE(search(viewer, "instrument=oboe")->getObject(0)->has("distanceKm"));
}

TEST_P(MusiciansTest, LevelMeansThatLevelOrAbove) {
  const auto viewer = newAccount();
  const auto beginner = musician("banjo", "beginner", "10", "10");
  const auto intermediate = musician("banjo", "intermediate", "10", "10");
  const auto advanced = musician("banjo", "advanced", "10", "10");
  const auto pro = musician("banjo", "pro", "10", "10");
  musician("fiddle", "pro", "10", "10");
  const auto sorted = [](std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(ids(search(viewer, "instrument=banjo"))), sorted({beginner.id, intermediate.id, advanced.id, pro.id}));
  EXPECT_EQ(sorted(ids(search(viewer, "instrument=banjo&level=beginner"))),
            sorted({beginner.id, intermediate.id, advanced.id, pro.id}));
  EXPECT_EQ(sorted(ids(search(viewer, "instrument=banjo&level=intermediate"))), sorted({intermediate.id, advanced.id, pro.id}));
  EXPECT_EQ(sorted(ids(search(viewer, "instrument=banjo&level=advanced"))), sorted({advanced.id, pro.id}));
  EXPECT_EQ(ids(search(viewer, "instrument=banjo&level=pro")), (std::vector<std::int64_t>{pro.id}));
  EXPECT_EQ(sorted(ids(search(viewer, "instrument=banjo&level=advanced&near=10,10"))), sorted({advanced.id, pro.id}));
}

TEST_P(MusiciansTest, FiltersByGenreTextAndAvailability) {
  const auto viewer = newAccount();
  auto folk = newAccount(), jazz = newAccount(), both = newAccount();
  put(folk, R"({"instruments":[{"slug":"fiddle","level":"pro"}],"genres":["folk"],"bio":"Old-time TUNES and Élégie",)"
            R"("available":true,"area":)" + area("a", "51.5", "-0.12") + "}");
  put(jazz, R"({"instruments":[{"slug":"saxophone","level":"pro"}],"genres":["jazz"],"seeking":"a rhythm section"})");
  put(both, R"({"instruments":[{"slug":"fiddle","level":"beginner"}],"genres":["jazz","folk"],"available":true,)"
            R"("area":)" + area("b", "51.51", "-0.12") + "}");
  const auto sorted = [](std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(ids(search(viewer, "genre=folk"))), sorted({folk.id, both.id}));
  EXPECT_EQ(sorted(ids(search(viewer, "genre=jazz"))), sorted({jazz.id, both.id}));
  EXPECT_EQ(ids(search(viewer, "genre=jazz&instrument=fiddle")), (std::vector<std::int64_t>{both.id}));
  EXPECT_EQ(ids(search(viewer, "genre=folk&instrument=fiddle&level=advanced")), (std::vector<std::int64_t>{folk.id}));
  EXPECT_EQ(ids(search(viewer, "q=old-time%20tunes")), (std::vector<std::int64_t>{folk.id}));  // case-insensitive
  EXPECT_EQ(ids(search(viewer, "q=%C3%A9L%C3%89GIE")), (std::vector<std::int64_t>{folk.id}));  // beyond ASCII
  EXPECT_EQ(ids(search(viewer, "q=RHYTHM")), (std::vector<std::int64_t>{jazz.id}));            // seeking
  EXPECT_EQ(ids(search(viewer, "q=PLAYER")).size(), 3u);  // user names (newAccount's are "player…")
  EXPECT_EQ(ids(search(viewer, "q=" + jazz.userName)), (std::vector<std::int64_t>{jazz.id}));
  EXPECT_EQ(ids(search(viewer, "q=%40" + jazz.userName)), (std::vector<std::int64_t>{jazz.id}));  // as "@name"
  // Each word anywhere: a first and last name together, words out of order, across fields.
  EXPECT_EQ(ids(search(viewer, "q=%20tunes%20%20OLD-TIME%20")), (std::vector<std::int64_t>{folk.id}));
  EXPECT_EQ(ids(search(viewer, "q=" + jazz.userName + "%20rhythm")), (std::vector<std::int64_t>{jazz.id}));
  EXPECT_EQ(ids(search(viewer, "q=" + jazz.userName + "%20tunes")).size(), 0u);  // every word must be found
  EXPECT_EQ(ids(search(viewer, "q=%40")).size(), 0u);  // "@" alone is a word, in no profile
  EXPECT_EQ(ids(search(viewer, "q=100%25")).size(), 0u);  // LIKE wildcards are literal
  EXPECT_EQ(ids(search(viewer, "q=_")).size(), 0u);
  EXPECT_EQ(sorted(ids(search(viewer, "available=true"))), sorted({folk.id, both.id}));
  EXPECT_EQ(ids(search(viewer, "available=true&genre=jazz")), (std::vector<std::int64_t>{both.id}));
  EXPECT_EQ(ids(search(viewer, "available=true&q=tunes&near=51.5,-0.12")), (std::vector<std::int64_t>{folk.id}));
  EXPECT_EQ(ids(search(viewer, "instrument=fiddle&q=tunes&near=51.5,-0.12")), (std::vector<std::int64_t>{folk.id}));
  EXPECT_EQ(ids(search(viewer, "genre=folk&near=51.5,-0.12")), (std::vector<std::int64_t>{folk.id, both.id}));
  EXPECT_EQ(ids(search(viewer, "available=false")).size(), 3u);
  // Most recently updated first without near.
  EXPECT_EQ(ids(search(viewer, "")), (std::vector<std::int64_t>{both.id, jazz.id, folk.id}));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a later updatedAt, whatever the clock's grain
  put(folk, R"({"genres":["folk"]})");
  EXPECT_EQ(ids(search(viewer, "")), (std::vector<std::int64_t>{folk.id, both.id, jazz.id}));
  // A first and last name, as a card shows them (names are searched as saved with the profile).
  ASSERT_EQ(call("PATCH", "/v1/users/me", R"({"firstName":"Ann","lastName":"Quillfeather"})", jazz.token).status, 200);
  put(jazz, R"({"instruments":[{"slug":"saxophone","level":"pro"}],"genres":["jazz"],"seeking":"a rhythm section"})");
  EXPECT_EQ(ids(search(viewer, "q=ann%20quillfeather")), (std::vector<std::int64_t>{jazz.id}));  // as a card shows it
}

TEST_P(MusiciansTest, PagesHaveNoRepeatsOrGaps) {
  const auto viewer = newAccount();
  // 23 musicians on 5 points: many exact ties in distance, broken by user id.
  const char* lats[] = {"40.00", "40.01", "40.02", "40.05", "40.10"};
  std::vector<std::int64_t> made;
  for (int i = 0; i < 23; ++i) made.push_back(musician("drums", "pro", lats[(i * 3) % 5], "-3.70").id);
  for (const std::string& base : {std::string("instrument=drums&near=40,-3.7"), std::string("instrument=drums"),
                                  std::string("near=40,-3.7"), std::string("")}) {
    auto all = ids(search(viewer, base + "&limit=100"));
    ASSERT_EQ(all.size(), 23u) << base;
    std::vector<std::int64_t> paged;
    for (int offset = 0; offset < 30; offset += 5) {
      auto page = ids(search(viewer, base + "&limit=5&offset=" + std::to_string(offset)));
      EXPECT_LE(page.size(), 5u);
      paged.insert(paged.end(), page.begin(), page.end());
    }
    EXPECT_EQ(paged, all) << base;
    EXPECT_EQ(std::set<std::int64_t>(all.begin(), all.end()).size(), 23u);
  }
  // Nearest first, ties by user id.
  auto near = search(viewer, "near=40,-3.7&limit=100");
  for (std::size_t i = 1; i < near->size(); ++i) {
    const double before = near->getObject(i - 1)->getValue<double>("distanceKm");
    const double here = near->getObject(i)->getValue<double>("distanceKm");
    EXPECT_LE(before, here);
    if (before == here) {
      EXPECT_LT(near->getObject(i - 1)->getObject("user")->getValue<Poco::Int64>("id"),
                near->getObject(i)->getObject("user")->getValue<Poco::Int64>("id"));
    }
  }
  EXPECT_EQ(search(viewer, "near=40,-3.7&offset=23")->size(), 0u);
  EXPECT_EQ(search(viewer, "offset=1000000")->size(), 0u);
}

// Saves by many musicians at once, first ones and changes, never fail or mix rows (on
// MariaDB, deleting absent rows would take gap locks that concurrent inserts deadlock on).
TEST_P(MusiciansTest, ConcurrentSavesAllSucceed) {
  std::vector<Account> accounts;
  for (int i = 0; i < 16; ++i) accounts.push_back(newAccount());
  std::atomic<int> failures{0};
  for (int round = 0; round < 3; ++round) {
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < accounts.size(); ++i)
      threads.emplace_back([&, i] {
        const std::string level = round % 2 ? "pro" : "beginner";
        auto reply = call("PUT", "/v1/musicians/me",
                          R"({"instruments":[{"slug":"bass","level":")" + level + R"("},{"slug":")" +
                              (round == 1 ? "drums" : "fiddle") + R"(","level":"advanced"}],"genres":["folk",")" +
                              (round == 2 ? "jazz" : "blues") + R"("],"area":)" + area("x", "52.5", "13.4") + "}",
                          accounts[i].token);
        if (reply.status != 200) {
          ++failures;
          ADD_FAILURE() << "round " << round << ": " << reply.status << " " << reply.body;
        }
      });
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(search(accounts[0], "instrument=fiddle&genre=jazz&near=52.5,13.4&limit=100")->size(), 16u);
  EXPECT_EQ(search(accounts[0], "instrument=drums&limit=100")->size(), 0u);
  EXPECT_EQ(search(accounts[0], "genre=blues&limit=100")->size(), 0u);
}

// Another plugin reads profiles and the vocabularies through the typed, versioned service.
TEST_P(MusiciansTest, OtherPluginsReadTheDirectoryService) {
  startServer(kUsersPlugin + kMusiciansPlugin + "  - name: musician_consumer\n");
  const auto a = newAccount(), b = newAccount();
  put(a, R"({"instruments":[{"slug":"double-bass","level":"advanced"},{"slug":"nyckelharpa","level":"pro"}],)"
         R"("genres":["folk"],"available":true,"area":{"name":"Ballard","lat":47.6749,"lon":-122.385}})");
  EXPECT_EQ(call("GET", "/consumer/directory").body, "present");
  auto reply = call("GET", "/consumer/musicians/" + std::to_string(a.id));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, R"({"userId":)" + std::to_string(a.id) +
                            R"(,"instruments":[{"slug":"double-bass","level":"advanced"},{"slug":"nyckelharpa","level":"pro"}],)"
                            R"("genres":["folk"],"available":true,"area":{"name":"Ballard","lat":47.67,"lon":-122.39}})");
  EXPECT_EQ(call("GET", "/consumer/musicians/" + std::to_string(b.id)).status, 404);  // never saved
  EXPECT_EQ(call("GET", "/consumer/instruments/nyckelharpa").body, "yes 52 38");
  EXPECT_EQ(call("GET", "/consumer/instruments/kazoo").body, "no 52 38");
}

INSTANTIATE_TEST_SUITE_P(Backends, MusiciansTest, ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis),
                         backendsName);

namespace {

// With the musicians plugin disabled, the others carry on and its paths are unknown.
class MusiciansDisabledTest : public ApiTest {
 protected:
  void SetUp() override {
    startServer(kUsersPlugin + "  - name: chat\n  - name: meetups\n  - name: musicians\n    enabled: false\n");
  }
};

}  // namespace

TEST_P(MusiciansDisabledTest, UsersMeetupsAndChatWorkAndItsPathsAre404) {
  const auto a = newAccount();
  EXPECT_EQ(call("GET", "/v1/users/me", "", a.token).status, 200);
  auto event = call("POST", "/v1/events",
                    R"({"title":"Jam","datetime":"2031-06-01T18:00:00Z","location":"Hall","description":""})", a.token);
  ASSERT_EQ(event.status, 201) << event.body;
  const auto channel = json(event)->getValue<Poco::Int64>("channel");
  EXPECT_EQ(call("POST", "/v1/channels/" + std::to_string(channel), R"({"body":"hello"})", a.token).status, 201);
  EXPECT_EQ(jsonArray(call("GET", "/v1/channels/" + std::to_string(channel), "", a.token))->size(), 1u);
  for (const char* path : {"/v1/musicians", "/v1/musicians/me", "/v1/instruments", "/v1/genres"})
    expectProblem(call("GET", path, "", a.token), 404);
  expectProblem(call("PUT", "/v1/musicians/me", R"({"bio":"x"})", a.token), 404);
  // A plugin that uses the directory optionally starts without it, and says so.
  startServer(kUsersPlugin + "  - name: chat\n  - name: meetups\n  - name: musicians\n    enabled: false\n"
              "  - name: musician_consumer\n");
  EXPECT_EQ(call("GET", "/consumer/directory").body, "absent");
  EXPECT_EQ(call("POST", "/v1/sessions", R"({"email":")" + a.email + R"(","password":")" + a.password + R"("})").status, 201);
}

INSTANTIATE_TEST_SUITE_P(Backends, MusiciansDisabledTest,
                         ::testing::Values(Backends::SQLiteMemory, Backends::MariaDBRedis), backendsName);
