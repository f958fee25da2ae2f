#include "chat_api.hpp"

#include <mmm/auth.hpp>
#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/text.hpp>

#include <spdlog/logger.h>

#include <algorithm>


namespace mmm::chat {
namespace {

constexpr int kDefaultListLimit = 100, kMaxListLimit = 200;  // GET /v1/channels (API.md)

// 404 without the channel (nullopt), 403 when the caller may not read it (false).
void requireReadable(std::optional<bool> can) {
  if (!can) throw HttpError(404, "no such channel");
  if (!*can) throw HttpError(403, "this channel is private and you are not a member");
}

}  // namespace

ChatApi::ChatApi(Store& store, ProfileDirectory& profiles, Pusher& pusher, std::shared_ptr<spdlog::logger> log,
                 ChatPolicy policy, ReactionSet reactions, std::shared_ptr<UserNameDirectory> names)
    : store_(store),
      profiles_(profiles),
      json_(profiles),
      pushes_(pusher, json_),
      log_(std::move(log)),
      policy_(std::move(policy)),
      reactions_(std::move(reactions)),
      names_(std::move(names)) {}

std::vector<std::int64_t> ChatApi::named(const std::string& body) {
  if (!names_) return {};
  // Twice the bound: a few @-words that name nobody do not crowd out the people after them.
  const auto candidates = mentionCandidates(body, 2 * kMaxMentions);
  if (candidates.empty()) return {};
  std::vector<std::string> lookup;
  for (const auto& c : candidates) {
    lookup.push_back(c.name);
    if (!c.trimmed.empty()) lookup.push_back(c.trimmed);
  }
  const auto found = names_->resolve(lookup);
  std::vector<std::int64_t> ids;
  for (const auto& c : candidates) {
    auto it = found.find(c.name);
    if (it == found.end() && !c.trimmed.empty()) it = found.find(c.trimmed);
    if (it != found.end() && std::find(ids.begin(), ids.end(), it->second) == ids.end()) ids.push_back(it->second);
  }
  return ids;
}

std::vector<std::int64_t> ChatApi::mentionable(const Channel& channel, const std::vector<std::int64_t>& named) {
  std::vector<std::int64_t> ids;
  for (auto id : named) {
    if (ids.size() == kMaxMentions) break;
    // Members are sorted (ChatRepository reads them by user id).
    if (!channel.isPrivate || std::binary_search(channel.members.begin(), channel.members.end(), id)) ids.push_back(id);
  }
  return ids;
}

Channel ChatApi::readable(DbSession& session, std::int64_t channelId, std::int64_t userId) {
  auto channel = ChatRepository::channel(store_, session, channelId);
  requireReadable(channel ? std::optional<bool>(!channel->isPrivate ||
                                                ChatRepository::isMember(store_, session, channelId, userId))
                          : std::nullopt);
  return *channel;
}

Response ChatApi::listChannels(Request& request) {
  const auto user = authenticated(request).userId;
  const auto page = pageParams(request, kDefaultListLimit, kMaxListLimit);
  const auto kinds = channelKinds(request);
  std::map<std::int64_t, ReadState> states;
  auto channels = store_.read([&](DbSession& s) {
    auto found = ChatRepository::visibleTo(store_, s, user, page, kinds);
    std::vector<std::int64_t> ids;
    for (const auto& c : found) ids.push_back(c.id);
    states = ChatRepository::readStates(store_, s, user, ids);
    return found;
  });
  return Response::json(200, json_.channels(channels, &states));
}

Response ChatApi::createChannel(Request& request) {
  const auto user = authenticated(request).userId;
  const Channel channel = parseNewChannel(request, user);
  const auto known = profiles_.findMany(channel.members);
  for (auto id : channel.members)
    if (!known.count(id)) throw HttpError(404, "no such user: " + std::to_string(id));
  const Sql sql = store_.sql();
  auto created = store_.transaction([&](DbSession& tx) {
    const auto id = ChatRepository::createChannel(tx, sql, channel);
    return *ChatRepository::channel(store_, tx, id);
  });
  pushes_.channelNew(created);  // after the commit
  return Response::json(201, json_.channel(created));
}

Response ChatApi::history(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "channel");
  const auto query = parseHistoryQuery(request);
  auto messages = store_.read([&](DbSession& s) {
    // What readable() decides, without reading the channel's members (a page of history
    // needs none of them, and a large channel has thousands).
    requireReadable(ChatRepository::canRead(store_, s, id, user));
    return ChatRepository::history(store_, s, id, query);
  });
  return Response::json(200, json_.messages(messages));
}

