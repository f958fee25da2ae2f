#include "musicians_api.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/json_writer.hpp>
#include <mmm/time.hpp>

#include <spdlog/logger.h>

namespace mmm::musicians {
namespace {

// What `q` matches: the user's names as the profile directory has them at save time,
// the bio and what they are seeking.
std::string searchText(const Profile& user, const MusicianProfile& p) {
  return foldCase(user.userName + "\n" + user.firstName + "\n" + user.lastName + "\n" + p.bio + "\n" + p.seeking);
}

std::int64_t userIdOf(Request& request, std::int64_t caller) {
  const auto& segment = request.param("id");
  return segment == "me" ? caller : pathId(segment, "user");
}

}  // namespace

MusiciansApi::MusiciansApi(Store& store, ProfileDirectory& profiles, const Vocabulary& instruments,
                           const Vocabulary& genres, std::shared_ptr<spdlog::logger> log)
    : store_(store), profiles_(profiles), instruments_(instruments), genres_(genres), log_(std::move(log)) {}

Response MusiciansApi::instruments(Request& request) {
  authenticated(request);
  return Response::json(200, instruments_.json());
}

Response MusiciansApi::genres(Request& request) {
  authenticated(request);
  return Response::json(200, genres_.json());
}

Response MusiciansApi::get(Request& request) {
  const auto caller = authenticated(request).userId;
  const auto id = userIdOf(request, caller);
  const auto user = profiles_.find(id);
  if (!user) throw HttpError(404, "no such user");
  auto cards = store_.read([&](DbSession& s) { return MusicianRepository::loadCards(store_, s, {id}); });
  const auto card = cards.count(id) ? cards[id] : profileCard(MusicianProfile{});  // never saved: the empty one
  JsonWriter json(1024);
  writeMusician(json, *user, card);
  return Response::json(200, json.take());
}

Response MusiciansApi::put(Request& request) {
  const auto caller = authenticated(request).userId;
  const auto id = userIdOf(request, caller);
  if (id != caller) throw HttpError(403, "you can only change your own musician profile");
  auto profile = parseProfileBody(parseJsonObject(request), instruments_, genres_);
  profile.userId = caller;
  const auto user = profiles_.find(caller);
  if (!user) throw HttpError(404, "no such user");
  profile.updatedAt = nowMillis();
  const Sql sql = store_.sql();
  const auto text = searchText(*user, profile);
  store_.transaction([&](DbSession& tx) { MusicianRepository::save(tx, sql, profile, text, *profile.updatedAt); });
  log_->debug("{} user {} saved their musician profile", request.id, caller);
  JsonWriter json(1024);
  writeMusician(json, *user, profileCard(profile));
  return Response::json(200, json.take());
}

Response MusiciansApi::search(Request& request) {
  authenticated(request);
  const auto query = parseMusicianQuery(request, instruments_, genres_);
  std::vector<MusicianHit> hits;
  std::map<std::int64_t, std::string> cards;
  store_.read([&](DbSession& s) {
    hits = MusicianRepository::search(store_, s, query);
    std::vector<std::int64_t> ids;
    for (const auto& hit : hits) ids.push_back(hit.userId);
    cards = MusicianRepository::loadCards(store_, s, ids);
  });
  std::vector<std::int64_t> ids;
  for (const auto& hit : hits) ids.push_back(hit.userId);
  const auto users = profiles_.findMany(ids);
  JsonWriter json(256 + hits.size() * 600);
  json.beginArray();
  for (const auto& hit : hits) {
    auto card = cards.find(hit.userId);
    auto user = users.find(hit.userId);
    if (card == cards.end() || user == users.end()) continue;  // changed meanwhile
    writeMusician(json, user->second, card->second, hit.distanceKm);
  }
  return Response::json(200, json.endArray().take());
}

std::optional<MusicianSummary> Directory::find(std::int64_t userId) {
  auto found = findMany({userId});
  if (found.empty()) return std::nullopt;
  return std::move(found.begin()->second);
}

std::map<std::int64_t, MusicianSummary> Directory::findMany(const std::vector<std::int64_t>& userIds) {
  auto saved = store_.read([&](DbSession& s) { return MusicianRepository::load(store_, s, userIds); });
  std::map<std::int64_t, MusicianSummary> out;
  for (const auto& [id, profile] : saved) out.emplace(id, profile.summary());
  return out;
}

}  // namespace mmm::musicians
