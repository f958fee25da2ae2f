// A test plugin that uses the musicians plugin's MusicianDirectory the way other plugins
// (line-ups) will: looked up optionally at start, so it runs, with less, without it.
//   GET /consumer/musicians/{id}      the directory's summary, or 404 when none was saved
//   GET /consumer/instruments/{slug}  "yes" or "no" (isInstrument), with the vocabulary's size
//   GET /consumer/directory           "present" or "absent"
#include <mmm/mmm.hpp>
#include <mmm/musicians.hpp>

#include <charconv>

namespace {

class MusicianConsumer final : public mmm::Plugin {
 public:
  void start(mmm::Host& host) override {
    directory_ = host.services().find<mmm::MusicianDirectory>();  // nullptr while musicians is disabled
    host.route("GET", "/consumer/directory", [this](mmm::Request&) {
      return mmm::Response::text(200, directory_ ? "present" : "absent");
    });
    host.route("GET", "/consumer/instruments/{slug}", [this](mmm::Request& request) {
      if (!directory_) throw mmm::HttpError(503, "no musician directory");
      const bool known = directory_->isInstrument(request.param("slug"));
      return mmm::Response::text(200, std::string(known ? "yes " : "no ") + std::to_string(directory_->instruments().size()) +
                                          " " + std::to_string(directory_->genres().size()));
    });
    host.route("GET", "/consumer/musicians/{id}", [this](mmm::Request& request) {
      if (!directory_) throw mmm::HttpError(503, "no musician directory");
      const auto id = mmm::pathId(request.param("id"), "musician");
      auto found = directory_->findMany({id, id + 1000000});
      auto one = directory_->find(id);
      if (!one) throw mmm::HttpError(404, "no saved profile");
      if (found.size() != 1 || found.count(id) != 1) throw mmm::HttpError(500, "findMany disagrees with find");
      mmm::JsonWriter json;
      json.beginObject().field("userId", one->userId).key("instruments").beginArray();
      for (const auto& skill : one->instruments)
        json.beginObject().field("slug", skill.slug).field("level", mmm::levelName(skill.level)).endObject();
      json.endArray().key("genres").beginArray();
      for (const auto& genre : one->genres) json.value(genre);
      json.endArray().field("available", one->available).key("area");
      if (one->area)
        json.beginObject().field("name", one->area->name).field("lat", one->area->lat).field("lon", one->area->lon).endObject();
      else
        json.null();
      return mmm::Response::json(200, json.endObject().take());
    });
  }

 private:
  std::shared_ptr<mmm::MusicianDirectory> directory_;
};

}  // namespace

MMM_PLUGIN(musician_consumer, MusicianConsumer, "1.0.0", "", "musicians")