Response ChatApi::post(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "channel");
  const auto input = parseNewMessage(request);
  const auto people = named(input.body);
  const Sql sql = store_.sql();
  Channel channel;
  // Stored (committed) before anything is pushed: what a client is sent can be read back.
  auto message = store_.transaction([&](DbSession& tx) {
    channel = readable(tx, id, user);
    refuseIfMuted(tx, id, user);
    if (input.replyTo && ChatRepository::channelOf(store_, tx, *input.replyTo) != std::optional<std::int64_t>(id))
      throw HttpError(400, "replyTo must be a message of this channel");
    const auto posted = ChatRepository::postMessage(tx, sql, id, user, input.body, input.replyTo.value_or(0),
                                                    mentionable(channel, people));
    return *ChatRepository::message(store_, tx, posted);
  });
  pushes_.messageNew(channel, message);
  return Response::json(201, json_.message(message));
}

Response ChatApi::patchChannel(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "channel");
  const auto changes = parseChannelChanges(request);
  auto updated = store_.transaction([&](DbSession& tx) {
    auto channel = ChatRepository::channel(store_, tx, id);
    if (!channel) throw HttpError(404, "no such channel");
    if (channel->creatorId != user) throw HttpError(403, "only the channel's creator can change it");
    ChatRepository::updateChannel(tx, id, changes.name, changes.description);
    return *ChatRepository::channel(store_, tx, id);
  });
  pushes_.channelUpdate(updated);
  return Response::json(200, json_.channel(updated));
}

Response ChatApi::deleteChannel(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "channel");
  auto gone = store_.transaction([&](DbSession& tx) {
    auto channel = ChatRepository::channel(store_, tx, id);
    if (!channel) throw HttpError(404, "no such channel");
    if (channel->managed) throw HttpError(403, "an event's channel goes with its event");
    if (channel->creatorId != user) throw HttpError(403, "only the channel's creator can delete it");
    ChatRepository::deleteChannel(tx, id);
    return *channel;
  });
  pushes_.channelDelete(gone.id, gone.isPrivate, gone.members);
  return Response::text(200, "channel deleted");
}

Response ChatApi::addMember(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "channel");
  const auto newcomer = parseMemberId(request);
  if (!profiles_.find(newcomer)) throw HttpError(404, "no such user");
  const Sql sql = store_.sql();
  auto updated = store_.transaction([&](DbSession& tx) {
    auto channel = ChatRepository::channel(store_, tx, id);
    if (!channel) throw HttpError(404, "no such channel");
    if (channel->managed) throw HttpError(403, "an event's channel has the event's members: join the event");
    if (channel->creatorId != user) throw HttpError(403, "only the channel's creator can add members");
    ChatRepository::addMember(tx, sql, id, newcomer);  // the user in the body (fix)
    return *ChatRepository::channel(store_, tx, id);
  });
  pushes_.channelUpdate(updated);
  return Response::text(201, "member added");
}

Response ChatApi::removeMember(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "channel");
  const auto leaving = parseMemberId(request);
  auto updated = store_.transaction([&](DbSession& tx) {
    auto channel = ChatRepository::channel(store_, tx, id);
    if (!channel) throw HttpError(404, "no such channel");
    if (channel->managed) throw HttpError(403, "an event's channel has the event's members: leave the event");
    if (channel->creatorId != user && leaving != user)
      throw HttpError(403, "only the channel's creator can remove others");
    if (!ChatRepository::removeMember(tx, id, leaving)) throw HttpError(404, "no such member");
    return *ChatRepository::channel(store_, tx, id);
  });
  pushes_.channelUpdate(updated);
  if (updated.isPrivate) pushes_.channelDelete(updated.id, true, {leaving});  // gone for the one removed
  return Response::text(200, "member removed");
}

