#include "chat_repository.hpp"

#include <mmm/error.hpp>
#include <mmm/text.hpp>
#include <mmm/time.hpp>

#include <algorithm>
#include <map>
#include <string_view>
#include <variant>
#include <vector>

using namespace Poco::Data::Keywords;

namespace mmm::chat {
namespace {

constexpr std::size_t kQuoteChars = 200;  // of a replied-to message (API.md)

constexpr const char* kChannelColumns =
    "SELECT id, name, description, is_private, creator_id, managed, created_at, edited_at FROM chat_channels ";
constexpr const char* kMessageColumns =
    "SELECT id, channel_id, body, creator_id, created_at, edited_at, seq, reply_to, details FROM chat_messages ";
// The bits of chat_messages.details: what a message may have in the other tables. Set
// when a reaction or mention is written and never cleared, so a clear bit means none
// and a page's reads skip the messages without (most have neither).
constexpr std::int64_t kMayHaveReactions = 1, kMayHaveMentions = 2;

// One statement of `term` (a SELECT) repeated, joined by UNION ALL: for as many terms as
// forEachInList's padded slices have (powers of two), built once each.
class UnionShapes {
 public:
  static constexpr std::size_t kMaxTerms = 64;
  explicit UnionShapes(std::string_view term) {
    for (std::size_t terms = 1; terms <= kMaxTerms; terms *= 2) {
      std::string sql;
      sql.reserve(terms * (term.size() + 11));
      for (std::size_t i = 0; i < terms; ++i) {
        if (i) sql += " UNION ALL ";
        sql += term;
      }
      shapes_.push_back(std::move(sql));
    }
  }
  /// The statement of `terms` terms (a power of two, at most kMaxTerms).
  const std::string& of(std::size_t terms) const {
    std::size_t shape = 0;
    while ((std::size_t{1} << shape) < terms) ++shape;
    return shapes_.at(shape);
  }

