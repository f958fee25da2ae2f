// The HTTP handlers of the Vocabularies and Musician profiles sections of the API
// contract, and the directory service other plugins look up.
#pragma once

#include "musician_repository.hpp"
#include "vocabulary.hpp"

#include <mmm/http.hpp>
#include <mmm/musicians.hpp>
#include <mmm/profiles.hpp>
#include <mmm/store.hpp>

#include <memory>

namespace spdlog {
class logger;
}

namespace mmm::musicians {

class MusiciansApi {
 public:
  MusiciansApi(Store& store, ProfileDirectory& profiles, const Vocabulary& instruments, const Vocabulary& genres,
               std::shared_ptr<spdlog::logger> log);

  Response instruments(Request& request);  // GET /v1/instruments
  Response genres(Request& request);       // GET /v1/genres
  Response get(Request& request);          // GET /v1/musicians/{id|me}
  Response put(Request& request);          // PUT /v1/musicians/me (or the caller's own id)
  Response search(Request& request);       // GET /v1/musicians

 private:
  Store& store_;
  ProfileDirectory& profiles_;
  const Vocabulary& instruments_;
  const Vocabulary& genres_;
  std::shared_ptr<spdlog::logger> log_;
};

class Directory final : public MusicianDirectory {
 public:
  Directory(Store& store, const Vocabulary& instruments, const Vocabulary& genres)
      : store_(store), instruments_(instruments), genres_(genres) {}
  std::optional<MusicianSummary> find(std::int64_t userId) override;
  std::map<std::int64_t, MusicianSummary> findMany(const std::vector<std::int64_t>& userIds) override;
  const std::vector<VocabularyEntry>& instruments() const override { return instruments_.entries(); }
  const std::vector<VocabularyEntry>& genres() const override { return genres_.entries(); }
  bool isInstrument(const std::string& slug) const override { return instruments_.contains(slug); }
  bool isGenre(const std::string& slug) const override { return genres_.contains(slug); }

 private:
  Store& store_;
  const Vocabulary& instruments_;
  const Vocabulary& genres_;
};

}  // namespace mmm::musicians