Response ChatApi::editMessage(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "message");
  const auto body = parseMessageBody(request);
  const auto people = named(body);
  Channel channel;
  auto edited = store_.transaction([&](DbSession& tx) {
    auto message = ChatRepository::message(store_, tx, id);
    if (!message) throw HttpError(404, "no such message");
    if (message->creatorId != user) throw HttpError(403, "only its author can edit a message");
    channel = readable(tx, message->channelId, user);  // not after leaving a private channel
    refuseIfMuted(tx, channel.id, user);               // an edit is a way to post
    ChatRepository::editMessage(tx, id, body, mentionable(channel, people));
    return *ChatRepository::message(store_, tx, id);
  });
  pushes_.messageUpdate(channel, edited);
  return Response::json(200, json_.message(edited));
}

Response ChatApi::deleteMessage(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "message");
  const bool admin = policy_.isAdmin(user);
  Channel channel;
  std::int64_t author = 0;
  store_.transaction([&](DbSession& tx) {
    auto message = ChatRepository::message(store_, tx, id);
    if (!message) throw HttpError(404, "no such message");
    author = message->creatorId;
    if (author == user) {
      channel = readable(tx, message->channelId, user);  // not after leaving a private channel
    } else {
      auto found = ChatRepository::channel(store_, tx, message->channelId);
      if (!found) throw HttpError(404, "no such message");
      if (!ChatPolicy::moderates(*found, user, admin))
        throw HttpError(403, "only its author or the channel's moderators can delete a message");
      channel = admin ? *found : readable(tx, message->channelId, user);
    }
    ChatRepository::deleteMessage(tx, id, message->channelId);
  });
  if (author != user) {
    policy_.record({user, "message.delete", "message", id, ""});
    log_->info("{} moderator {} deleted message {} of user {}", request.id, user, id, author);
  }
  pushes_.messageDelete(channel, id);
  return Response::text(200, "message deleted");
}

Response ChatApi::markRead(Request& request) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "channel");
  const auto messageId = parseReadMarker(request);
  const Sql sql = store_.sql();
  auto state = store_.transaction([&](DbSession& tx) {
    requireReadable(ChatRepository::canRead(store_, tx, id, user));  // the channel itself is not needed
    const auto seq = ChatRepository::seqIn(store_, tx, id, messageId);
    if (!seq) throw HttpError(400, "messageID must be a message of this channel");
    ChatRepository::markRead(tx, sql, id, user, *seq);
    return ChatRepository::readStates(store_, tx, user, {id}).at(id);
  });
  pushes_.readUpdate(user, state);  // the reader's other tabs and devices, on every node
  return Response::json(200, ChatJson::readState(state));
}

Response ChatApi::addReaction(Request& request) { return react(request, true); }
Response ChatApi::removeReaction(Request& request) { return react(request, false); }

Response ChatApi::react(Request& request, bool on) {
  const auto user = authenticated(request).userId;
  const auto id = pathId(request.param("id"), "message");
  const std::string& emoji = request.param("emoji");
  if (!reactions_.contains(emoji)) throw HttpError(400, "'" + emoji + "' is not one of this server's reactions (GET /v1/reactions)");
  const Sql sql = store_.sql();
  Channel channel;
  bool changed = false;
  auto message = store_.transaction([&](DbSession& tx) {
    if (!ChatRepository::lockMessage(tx, id)) throw HttpError(404, "no such message");
    auto message = *ChatRepository::message(store_, tx, id);
    channel = readable(tx, message.channelId, user);
    if (on) {
      refuseIfMuted(tx, channel.id, user);
      const bool used = std::any_of(message.reactions.begin(), message.reactions.end(),
                                    [&](const Reaction& r) { return r.emoji == emoji; });
      if (!used && message.reactions.size() >= kMaxReactionsPerMessage)
        throw HttpError(400, "a message has at most " + std::to_string(kMaxReactionsPerMessage) + " different reactions");
      changed = ChatRepository::addReaction(tx, sql, id, emoji, user);
    } else {
      changed = ChatRepository::removeReaction(tx, id, emoji, user);
    }
    return changed ? *ChatRepository::message(store_, tx, id) : message;
  });
  if (changed) pushes_.messageUpdate(channel, message);
  return Response::json(200, json_.message(message));
}

