// The request bodies and query strings of the Chat section, read and checked without
// touching the store: what the handlers act on, or an HttpError 4xx (415, 400) for bad input.
#pragma once

#include "chat_repository.hpp"

#include <mmm/http.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mmm::chat {

constexpr std::size_t kMaxChannelName = 255;
constexpr std::size_t kMaxChannelDescription = 4000;
constexpr std::size_t kMaxMessageBody = 4096;

/// Reads before, after (message seqs) and limit; throws HttpError 400 for a bad value.
HistoryQuery parseHistoryQuery(const Request& request);

/// GET /v1/channels?private=: true lists only the caller's private channels, false only the
/// public ones, none both; 400 for anything else.
ChatRepository::Kinds channelKinds(const Request& request);

/// POST /v1/channels: name, description, private and members. The creator is `creatorId`
/// (the caller, never the body); members are sorted, unique and include the creator.
Channel parseNewChannel(const Request& request, std::int64_t creatorId);

/// PATCH /v1/channels/{id}: at least one of the two.
struct ChannelChanges {
  std::optional<std::string> name, description;
};
ChannelChanges parseChannelChanges(const Request& request);

/// The body of PATCH /v1/messages/{id}: {"body": "1 to 4096 characters"}.
std::string parseMessageBody(const Request& request);

/// The body of POST /v1/channels/{id}: {"body", "replyTo"?: a message id}.
struct NewMessage {
  std::string body;
  std::optional<std::int64_t> replyTo;
};
NewMessage parseNewMessage(const Request& request);

/// People a message names, at most (API.md).
constexpr std::size_t kMaxMentions = 20;

/// An "@name" in a message: `name` is the characters after the "@" up to white space;
/// `trimmed` is `name` without the punctuation a sentence puts after a word ("@ann," or
/// "(@ann)"), or empty when that is the same or nothing. A user name may itself end in
/// punctuation, so both are looked up and `name` wins.
struct MentionCandidate {
  std::string name, trimmed;
};

/// The distinct @-words of `body` in order, at most `limit`: an "@" counts at the start of
/// the text or after white space or an opening bracket, so an email address is no mention.
std::vector<MentionCandidate> mentionCandidates(const std::string& body, std::size_t limit);

/// The message of PUT /v1/channels/{id}/read: {"messageID": N}.
std::int64_t parseReadMarker(const Request& request);

/// GET /v1/presence?userIDs=1,2,3: 1 to 100 user ids (repeats dropped), else 400.
std::vector<std::int64_t> parsePresenceQuery(const Request& request);

/// The user of POST and DELETE /v1/channels/{id}/members: {"id": N}.
std::int64_t parseMemberId(const Request& request);

}  // namespace mmm::chat