 private:
  std::vector<std::string> shapes_;
};

Channel channelFrom(const SqlRow& r) {
  return {r.int64(0), r.text(1), r.text(2), r.int64(3) != 0, r.int64(4), r.int64(5) != 0, r.int64(6), r.int64(7), {}};
}

std::vector<Channel> selectChannels(Store& store, DbSession& session, const std::string& sql,
                                    std::initializer_list<SqlValue> params) {
  std::vector<Channel> channels;
  store.query(session, sql, params, [&](const SqlRow& r) { channels.push_back(channelFrom(r)); });
  return channels;
}

// The reactions, quotes and mentions of several messages, in a few queries each: IN lists
// of the ids of those that may have reactions or mentions (`details`, in the order of
// `messages`), and of the ids they reply to.
void attachDetails(Store& store, DbSession& session, std::vector<Message>& messages,
                   const std::vector<std::int64_t>& details) {
  if (messages.empty()) return;
  std::map<std::int64_t, Message*> byId;
  std::vector<std::int64_t> reacted, mentioning, quoted;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    auto& m = messages[i];
    if (details[i]) byId[m.id] = &m;
    if (details[i] & kMayHaveReactions) reacted.push_back(m.id);
    if (details[i] & kMayHaveMentions) mentioning.push_back(m.id);
    if (m.replyTo) quoted.push_back(m.replyTo->id);
  }
  forEachInList(reacted, [&](const std::string& marks, const std::vector<SqlValue>& values) {
    store.query(session, "SELECT message_id, emoji, user_id FROM chat_reactions WHERE message_id IN (" + marks + ") ORDER BY id",
                values, [&](const SqlRow& r) {
                  auto& reactions = byId[r.int64(0)]->reactions;
                  auto emoji = r.text(1);
                  auto it = std::find_if(reactions.begin(), reactions.end(), [&](const Reaction& x) { return x.emoji == emoji; });
                  if (it == reactions.end()) it = reactions.insert(reactions.end(), Reaction{std::move(emoji), {}});
                  it->userIds.push_back(r.int64(2));
                });
  });
  forEachInList(mentioning, [&](const std::string& marks, const std::vector<SqlValue>& values) {
    store.query(session, "SELECT message_id, user_id FROM chat_mentions WHERE message_id IN (" + marks + ") ORDER BY ordinal",
                values, [&](const SqlRow& r) { byId[r.int64(0)]->mentions.push_back(r.int64(1)); });
  });
  if (quoted.empty()) return;
  std::map<std::int64_t, Quote> quotes;
  forEachInList(quoted, [&](const std::string& marks, const std::vector<SqlValue>& values) {
    store.query(session, "SELECT id, body, creator_id FROM chat_messages WHERE id IN (" + marks + ")", values,
                [&](const SqlRow& r) {
                  quotes[r.int64(0)] = Quote{r.int64(0), false, std::string(truncateUtf8(r.text(1), kQuoteChars)), r.int64(2)};
                });
  });
  for (auto& m : messages)
    if (m.replyTo)
      if (auto it = quotes.find(m.replyTo->id); it != quotes.end()) m.replyTo = it->second;
}

// The messages `sql` selects (kMessageColumns), with their reactions, quotes and mentions.
// `expected`: how many rows there may be (a page's LIMIT), room made for them at once.
std::vector<Message> selectMessages(Store& store, DbSession& session, const std::string& sql,
                                    std::initializer_list<SqlValue> params, std::int64_t expected = 1) {
  std::vector<Message> messages;
  std::vector<std::int64_t> details;
  const auto room = static_cast<std::size_t>(std::clamp<std::int64_t>(expected, 0, 256));
  messages.reserve(room);
  details.reserve(room);
  store.query(session, sql, params, [&](const SqlRow& r) {
    messages.push_back({r.int64(0), r.int64(1), r.text(2), r.int64(3), r.int64(4), r.int64(5), r.int64(6), {}, {}, {}});
    if (const auto replyTo = r.int64(7)) messages.back().replyTo = Quote{replyTo, true, {}, 0};
    details.push_back(r.int64(8));
  });
  attachDetails(store, session, messages, details);
  return messages;
}

// Members of several channels in a few queries (IN lists of bounded length).
void attachMembers(Store& store, DbSession& session, std::vector<Channel>& channels) {
  std::map<std::int64_t, Channel*> byId;
  std::vector<std::int64_t> ids;
  ids.reserve(channels.size());
  for (auto& c : channels) {
    byId[c.id] = &c;
    ids.push_back(c.id);
  }
  forEachInList(ids, [&](const std::string& marks, const std::vector<SqlValue>& values) {
    store.query(session, "SELECT channel_id, user_id FROM chat_members WHERE channel_id IN (" + marks + ") ORDER BY user_id",
                values, [&](const SqlRow& r) { byId[r.int64(0)]->members.push_back(r.int64(1)); });
  });
}

// Locks the channel's row until the transaction ends (an UPDATE that changes nothing still
// takes the row lock on MariaDB; SQLite's BEGIN IMMEDIATE has the whole database already).
// Whatever writes a channel's messages takes this lock first, as postMessage does, so that
// writers queue on it instead of deadlocking on MariaDB.
// `mentions` are distinct.
void insertMentions(DbSession& tx, Poco::Int64 message, const std::vector<std::int64_t>& mentions) {
  if (!mentions.empty()) {
    Poco::Int64 bit = kMayHaveMentions;
    tx << "UPDATE chat_messages SET details = details | ? WHERE id = ?", use(bit), use(message), now;
  }
  Poco::Int64 ordinal = 0;
  for (Poco::Int64 user : mentions) {
    ++ordinal;
    tx << "INSERT INTO chat_mentions (message_id, user_id, ordinal) VALUES (?, ?, ?)", use(message), use(user),
        use(ordinal), now;
  }
}

void lockChannel(DbSession& tx, Poco::Int64 channel) {
  tx << "UPDATE chat_channels SET last_seq = last_seq WHERE id = ?", use(channel), now;
}

}  // namespace

