// Profiles: a user as others see it, and the directory service the users plugin provides
// for the other plugins (look up by id, one or many at a time).
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

class MMM_EXPORT ProfileDirectory {
 public:
  static constexpr const char* kServiceName = "mmm.profiles";
  static constexpr int kServiceVersion = 1;
  virtual ~ProfileDirectory() = default;
  virtual std::optional<Profile> find(std::int64_t id) = 0;
  /// The profiles of those `ids` that exist, in one query.
  virtual std::map<std::int64_t, Profile> findMany(const std::vector<std::int64_t>& ids) = 0;
};

}  // namespace mmm
