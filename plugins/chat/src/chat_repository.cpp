#include "chat_repository.hpp"

#include <mmm/time.hpp>

#include <map>

using namespace Poco::Data::Keywords;

namespace mmm::chat {
namespace {

constexpr const char* kChannelColumns =
    "SELECT id, name, description, is_private, creator_id, managed, created_at, edited_at FROM chat_channels ";
constexpr const char* kMessageColumns =
    "SELECT id, channel_id, body, creator_id, created_at, edited_at FROM chat_messages ";

std::vector<Channel> selectChannels(Store& store, DbSession& session, const std::string& sql,
                                    std::initializer_list<SqlValue> params) {
  std::vector<Channel> channels;
  store.query(session, sql, params, [&](const SqlRow& r) {
    channels.push_back({r.int64(0), r.text(1), r.text(2), r.int64(3) != 0, r.int64(4), r.int64(5) != 0, r.int64(6),
                        r.int64(7), {}});
  });
  return channels;
}

std::vector<Message> selectMessages(Store& store, DbSession& session, const std::string& sql,
                                    std::initializer_list<SqlValue> params) {
  std::vector<Message> messages;
  store.query(session, sql, params, [&](const SqlRow& r) {
    messages.push_back({r.int64(0), r.int64(1), r.text(2), r.int64(3), r.int64(4), r.int64(5)});
  });
  return messages;
}

// Members of several channels in one query (the IN list padded to a few shapes).
void attachMembers(Store& store, DbSession& session, std::vector<Channel>& channels) {
  if (channels.empty()) return;
  std::map<std::int64_t, Channel*> byId;
  std::vector<SqlValue> ids;
  ids.reserve(channels.size());
  for (auto& c : channels) {
    byId[c.id] = &c;
    ids.emplace_back(c.id);
  }
  padInList(ids);
  const std::string sql =
      "SELECT channel_id, user_id FROM chat_members WHERE channel_id IN (" + inListMarks(ids.size()) + ") ORDER BY user_id";
  store.query(session, sql, ids, [&](const SqlRow& r) { byId[r.int64(0)]->members.push_back(r.int64(1)); });
}

}  // namespace

std::vector<Migration> ChatRepository::migrations() {
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

std::vector<Channel> ChatRepository::visibleTo(Store& store, DbSession& session, std::int64_t userId) {
  static const std::string sql =
      std::string(kChannelColumns) +
      "WHERE is_private = 0 OR id IN (SELECT channel_id FROM chat_members WHERE user_id = ?) ORDER BY id";
  auto channels = selectChannels(store, session, sql, {userId});
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
  tx << "DELETE FROM chat_messages WHERE channel_id = ?", use(key), now;
  tx << "DELETE FROM chat_members WHERE channel_id = ?", use(key), now;
  tx << "DELETE FROM chat_channels WHERE id = ?", use(key), now;
}

bool ChatRepository::isMember(Store& store, DbSession& session, std::int64_t channelId, std::int64_t userId) {
  static const std::string sql = "SELECT COUNT(*) FROM chat_members WHERE channel_id = ? AND user_id = ?";
  std::int64_t count = 0;
  store.query(session, sql, {channelId, userId}, [&](const SqlRow& r) { count = r.int64(0); });
  return count > 0;
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
                                         const std::string& body) {
  Poco::Int64 channel = channelId, user = userId, at = nowMillis();
  std::string text = body;
  tx << "INSERT INTO chat_messages (channel_id, body, creator_id, created_at) VALUES (?, ?, ?, ?)", use(channel),
      use(text), use(user), use(at), now;
  Poco::Int64 id = 0;
  tx << sql.lastInsertId(), into(id), now;
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
  static const std::string after = std::string(kMessageColumns) + "WHERE channel_id = ? AND id > ? ORDER BY id ASC LIMIT ?";
  static const std::string before =
      std::string(kMessageColumns) + "WHERE channel_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
  static const std::string newest = std::string(kMessageColumns) + "WHERE channel_id = ? ORDER BY id DESC LIMIT ?";
  const std::int64_t limit = query.limit;
  if (query.after) return selectMessages(store, session, after, {channelId, *query.after, limit});
  if (query.before) return selectMessages(store, session, before, {channelId, *query.before, limit});
  return selectMessages(store, session, newest, {channelId, limit});
}

void ChatRepository::editMessage(DbSession& tx, std::int64_t id, const std::string& body) {
  Poco::Int64 key = id, at = nowMillis();
  std::string text = body;
  tx << "UPDATE chat_messages SET body = ?, edited_at = ? WHERE id = ?", use(text), use(at), use(key), now;
}

void ChatRepository::deleteMessage(DbSession& tx, std::int64_t id) {
  Poco::Int64 key = id;
  tx << "DELETE FROM chat_messages WHERE id = ?", use(key), now;
}

}  // namespace mmm::chat