std::vector<Migration> ChatRepository::migrations(Dialect dialect) {
  // Messages already there are numbered 1, 2, 3… per channel in id order.
  const char* numberExisting =
      dialect == Dialect::MySQL
          ? "UPDATE chat_messages m JOIN (SELECT id, ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY id) AS n"
            " FROM chat_messages) numbered ON numbered.id = m.id SET m.seq = numbered.n"
          : "UPDATE chat_messages SET seq = numbered.n FROM (SELECT id, ROW_NUMBER() OVER"
            " (PARTITION BY channel_id ORDER BY id) AS n FROM chat_messages) AS numbered"
            " WHERE numbered.id = chat_messages.id";
  return {
      {1,
       "channels, members and messages",
       {"CREATE TABLE chat_channels ("
        " id {{pk}},"
        " name VARCHAR(255) NOT NULL,"
        " description VARCHAR(4000) NOT NULL,"
        " is_private INTEGER NOT NULL,"
        " creator_id BIGINT NOT NULL DEFAULT 0,"
        " managed INTEGER NOT NULL DEFAULT 0,"
        " created_at BIGINT NOT NULL,"
        " edited_at BIGINT NOT NULL DEFAULT 0"
        "){{table_options}}",
        "CREATE TABLE chat_members ("
        " channel_id BIGINT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,"
        " user_id BIGINT NOT NULL,"
        " PRIMARY KEY (channel_id, user_id)"
        "){{table_options}}",
        "CREATE INDEX chat_members_user ON chat_members (user_id, channel_id)",
        "CREATE TABLE chat_messages ("
        " id {{pk}},"
        " channel_id BIGINT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,"
        " body VARCHAR(4096) NOT NULL,"
        " creator_id BIGINT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " edited_at BIGINT NOT NULL DEFAULT 0"
        "){{table_options}}",
        // History pages are ranges of message ids within a channel.
        "CREATE INDEX chat_messages_channel ON chat_messages (channel_id, id)"}},
      {2,
       "the General channel",
       {"INSERT INTO chat_channels (name, description, is_private, creator_id, managed, created_at) "
        "VALUES ('General', 'Everyone is here', 0, 0, 0, {{now_ms}})"}},
      // Lists show the channels with the latest message first; the public ones come off this
      // index already in order, a page at a time.
      {3,
       "channels ordered by their latest message",
       {"ALTER TABLE chat_channels ADD COLUMN last_message_id BIGINT NOT NULL DEFAULT 0",
        "UPDATE chat_channels SET last_message_id ="
        " COALESCE((SELECT MAX(m.id) FROM chat_messages m WHERE m.channel_id = chat_channels.id), 0)",
        "CREATE INDEX chat_channels_recent ON chat_channels (is_private, last_message_id DESC, id)"}},
      // A message's seq comes from its channel's counter, taken in the posting transaction
      // (postMessage): ids are allocated at INSERT and promise nothing about commit order, so
      // a reader resuming after the last id it saw could miss one. History pages by seq.
      {4,
       "per-channel message sequence numbers",
       {"ALTER TABLE chat_channels ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE chat_messages ADD COLUMN seq BIGINT NOT NULL DEFAULT 0", numberExisting,
        "UPDATE chat_channels SET last_seq ="
        " COALESCE((SELECT MAX(m.seq) FROM chat_messages m WHERE m.channel_id = chat_channels.id), 0)",
        "CREATE UNIQUE INDEX chat_messages_seq ON chat_messages (channel_id, seq)"}},
      // A row per person and emoji on a message; the id gives first-use order. The emoji
      // compare byte for byte ({{bin}}): MariaDB's default collation finds 👍 and 👎 equal.
      {5,
       "reactions",
       {"CREATE TABLE chat_reactions ("
        " id {{pk}},"
        " message_id BIGINT NOT NULL,"
        " emoji VARCHAR(32) {{bin}} NOT NULL,"
        " user_id BIGINT NOT NULL"
        "){{table_options}}",
        "CREATE UNIQUE INDEX chat_reactions_one ON chat_reactions (message_id, emoji, user_id)"}},
      // The message one answers (0: none). No foreign key: the answer stays when the
      // message it quotes is deleted, and shows it deleted.
      {6, "replies", {"ALTER TABLE chat_messages ADD COLUMN reply_to BIGINT NOT NULL DEFAULT 0"}},
      // Who a message names, in the order it does; by user too, to count one's unread mentions.
      {7,
       "mentions",
       {"CREATE TABLE chat_mentions ("
        " message_id BIGINT NOT NULL,"
        " user_id BIGINT NOT NULL,"
        " ordinal INTEGER NOT NULL,"
        " PRIMARY KEY (message_id, user_id)"
        "){{table_options}}",
        "CREATE INDEX chat_mentions_user ON chat_mentions (user_id, message_id)"}},
      // Each reader's marker in a channel: the seq of the last message they have read.
      {8,
       "read markers",
       {"CREATE TABLE chat_reads ("
        " user_id BIGINT NOT NULL,"
        " channel_id BIGINT NOT NULL,"
        " last_read BIGINT NOT NULL,"
        " PRIMARY KEY (user_id, channel_id)"
        "){{table_options}}"}},
      // What a message may have in chat_reactions and chat_mentions (kMayHaveReactions,
      // kMayHaveMentions): a page of history asks those tables about these messages only.
      {9,
       "messages mark what reactions and mentions they may have",
       {"ALTER TABLE chat_messages ADD COLUMN details INTEGER NOT NULL DEFAULT 0",
        "UPDATE chat_messages SET details ="
        " (CASE WHEN EXISTS (SELECT 1 FROM chat_reactions r WHERE r.message_id = chat_messages.id) THEN 1 ELSE 0 END) +"
        " (CASE WHEN EXISTS (SELECT 1 FROM chat_mentions x WHERE x.message_id = chat_messages.id) THEN 2 ELSE 0 END)"}},
  };
}

