// The chat plugin's tables: channels, their members, and messages.
#pragma once

#include <mmm/input.hpp>
#include <mmm/store.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmm::chat {

struct Channel {
  std::int64_t id = 0;
  std::string name, description;
  bool isPrivate = false;
  std::int64_t creatorId = 0;  // 0: none (General)
  bool managed = false;        // owned by another plugin (an event's channel)
  std::int64_t createdAt = 0, editedAt = 0;  // ms; editedAt 0: never
  std::vector<std::int64_t> members;
};

/// One emoji on a message and who put it there, in the order they did.
struct Reaction {
  std::string emoji;
  std::vector<std::int64_t> userIds;
};

/// The message another one answers: its id, and its first 200 characters and author while
/// it exists.
struct Quote {
  std::int64_t id = 0;
  bool deleted = true;
  std::string body;
  std::int64_t creatorId = 0;
};

struct Message {
  std::int64_t id = 0, channelId = 0;
  std::string body;
  std::int64_t creatorId = 0, createdAt = 0, editedAt = 0;
  /// The message's place in its channel: 1, 2, 3… in commit order, no gaps, never reused
  /// (a deleted message's seq stays taken).
  std::int64_t seq = 0;
  std::vector<Reaction> reactions;  // in first-use order
  std::optional<Quote> replyTo;
  std::vector<std::int64_t> mentions;  // user ids, in the order the text names them
};

/// Where one reader is in a channel: the seq of the last message they have read (0: none),
/// how many after it are others', how many of those name them, and the channel's latest.
struct ReadState {
  std::int64_t channelId = 0, lastRead = 0, unread = 0, mentions = 0;
  struct Last {
    std::int64_t id = 0, seq = 0, createdAt = 0;
  };
  std::optional<Last> lastMessage;
};

/// Which messages of a channel: the newest; or those before or after a message (its id,
/// API.md's cursors, in id order); or before or after a seq (the message's place in its
/// channel, in commit order with no gaps: a reader resuming after one misses nothing). One
/// cursor at most.
struct HistoryQuery {
  enum class By { Id, Seq };
  std::optional<std::int64_t> before, after;
  By by = By::Id;
  int limit = 100;
};

class ChatRepository {
 public:
  static std::vector<Migration> migrations(Dialect dialect);

  static std::int64_t createChannel(DbSession& tx, const Sql& sql, const Channel& channel);
  // The reads take the Store too: they run through Store::query (statements compiled once
  // per connection).
  static std::optional<Channel> channel(Store& store, DbSession& session, std::int64_t id);
  /// Which channels a list holds: the public ones and the caller's private ones, or only one
  /// kind.
  enum class Kinds { Both, Public, Private };
  /// A page of the public channels and the private ones `userId` belongs to (or only one
  /// kind), with members: the latest message first (channels without one last), then by id.
  static std::vector<Channel> visibleTo(Store& store, DbSession& session, std::int64_t userId, const Page& page,
                                        Kinds kinds = Kinds::Both);
  /// Those of `ids` that exist, with members.
  static std::vector<Channel> channels(Store& store, DbSession& session, const std::vector<std::int64_t>& ids);
  static void updateChannel(DbSession& tx, std::int64_t id, const std::optional<std::string>& name,
                            const std::optional<std::string>& description);
  static void deleteChannel(DbSession& tx, std::int64_t id);
  static bool isMember(Store& store, DbSession& session, std::int64_t channelId, std::int64_t userId);
  /// Whether `userId` may read the channel (it is public, or they are a member), in one
  /// query and without its member list; nullopt when there is no such channel.
  static std::optional<bool> canRead(Store& store, DbSession& session, std::int64_t channelId, std::int64_t userId);
  static bool addMember(DbSession& tx, const Sql& sql, std::int64_t channelId, std::int64_t userId);
  static bool removeMember(DbSession& tx, std::int64_t channelId, std::int64_t userId);
  static std::vector<std::int64_t> members(DbSession& session, std::int64_t channelId);

  /// Stores a message with the channel's next seq and returns its id. The channel's row stays
  /// locked until the transaction ends, so posters to one channel commit in seq order.
  /// HttpError 404 when the channel is gone.
  static std::int64_t postMessage(DbSession& tx, const Sql& sql, std::int64_t channelId, std::int64_t userId,
                                  const std::string& body, std::int64_t replyTo = 0,
                                  const std::vector<std::int64_t>& mentions = {});
  /// The channel of message `id`, if there is such a message.
  static std::optional<std::int64_t> channelOf(Store& store, DbSession& session, std::int64_t id);
  static std::optional<Message> message(Store& store, DbSession& session, std::int64_t id);
  static std::vector<Message> history(Store& store, DbSession& session, std::int64_t channelId,
                                      const HistoryQuery& query);
  static void editMessage(DbSession& tx, std::int64_t id, const std::string& body,
                          const std::vector<std::int64_t>& mentions);
  /// Locks the message's row until the transaction ends; false when there is no such message.
  /// Whatever changes a message's reactions takes this lock first.
  static bool lockMessage(DbSession& tx, std::int64_t id);
  /// `userId`'s `emoji` on the message; false when it was there already (or was not, to remove).
  static bool addReaction(DbSession& tx, const Sql& sql, std::int64_t messageId, const std::string& emoji,
                          std::int64_t userId);
  static bool removeReaction(DbSession& tx, std::int64_t messageId, const std::string& emoji, std::int64_t userId);
  static void deleteMessage(DbSession& tx, std::int64_t id, std::int64_t channelId);

  /// Everyone who shares a private channel with `userId`, but them.
  static std::vector<std::int64_t> companions(Store& store, DbSession& session, std::int64_t userId);
  /// Moves `userId`'s marker in the channel up to `seq`; never back.
  static void markRead(DbSession& tx, const Sql& sql, std::int64_t channelId, std::int64_t userId, std::int64_t seq);
  /// `userId`'s read state in each of `channelIds`, in four queries however many channels.
  static std::map<std::int64_t, ReadState> readStates(Store& store, DbSession& session, std::int64_t userId,
                                                      const std::vector<std::int64_t>& channelIds);
  /// The seq of message `messageId` if it is in the channel.
  static std::optional<std::int64_t> seqIn(Store& store, DbSession& session, std::int64_t channelId,
                                           std::int64_t messageId);
};

}  // namespace mmm::chat