Response ChatApi::reactionSet(Request& request) {
  authenticated(request);
  JsonWriter json(256);
  json.beginArray();
  for (const auto& emoji : reactions_.all()) json.value(emoji);
  return Response::json(200, json.endArray().take());
}

// --- the service for other plugins' channels

std::string managedChannelName(const std::string& text) { return std::string(truncateUtf8(text, kMaxChannelName)); }

std::int64_t ManagedChannelsService::create(DbSession& tx, const std::string& name, std::int64_t creatorId,
                                            const std::vector<std::int64_t>& memberIds) {
  Channel channel;
  channel.name = managedChannelName(name);
  channel.isPrivate = true;
  channel.creatorId = creatorId;
  channel.managed = true;
  channel.members = memberIds;
  return ChatRepository::createChannel(tx, api_.store().sql(), channel);
}

bool ManagedChannelsService::exists(DbSession& tx, std::int64_t channelId) {
  return ChatRepository::channel(api_.store(), tx, channelId).has_value();
}

void ManagedChannelsService::rename(DbSession& tx, std::int64_t channelId, const std::string& name) {
  ChatRepository::updateChannel(tx, channelId, managedChannelName(name), std::nullopt);
}

void ManagedChannelsService::addMember(DbSession& tx, std::int64_t channelId, std::int64_t userId) {
  ChatRepository::addMember(tx, api_.store().sql(), channelId, userId);
}

void ManagedChannelsService::removeMember(DbSession& tx, std::int64_t channelId, std::int64_t userId) {
  ChatRepository::removeMember(tx, channelId, userId);
}

std::vector<std::int64_t> ManagedChannelsService::members(DbSession& tx, std::int64_t channelId) {
  return ChatRepository::members(tx, channelId);
}

std::map<std::int64_t, ManagedChannels::State> ManagedChannelsService::describe(
    DbSession& tx, const std::vector<std::int64_t>& channelIds) {
  std::map<std::int64_t, State> found;
  for (auto& channel : ChatRepository::channels(api_.store(), tx, channelIds))
    found[channel.id] = State{std::move(channel.name), std::move(channel.members)};
  return found;
}

void ManagedChannelsService::remove(DbSession& tx, std::int64_t channelId) {
  ChatRepository::deleteChannel(tx, channelId);
}

void ManagedChannelsService::notifyCreated(std::int64_t channelId) {
  auto channel = api_.store().read([&](DbSession& s) { return ChatRepository::channel(api_.store(), s, channelId); });
  if (channel) api_.pushes().channelNew(*channel);
}

void ManagedChannelsService::notifyChanged(std::int64_t channelId) {
  auto channel = api_.store().read([&](DbSession& s) { return ChatRepository::channel(api_.store(), s, channelId); });
  if (channel) api_.pushes().channelUpdate(*channel);
}

void ManagedChannelsService::notifyDeleted(std::int64_t channelId, const std::vector<std::int64_t>& formerMembers) {
  api_.pushes().channelDelete(channelId, true, formerMembers);
}

std::int64_t ChannelAnnouncementsService::post(DbSession& tx, std::int64_t channelId, std::int64_t authorId,
                                               const std::string& body) {
  return ChatRepository::postMessage(tx, api_.store().sql(), channelId, authorId,
                                     std::string(truncateUtf8(body, kMaxMessageBody)), 0, {});
}

void ChannelAnnouncementsService::notifyPosted(std::int64_t channelId, std::int64_t messageId) {
  std::optional<Channel> channel;
  std::optional<Message> message;
  api_.store().read([&](DbSession& s) {
    channel = ChatRepository::channel(api_.store(), s, channelId);
    message = ChatRepository::message(api_.store(), s, messageId);
  });
  if (channel && message) api_.pushes().messageNew(*channel, *message);
}

}  // namespace mmm::chat