std::int64_t ChatRepository::createChannel(DbSession& tx, const Sql& sql, const Channel& c) {
  Channel channel = c;
  Poco::Int64 isPrivate = c.isPrivate, managed = c.managed, created = nowMillis();
  tx << "INSERT INTO chat_channels (name, description, is_private, creator_id, managed, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
      use(channel.name), use(channel.description), use(isPrivate), use(channel.creatorId), use(managed), use(created),
      now;
  Poco::Int64 id = 0;
  tx << sql.lastInsertId(), into(id), now;
  for (auto user : c.members) addMember(tx, sql, id, user);
  return id;
}

std::optional<Channel> ChatRepository::channel(Store& store, DbSession& session, std::int64_t id) {
  static const std::string sql = std::string(kChannelColumns) + "WHERE id = ?";
  auto channels = selectChannels(store, session, sql, {id});
  if (channels.empty()) return std::nullopt;
  attachMembers(store, session, channels);
  return channels.front();
}

std::vector<Channel> ChatRepository::visibleTo(Store& store, DbSession& session, std::int64_t userId,
                                              const Page& page, Kinds kinds) {
  // The page is the top offset+limit of the public channels (read in order off an index)
  // merged with the top offset+limit of the caller's private ones: the database reads and
  // sorts no more than that, however many channels there are.
  static const std::string columns =
      "c.id, c.name, c.description, c.is_private, c.creator_id, c.managed, c.created_at, c.edited_at, c.last_message_id";
  static const std::string publicOnes = "SELECT " + columns + " FROM chat_channels c WHERE c.is_private = 0";
  static const std::string privateOnes = "SELECT " + columns +
                                         " FROM chat_members m JOIN chat_channels c ON c.id = m.channel_id"
                                         " WHERE m.user_id = ? AND c.is_private = 1";
  static const std::string order = " ORDER BY c.last_message_id DESC, c.id LIMIT ?";
  static const std::string both =
      "SELECT id, name, description, is_private, creator_id, managed, created_at, edited_at FROM ("
      " SELECT * FROM (" + publicOnes + order + ") public_top"
      " UNION ALL"
      " SELECT * FROM (" + privateOnes + order + ") private_top"
      ") visible ORDER BY last_message_id DESC, id LIMIT ? OFFSET ?";
  // One kind: that half alone (selectChannels reads the first eight columns).
  static const std::string publicPage = publicOnes + order + " OFFSET ?";
  static const std::string privatePage = privateOnes + order + " OFFSET ?";
  const std::int64_t reach = page.offset + page.limit, limit = page.limit;
  std::vector<Channel> channels;
  switch (kinds) {
    case Kinds::Both:
      channels = selectChannels(store, session, both, {reach, userId, reach, limit, page.offset});
      break;
    case Kinds::Public:
      channels = selectChannels(store, session, publicPage, {limit, page.offset});
      break;
    case Kinds::Private:
      channels = selectChannels(store, session, privatePage, {userId, limit, page.offset});
      break;
  }
  attachMembers(store, session, channels);
  return channels;
}

