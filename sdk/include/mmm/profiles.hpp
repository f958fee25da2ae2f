// Profiles: a user as others see it, and the directory services the users plugin provides
// for the other plugins (look up by id, one or many at a time; ids by user name).
#pragma once

#include <mmm/abi.hpp>
#include <mmm/json_writer.hpp>

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmm {

struct Profile {
  std::int64_t id = 0;
  std::string userName, firstName, lastName, photoURL;

  /// {"id","userName","firstName","lastName","photoURL"}: never an email or a hash.
  Poco::JSON::Object::Ptr toJson() const {
    Poco::JSON::Object::Ptr json = new Poco::JSON::Object;
    json->set("id", static_cast<Poco::Int64>(id));
    json->set("userName", userName);
    json->set("firstName", firstName);
    json->set("lastName", lastName);
    json->set("photoURL", photoURL);
    return json;
  }
  /// The same object, written straight into `json` (the hot paths' way).
  void writeJson(JsonWriter& json) const {
    json.beginObject()
        .field("firstName", firstName)
        .field("id", id)
        .field("lastName", lastName)
        .field("photoURL", photoURL)
        .field("userName", userName)
        .endObject();
  }
};

/// Profiles written to JSON once each, for answers that name the same people many times:
/// a page of a hundred messages by three authors renders three profiles, not a hundred.
class RenderedProfiles {
 public:
  RenderedProfiles() = default;
  explicit RenderedProfiles(const std::map<std::int64_t, Profile>& profiles) {
    for (const auto& [id, profile] : profiles) {
      JsonWriter json(192);
      profile.writeJson(json);
      rendered_.emplace(id, json.take());
    }
  }
  /// The profile of `id` as a JSON object, or null when there is none.
  void write(JsonWriter& json, std::int64_t id) const {
    if (auto it = rendered_.find(id); it != rendered_.end())
      json.raw(it->second);
    else
      json.null();
  }
  bool contains(std::int64_t id) const { return rendered_.count(id) != 0; }

 private:
  std::map<std::int64_t, std::string> rendered_;
};

class MMM_EXPORT ProfileDirectory {
 public:
  static constexpr const char* kServiceName = "mmm.profiles";
  static constexpr int kServiceVersion = 1;
  virtual ~ProfileDirectory() = default;
  virtual std::optional<Profile> find(std::int64_t id) = 0;
  /// The profiles of those `ids` that exist, in one query.
  virtual std::map<std::int64_t, Profile> findMany(const std::vector<std::int64_t>& ids) = 0;
};

/// Users by their userName, compared as the users plugin compares names (Unicode NFKC and
/// case folding: "@ANN" names ann): what the chat plugin resolves @mentions with. A separate
/// service, so that ProfileDirectory's implementers are not broken by it (ABI 4.2).
class MMM_EXPORT UserNameDirectory {
 public:
  static constexpr const char* kServiceName = "mmm.user-names";
  static constexpr int kServiceVersion = 1;
  virtual ~UserNameDirectory() = default;
  /// For each of `names` that is some user's, that user's id, keyed by the name as given;
  /// in a few queries however many names there are.
  virtual std::map<std::string, std::int64_t> resolve(const std::vector<std::string>& names) = 0;
};

}  // namespace mmm
