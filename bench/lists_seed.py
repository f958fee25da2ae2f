#!/usr/bin/env python3
"""SQL for bench/lists: many events or channels at once, written straight into the store
(the way an attacker's thousands of requests would leave it, in seconds instead of minutes).

  lists_seed.py events N [--creator ID] [--joined-by ID] [--description-chars C]
  lists_seed.py channels N --creator ID [--description-chars C]
  lists_seed.py event-channels N --creator ID

event-channels: N events, each with its private chat channel holding its creator, as the
chat plugin keeps them (channel i+1 for event i; General is channel 1).

Prints multi-row INSERTs that SQLite's and MariaDB's command-line clients both accept, for
tables the server has already made (start it once first). Deterministic: the same N gives
the same rows. Event texts draw on a small musical vocabulary, so a search word matches a
known share of them: every event has a genre (one of 16) and a kind of meeting (one of 8);
'zydeco' is in every 10,000th description; nothing contains 'xqzv'.
"""
import argparse
import random

GENRES = ["folk", "jazz", "blues", "punk", "rock", "bluegrass", "soul", "funk", "reggae", "metal", "country",
          "klezmer", "salsa", "gospel", "swing", "ambient"]
KINDS = ["jam", "session", "rehearsal", "open mic", "workshop", "gig", "singalong", "meetup"]
PLACES = ["Ballard Commons", "Fremont Hall", "Capitol Hill Café", "Georgetown Garage", "Wallingford Library",
          "Columbia City Park", "Belltown Loft", "Greenwood Pub", "Rainier Beach Studio", "Queen Anne Church"]
WORDS = ("bring your instrument all levels welcome we play standards and originals beginners encouraged "
         "acoustic only amps provided drums on site tea and biscuits after the set sign up at the door "
         "fiddle banjo mandolin guitar bass cello trumpet saxophone clarinet flute accordion harmonica "
         "vocals harmonies rhythm section chord charts printed capo tuner metronome tempo groove").split()
BATCH = 500


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def description(rng, index, chars):
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 30))]
    if index % 10000 == 7:
        words.insert(rng.randint(0, len(words)), "zydeco")
    text = " ".join(words)
    while len(text) < chars:
        text += " " + rng.choice(WORDS)
    return text[:chars] if chars else text


def events(args):
    rng = random.Random(12)
    start = 1924905600000  # 2031-01-01T00:00:00Z: every event is in the future
    rows = []
    for i in range(args.count):
        genre, kind, place = rng.choice(GENRES), rng.choice(KINDS), rng.choice(PLACES)
        title = f"{genre.capitalize()} {kind} {i}"
        when = start + rng.randrange(0, 365 * 86400) * 1000
        rows.append(f"({quote(title)}, {when}, {quote(place)}, {quote(description(rng, i, args.description_chars))}, "
                    f"{args.creator}, 0)")
    emit("events (title, starts_at, location, description, creator_id, created_at)", rows)
    if args.joined_by:
        # Events are numbered from 1 in a fresh store.
        emit("event_members (event_id, user_id, joined_at)",
             [f"({i + 1}, {args.joined_by}, 0)" for i in range(args.count)])


def channels(args):
    rng = random.Random(13)
    text = description(rng, 0, args.description_chars)
    rows = [f"({quote('spam ' + str(i))}, {quote(text)}, 0, {args.creator}, 0, 0, 0)" for i in range(args.count)]
    emit("chat_channels (name, description, is_private, creator_id, managed, created_at, edited_at)", rows)
    # Their creator is their member, as POST /v1/channels makes it; General is channel 1.
    emit("chat_members (channel_id, user_id)", [f"({i + 2}, {args.creator})" for i in range(args.count)])


def event_channels(args):
    start = 1924905600000
    emit("events (id, title, starts_at, location, description, creator_id, channel_id, created_at)",
         [f"({i}, 'Jam {i}', {start + i * 1000}, 'Ballard', 'bring a fiddle', {args.creator}, {i + 1}, 0)"
          for i in range(1, args.count + 1)])
    emit("event_members (event_id, user_id, joined_at)", [f"({i}, {args.creator}, 0)" for i in range(1, args.count + 1)])
    emit("chat_channels (id, name, description, is_private, creator_id, managed, created_at, edited_at)",
         [f"({i + 1}, 'Jam {i}', '', 1, {args.creator}, 1, 0, 0)" for i in range(1, args.count + 1)])
    emit("chat_members (channel_id, user_id)", [f"({i + 1}, {args.creator})" for i in range(1, args.count + 1)])


def emit(table, rows):
    for i in range(0, len(rows), BATCH):
        print(f"INSERT INTO {table} VALUES\n" + ",\n".join(rows[i:i + BATCH]) + ";")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["events", "channels", "event-channels"])
    parser.add_argument("count", type=int)
    parser.add_argument("--creator", type=int, default=1)
    parser.add_argument("--joined-by", type=int, default=0)
    parser.add_argument("--description-chars", type=int, default=0)
    args = parser.parse_args()
    print("BEGIN;")
    {"events": events, "channels": channels, "event-channels": event_channels}[args.what](args)
    print("COMMIT;")


if __name__ == "__main__":
    main()