std::vector<Channel> ChatRepository::channels(Store& store, DbSession& session, const std::vector<std::int64_t>& ids) {
  std::vector<Channel> channels;
  forEachInList(ids, [&](const std::string& marks, const std::vector<SqlValue>& values) {
    store.query(session, std::string(kChannelColumns) + "WHERE id IN (" + marks + ")", values,
                [&](const SqlRow& r) { channels.push_back(channelFrom(r)); });
  });
  attachMembers(store, session, channels);
  return channels;
}

void ChatRepository::updateChannel(DbSession& tx, std::int64_t id, const std::optional<std::string>& name,
                                   const std::optional<std::string>& description) {
  Poco::Int64 key = id, at = nowMillis();
  if (name) {
    std::string value = *name;
    tx << "UPDATE chat_channels SET name = ? WHERE id = ?", use(value), use(key), now;
  }
  if (description) {
    std::string value = *description;
    tx << "UPDATE chat_channels SET description = ? WHERE id = ?", use(value), use(key), now;
  }
  tx << "UPDATE chat_channels SET edited_at = ? WHERE id = ?", use(at), use(key), now;
}

void ChatRepository::deleteChannel(DbSession& tx, std::int64_t id) {
  Poco::Int64 key = id;
  lockChannel(tx, key);
  // Its messages next, as a reaction's writer locks its message first: no lock cycle.
  tx << "UPDATE chat_messages SET seq = seq WHERE channel_id = ?", use(key), now;
  tx << "DELETE FROM chat_reactions WHERE message_id IN (SELECT id FROM chat_messages WHERE channel_id = ?)", use(key),
      now;
  tx << "DELETE FROM chat_mentions WHERE message_id IN (SELECT id FROM chat_messages WHERE channel_id = ?)", use(key),
      now;
  tx << "DELETE FROM chat_messages WHERE channel_id = ?", use(key), now;
  tx << "DELETE FROM chat_members WHERE channel_id = ?", use(key), now;
  tx << "DELETE FROM chat_reads WHERE channel_id = ?", use(key), now;
  tx << "DELETE FROM chat_channels WHERE id = ?", use(key), now;
}

bool ChatRepository::isMember(Store& store, DbSession& session, std::int64_t channelId, std::int64_t userId) {
  static const std::string sql = "SELECT COUNT(*) FROM chat_members WHERE channel_id = ? AND user_id = ?";
  std::int64_t count = 0;
  store.query(session, sql, {channelId, userId}, [&](const SqlRow& r) { count = r.int64(0); });
  return count > 0;
}

std::optional<bool> ChatRepository::canRead(Store& store, DbSession& session, std::int64_t channelId,
                                            std::int64_t userId) {
  static const std::string sql =
      "SELECT is_private = 0 OR EXISTS (SELECT 1 FROM chat_members m WHERE m.channel_id = c.id AND m.user_id = ?)"
      " FROM chat_channels c WHERE c.id = ?";
  std::optional<bool> can;
  store.query(session, sql, {userId, channelId}, [&](const SqlRow& r) { can = r.int64(0) != 0; });
  return can;
}

bool ChatRepository::addMember(DbSession& tx, const Sql& sql, std::int64_t channelId, std::int64_t userId) {
  Poco::Int64 channel = channelId, user = userId;
  Poco::Data::Statement insert(tx);
  insert << sql.insertIgnore("chat_members", {"channel_id", "user_id"}), use(channel), use(user);
  return insert.execute() == 1;
}

bool ChatRepository::removeMember(DbSession& tx, std::int64_t channelId, std::int64_t userId) {
  Poco::Int64 channel = channelId, user = userId;
  Poco::Data::Statement remove(tx);
  remove << "DELETE FROM chat_members WHERE channel_id = ? AND user_id = ?", use(channel), use(user);
  return remove.execute() == 1;
}

std::vector<std::int64_t> ChatRepository::members(DbSession& session, std::int64_t channelId) {
  Poco::Int64 channel = channelId;
  std::vector<Poco::Int64> users;
  session << "SELECT user_id FROM chat_members WHERE channel_id = ? ORDER BY user_id", use(channel), into(users), now;
  return {users.begin(), users.end()};
}

