// The chat plugin's service for other plugins' channels (the meetups plugin's event
// channels): private channels whose membership the owning plugin keeps in step. Each call
// runs in the caller's transaction, so an event and its channel change together; the
// notify calls come after the commit, to push the change to browsers.
#pragma once

#include <mmm/abi.hpp>
#include <mmm/store.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mmm {

class MMM_EXPORT ManagedChannels {
 public:
  static constexpr const char* kServiceName = "mmm.chat.managed-channels";
  static constexpr int kServiceVersion = 2;  // 2: describe()
  virtual ~ManagedChannels() = default;

  /// A channel as describe() finds it.
  struct State {
    std::string name;
    std::vector<std::int64_t> members;  // sorted
  };

  /// A new private channel named `name`, created by `creatorId`, with `memberIds` (the
  /// creator included). Users cannot delete it through the chat API; its owner does.
  virtual std::int64_t create(DbSession& tx, const std::string& name, std::int64_t creatorId,
                              const std::vector<std::int64_t>& memberIds) = 0;
  virtual bool exists(DbSession& tx, std::int64_t channelId) = 0;
  virtual void rename(DbSession& tx, std::int64_t channelId, const std::string& name) = 0;
  /// Idempotent.
  virtual void addMember(DbSession& tx, std::int64_t channelId, std::int64_t userId) = 0;
  /// Idempotent.
  virtual void removeMember(DbSession& tx, std::int64_t channelId, std::int64_t userId) = 0;
  virtual std::vector<std::int64_t> members(DbSession& tx, std::int64_t channelId) = 0;
  /// Those of `channelIds` that exist, with their names and members, in a few queries
  /// however many ids are asked for (the owner checks its channels in batches).
  virtual std::map<std::int64_t, State> describe(DbSession& tx, const std::vector<std::int64_t>& channelIds) = 0;
  /// Deletes the channel with its messages and members.
  virtual void remove(DbSession& tx, std::int64_t channelId) = 0;

  /// After the commit: tell the channel's members it exists (channel-new).
  virtual void notifyCreated(std::int64_t channelId) = 0;
  /// After the commit: tell the channel's members it changed (channel-update).
  virtual void notifyChanged(std::int64_t channelId) = 0;
  /// After the commit: tell its former members it is gone (channel-delete).
  virtual void notifyDeleted(std::int64_t channelId, const std::vector<std::int64_t>& formerMembers) = 0;
};

/// The chat plugin's service for posting into another plugin's channel on behalf of a user
/// (the meetups plugin's "Cancelled: …" message), whether or not that user is a member. A
/// service of its own so that ManagedChannels' implementers are not broken (ABI 4.4).
class MMM_EXPORT ChannelAnnouncements {
 public:
  static constexpr const char* kServiceName = "mmm.chat.announcements";
  static constexpr int kServiceVersion = 1;
  virtual ~ChannelAnnouncements() = default;

  /// Posts `body` (plain text, at most the chat's message length: cut there) as a message
  /// of `authorId` in the channel, in the caller's transaction; returns its id.
  virtual std::int64_t post(DbSession& tx, std::int64_t channelId, std::int64_t authorId, const std::string& body) = 0;
  /// After the commit: pushes the message to the channel's members (message-new).
  virtual void notifyPosted(std::int64_t channelId, std::int64_t messageId) = 0;
};

}  // namespace mmm
