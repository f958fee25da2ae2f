// The musicians plugin: the instrument and genre vocabularies, musician profiles and their
// search, and the MusicianDirectory service for the other plugins.
#include "musician_repository.hpp"
#include "musicians_api.hpp"
#include "vocabulary.hpp"
#include "musicians_openapi.hpp"

#include <mmm/mmm.hpp>

namespace mmm::musicians {
namespace {

class MusiciansPlugin final : public Plugin {
 public:
  ConfigSchema configSchema() const override {
    using S = ConfigSchema;
    // Entries added to the built-in vocabularies (slugs: lowercase ASCII and '-').
    return S::map({
        {"instruments", S::list(S::map({
                                    {"slug", S::string().required()},
                                    {"name", S::string().required()},
                                    {"family", S::string().oneOf(instrumentFamilies()).withDefault("other")},
                                }))
                            .withDefault("[]")},
        {"genres", S::list(S::map({
                               {"slug", S::string().required()},
                               {"name", S::string().required()},
                           }))
                       .withDefault("[]")},
    });
  }

  void start(Host& host) override {
    try {
      instruments_ = std::make_unique<Vocabulary>(builtInInstruments(), entriesFromConfig(host.config()["instruments"]), true);
      genres_ = std::make_unique<Vocabulary>(builtInGenres(), entriesFromConfig(host.config()["genres"]), false);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string("plugin 'musicians': ") + e.what());
    }
    host.store().migrate("musicians", MusicianRepository::migrations(host.store().dialect()));
    profiles_ = host.services().find<ProfileDirectory>();
    if (!profiles_) throw std::runtime_error("the users plugin's profile directory is not available");
    api_ = std::make_unique<MusiciansApi>(host.store(), *profiles_, *instruments_, *genres_, host.logger());

    MusiciansApi& api = *api_;
    host.route("GET", "/v1/instruments", [&api](Request& r) { return api.instruments(r); });
    host.route("GET", "/v1/genres", [&api](Request& r) { return api.genres(r); });
    host.route("GET", "/v1/musicians", [&api](Request& r) { return api.search(r); });
    host.route("GET", "/v1/musicians/{id}", [&api](Request& r) { return api.get(r); });
    host.route("PUT", "/v1/musicians/{id}", [&api](Request& r) { return api.put(r); });
    describeRoutes(host);
    host.services().provide<MusicianDirectory>(std::make_shared<Directory>(host.store(), *instruments_, *genres_));
    host.logger()->info("{} instruments, {} genres", instruments_->entries().size(), genres_->entries().size());
  }

 private:
  std::unique_ptr<Vocabulary> instruments_, genres_;
  std::shared_ptr<ProfileDirectory> profiles_;
  std::unique_ptr<MusiciansApi> api_;
};

}  // namespace
}  // namespace mmm::musicians

MMM_PLUGIN(musicians, mmm::musicians::MusiciansPlugin, "1.0.0", "users", "")