std::int64_t ChatRepository::postMessage(DbSession& tx, const Sql& sql, std::int64_t channelId, std::int64_t userId,
                                         const std::string& body, std::int64_t replyTo,
                                         const std::vector<std::int64_t>& mentions) {
  Poco::Int64 channel = channelId, user = userId, at = nowMillis(), quoted = replyTo;
  std::string text = body;
  // The UPDATE locks the channel's row until COMMIT (on SQLite the whole database is): the
  // next poster to this channel waits here, so seq n+1 is never visible before seq n, and a
  // rolled-back post gives its number back with the rest of its transaction.
  Poco::Data::Statement count(tx);
  count << "UPDATE chat_channels SET last_seq = last_seq + 1 WHERE id = ?", use(channel);
  // On MariaDB the caller's check read a snapshot: the channel may have been deleted since.
  if (count.execute() == 0) throw HttpError(404, "no such channel");
  Poco::Int64 seq = 0;
  tx << "SELECT last_seq FROM chat_channels WHERE id = ?", use(channel), into(seq), now;
  tx << "INSERT INTO chat_messages (channel_id, seq, body, creator_id, created_at, reply_to) VALUES (?, ?, ?, ?, ?, ?)",
      use(channel), use(seq), use(text), use(user), use(at), use(quoted), now;
  Poco::Int64 id = 0;
  tx << sql.lastInsertId(), into(id), now;
  insertMentions(tx, id, mentions);
  tx << "UPDATE chat_channels SET last_message_id = ? WHERE id = ? AND last_message_id < ?", use(id), use(channel),
      use(id), now;
  return id;
}

std::optional<Message> ChatRepository::message(Store& store, DbSession& session, std::int64_t id) {
  static const std::string sql = std::string(kMessageColumns) + "WHERE id = ?";
  auto messages = selectMessages(store, session, sql, {id});
  if (messages.empty()) return std::nullopt;
  return messages.front();
}

std::vector<Message> ChatRepository::history(Store& store, DbSession& session, std::int64_t channelId,
                                             const HistoryQuery& query) {
  static const std::string afterSeq =
      std::string(kMessageColumns) + "WHERE channel_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?";
  static const std::string beforeSeq =
      std::string(kMessageColumns) + "WHERE channel_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?";
  static const std::string afterId =
      std::string(kMessageColumns) + "WHERE channel_id = ? AND id > ? ORDER BY id ASC LIMIT ?";
  static const std::string beforeId =
      std::string(kMessageColumns) + "WHERE channel_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
  static const std::string newest = std::string(kMessageColumns) + "WHERE channel_id = ? ORDER BY seq DESC LIMIT ?";
  const std::int64_t limit = query.limit;
  const bool bySeq = query.by == HistoryQuery::By::Seq;
  if (query.after)
    return selectMessages(store, session, bySeq ? afterSeq : afterId, {channelId, *query.after, limit}, limit);
  if (query.before)
    return selectMessages(store, session, bySeq ? beforeSeq : beforeId, {channelId, *query.before, limit}, limit);
  return selectMessages(store, session, newest, {channelId, limit}, limit);
}

void ChatRepository::editMessage(DbSession& tx, std::int64_t id, const std::string& body,
                                 const std::vector<std::int64_t>& mentions) {
  Poco::Int64 key = id, at = nowMillis();
  std::string text = body;
  tx << "UPDATE chat_messages SET body = ?, edited_at = ? WHERE id = ?", use(text), use(at), use(key), now;
  tx << "DELETE FROM chat_mentions WHERE message_id = ?", use(key), now;
  insertMentions(tx, id, mentions);
}

std::optional<std::int64_t> ChatRepository::channelOf(Store& store, DbSession& session, std::int64_t id) {
  static const std::string sql = "SELECT channel_id FROM chat_messages WHERE id = ?";
  std::optional<std::int64_t> channel;
  store.query(session, sql, {id}, [&](const SqlRow& r) { channel = r.int64(0); });
  return channel;
}

bool ChatRepository::lockMessage(DbSession& tx, std::int64_t id) {
  Poco::Int64 key = id;
  // Sets nothing new, so MariaDB reports no changed row: the SELECT tells whether it exists.
  tx << "UPDATE chat_messages SET seq = seq WHERE id = ?", use(key), now;
  Poco::Int64 found = 0;
  tx << "SELECT COUNT(*) FROM chat_messages WHERE id = ?", use(key), into(found), now;
  return found > 0;
}

bool ChatRepository::addReaction(DbSession& tx, const Sql& sql, std::int64_t messageId, const std::string& emoji,
                                 std::int64_t userId) {
  Poco::Int64 message = messageId, user = userId;
  std::string text = emoji;
  Poco::Data::Statement insert(tx);
  insert << sql.insertIgnore("chat_reactions", {"message_id", "emoji", "user_id"}), use(message), use(text), use(user);
  if (insert.execute() != 1) return false;
  Poco::Int64 bit = kMayHaveReactions;
  tx << "UPDATE chat_messages SET details = details | ? WHERE id = ?", use(bit), use(message), now;
  return true;
}

bool ChatRepository::removeReaction(DbSession& tx, std::int64_t messageId, const std::string& emoji,
                                    std::int64_t userId) {
  Poco::Int64 message = messageId, user = userId;
  std::string text = emoji;
  Poco::Data::Statement remove(tx);
  remove << "DELETE FROM chat_reactions WHERE message_id = ? AND emoji = ? AND user_id = ?", use(message), use(text),
      use(user);
  return remove.execute() == 1;
}

void ChatRepository::deleteMessage(DbSession& tx, std::int64_t id, std::int64_t channelId) {
  Poco::Int64 key = id, channel = channelId;
  lockChannel(tx, channel);
  lockMessage(tx, id);  // then the message, as a reaction's writer does: no lock cycle with one
  tx << "DELETE FROM chat_reactions WHERE message_id = ?", use(key), now;
  tx << "DELETE FROM chat_mentions WHERE message_id = ?", use(key), now;
  tx << "DELETE FROM chat_messages WHERE id = ?", use(key), now;
  tx << "UPDATE chat_channels SET last_message_id ="
        " COALESCE((SELECT MAX(id) FROM chat_messages WHERE channel_id = ?), 0) WHERE id = ?",
      use(channel), use(channel), now;
}

void ChatRepository::markRead(DbSession& tx, const Sql& sql, std::int64_t channelId, std::int64_t userId,
                              std::int64_t seq) {
  Poco::Int64 channel = channelId, user = userId, read = seq;
  Poco::Data::Statement insert(tx);
  insert << sql.insertIgnore("chat_reads", {"user_id", "channel_id", "last_read"}), use(user), use(channel), use(read);
  if (insert.execute() == 1) return;
  // A marker never moves back: of two tabs marking at once, the further one wins.
  tx << "UPDATE chat_reads SET last_read = ? WHERE user_id = ? AND channel_id = ? AND last_read < ?", use(read), use(user),
      use(channel), use(read), now;
}

std::vector<std::int64_t> ChatRepository::companions(Store& store, DbSession& session, std::int64_t userId) {
  static const std::string sql =
      "SELECT DISTINCT other.user_id FROM chat_members mine"
      " JOIN chat_channels c ON c.id = mine.channel_id AND c.is_private = 1"
      " JOIN chat_members other ON other.channel_id = mine.channel_id"
      " WHERE mine.user_id = ? AND other.user_id <> ?";
  std::vector<std::int64_t> ids;
  store.query(session, sql, {userId, userId}, [&](const SqlRow& r) { ids.push_back(r.int64(0)); });
  return ids;
}

std::optional<std::int64_t> ChatRepository::seqIn(Store& store, DbSession& session, std::int64_t channelId,
                                                  std::int64_t messageId) {
  static const std::string sql = "SELECT seq FROM chat_messages WHERE id = ? AND channel_id = ?";
  std::optional<std::int64_t> seq;
  store.query(session, sql, {messageId, channelId}, [&](const SqlRow& r) { seq = r.int64(0); });
  return seq;
}

std::map<std::int64_t, ReadState> ChatRepository::readStates(Store& store, DbSession& session, std::int64_t userId,
                                                             const std::vector<std::int64_t>& channelIds) {
  std::map<std::int64_t, ReadState> states;
  for (auto id : channelIds) states[id].channelId = id;
  // A few statements for the page's channels, never a statement per channel. The unread
  // counts and the newest messages are a query per channel joined by UNION ALL, each with
  // its channel and marker as constants, so each reads only the range of the
  // (channel_id, seq) index after the marker, or the last entry of it. Over an IN list, with
  // the marker joined or the newest message's seq a correlated MAX, SQLite read every
  // message of every channel on the page, read or not: with 98,000 messages in one channel
  // read to its end, a list took 45 ms, now 0.45 ms.
  // The newest message comes first, and the counts stop at it: they hold the messages up to
  // its seq and no later one, committed meanwhile (the statements are not one snapshot). A
  // client adds the pushes of messages after that seq, and only those. (The newest message
  // by its seq found first: no derived table, which MariaDB would make a temporary table
  // of, once per channel.)
  static const UnionShapes newestMessages(
      "SELECT channel_id, id, seq, created_at FROM chat_messages"
      " WHERE channel_id = ? AND seq = (SELECT MAX(seq) FROM chat_messages WHERE channel_id = ?)");
  static const UnionShapes unreadCounts(
      "SELECT channel_id, COUNT(*) FROM chat_messages WHERE channel_id = ? AND seq > ? AND seq <= ? AND creator_id <> ?"
      " GROUP BY channel_id");
  forEachInList(
      channelIds,
      [&](const std::string& marks, const std::vector<SqlValue>& ids) {
        std::vector<SqlValue> values{userId};
        values.insert(values.end(), ids.begin(), ids.end());
        store.query(session,
                    "SELECT channel_id, last_read FROM chat_reads WHERE user_id = ? AND channel_id IN (" + marks + ")",
                    values, [&](const SqlRow& r) { states[r.int64(0)].lastRead = r.int64(1); });
        std::vector<SqlValue> twice;
        twice.reserve(ids.size() * 2);
        for (const auto& id : ids) twice.insert(twice.end(), {id, id});
        store.query(session, newestMessages.of(ids.size()), twice, [&](const SqlRow& r) {
          states[r.int64(0)].lastMessage = ReadState::Last{r.int64(1), r.int64(2), r.int64(3)};
        });
        const auto newest = [&](const SqlValue& id) -> std::int64_t {
          const auto& last = states[std::get<std::int64_t>(id)].lastMessage;
          return last ? last->seq : 0;
        };
        std::vector<SqlValue> bounds;
        bounds.reserve(ids.size() * 4);
        for (const auto& id : ids) {
          bounds.push_back(id);
          bounds.emplace_back(states[std::get<std::int64_t>(id)].lastRead);
          bounds.emplace_back(newest(id));
          bounds.emplace_back(userId);
        }
        store.query(session, unreadCounts.of(ids.size()), bounds,
                    [&](const SqlRow& r) { states[r.int64(0)].unread = r.int64(1); });
        // The reader's mentions are few next to the messages: walked once for the page,
        // each channel's after the marker read above and up to its newest message (CASEs of
        // the page's channels).
        std::string byChannel = "CASE m.channel_id";
        for (std::size_t i = 0; i < ids.size(); ++i) byChannel += " WHEN ? THEN ?";
        byChannel += " ELSE 0 END";
        std::vector<SqlValue> withAuthor{userId};
        withAuthor.insert(withAuthor.end(), ids.begin(), ids.end());
        for (const auto& id : ids) withAuthor.insert(withAuthor.end(), {id, states[std::get<std::int64_t>(id)].lastRead});
        for (const auto& id : ids) withAuthor.insert(withAuthor.end(), {id, newest(id)});
        store.query(session,
                    "SELECT m.channel_id, COUNT(*) FROM chat_mentions x JOIN chat_messages m ON m.id = x.message_id"
                    " WHERE x.user_id = ? AND m.creator_id <> x.user_id AND m.channel_id IN (" + marks + ")"
                    " AND m.seq > " + byChannel + " AND m.seq <= " + byChannel + " GROUP BY m.channel_id",
                    withAuthor, [&](const SqlRow& r) { states[r.int64(0)].mentions = r.int64(1); });
      },
      UnionShapes::kMaxTerms);
  return states;
}

}  // namespace mmm::chat
