// mmm::JsonWriter: escaping, numbers, nesting, misuse, and agreement with Poco::JSON (what
// the plugins used before) on the output a parser sees.
#include <mmm/json_writer.hpp>
#include <mmm/profiles.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

namespace {

std::string jsonString(std::string_view raw) {
  std::string out;
  mmm::appendJsonString(out, raw);
  return out;
}

std::string pocoCondensed(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(value, out);
  return out.str();
}

TEST(JsonWriterEscaping, PlainTextIsCopiedBetweenQuotes) {
  EXPECT_EQ(jsonString(""), R"("")");
  EXPECT_EQ(jsonString("hello, world / ok"), R"("hello, world / ok")");
}

TEST(JsonWriterEscaping, QuotesAndBackslashesAreEscaped) {
  EXPECT_EQ(jsonString(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
}

TEST(JsonWriterEscaping, EveryControlCharacterIsEscaped) {
  EXPECT_EQ(jsonString("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(jsonString(std::string_view("\0", 1)), R"("\u0000")");
  EXPECT_EQ(jsonString("\x01\x08\x0c\x1f"), R"("\u0001\u0008\u000c\u001f")");
  for (int c = 0; c < 0x20; ++c) {
    const std::string out = jsonString(std::string(1, static_cast<char>(c)));
    for (char byte : out) EXPECT_GE(static_cast<unsigned char>(byte), 0x20) << "control " << c;
  }
  EXPECT_EQ(jsonString("\x7f"), "\"\x7f\"");  // DEL is legal in a JSON string
}

TEST(JsonWriterEscaping, ValidUtf8IsKeptAsIs) {
  EXPECT_EQ(jsonString("Café ♫ 𝄞"), "\"Café ♫ 𝄞\"");
}

TEST(JsonWriterEscaping, InvalidUtf8BytesBecomeReplacementCharacters) {
  // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate.
  EXPECT_EQ(jsonString("a\x80z"), "\"a\xEF\xBF\xBDz\"");
  EXPECT_EQ(jsonString("\xE2\x99"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(jsonString("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(jsonString("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  // Once any byte is invalid, every byte >= 0x80 is replaced (as the core's jsonQuote did);
  // ASCII escapes still apply.
  EXPECT_EQ(jsonString("é\xFF\"\n"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\\\"\\n\"");
  EXPECT_TRUE(mmm::isValidUtf8(jsonString("\xF8\x88\x80\x80\x80 \xFE")));
}

TEST(JsonWriterEscaping, ParsesBackToTheSameText) {
  const std::string text = std::string("tab\tquote\"slash\\nul") + '\0' + "é♫\x1b end";
  Poco::JSON::Parser parser;
  auto parsed = parser.parse("[" + jsonString(text) + "]").extract<Poco::JSON::Array::Ptr>();
  EXPECT_EQ(parsed->getElement<std::string>(0), text);
}


// The same rules, one byte at a time: what the word-at-a-time scan must agree with.
std::string referenceJsonString(std::string_view raw) {
  const bool valid = mmm::isValidUtf8(raw);
  std::string out = "\"";
  for (unsigned char c : raw) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else if (c >= 0x80 && !valid) out += "\xEF\xBF\xBD";
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

// `text` as the JsonWriter writes it as a value and as a key (its own scan for plain text,
// then appendJsonString's). (A writer has at least 64 bytes of room: these short texts do not
// make it grow; EveryWriteIsRightWhereverTheRoomEnds does.)
std::string writtenAsValue(std::string_view text) {
  mmm::JsonWriter json(1);
  const std::string out = json.beginArray().value(text).endArray().take();
  return out.substr(1, out.size() - 2);
}
std::string writtenAsKey(std::string_view text) {
  mmm::JsonWriter json(1);
  const std::string out = json.beginObject().key(text).null().endObject().take();
  return out.substr(1, out.size() - std::string_view(":null}").size() - 1);
}

TEST(JsonWriterEscaping, EverySpecialByteIsFoundAtEveryPositionOfAWord) {
  // Each byte that needs attention (and some that do not), alone at each offset of texts
  // of 1 to 24 bytes, so it falls in every lane of a word, in the tail, and across words.
  const std::string specials = std::string("\"\\\n\r\t\x01\x1f\x7f !~\x80\xC3") + std::string(1, '\0');
  for (std::size_t length = 1; length <= 24; ++length)
    for (std::size_t at = 0; at < length; ++at)
      for (char special : specials) {
        std::string text(length, 'a');
        text[at] = special;
        const auto expected = referenceJsonString(text);
        ASSERT_EQ(jsonString(text), expected) << "length " << length << " at " << at;
        ASSERT_EQ(writtenAsValue(text), expected) << "value, length " << length << " at " << at;
        ASSERT_EQ(writtenAsKey(text), expected) << "key, length " << length << " at " << at;
      }
}

TEST(JsonWriterEscaping, WordScanAgreesWithTheByteRulesOnRandomText) {
  // Mostly ASCII with some UTF-8 (valid, then broken later in the text) and controls.
  std::uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
  const std::string pieces[] = {"a", "Z", " ", "\"", "\\", "\n", "\x02", "é", "♫", "𝄞", "\xE2\x99", "\x80", "\xFF"};
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const auto length = next() % 120;  // past the writer's 96 bytes of short text too
    for (std::uint32_t i = 0; i < length; ++i) {
      const auto r = next() % 100;
      text += r < 80 ? pieces[r % 3] : pieces[3 + r % 10];
    }
    const auto expected = referenceJsonString(text);
    ASSERT_EQ(jsonString(text), expected) << "round " << round;
    ASSERT_EQ(writtenAsValue(text), expected) << "value, round " << round;
  }
}
TEST(JsonWriterNumbers, IntegersAtTheirLimits) {
  mmm::JsonWriter json;
  json.beginArray()
      .value(std::int64_t{0})
      .value(-1)
      .value(std::numeric_limits<std::int64_t>::max())
      .value(std::numeric_limits<std::int64_t>::min())
      .endArray();
  EXPECT_EQ(json.take(), "[0,-1,9223372036854775807,-9223372036854775808]");
}

TEST(JsonWriterNumbers, DoublesRoundTripAndNonFiniteIsNull) {
  mmm::JsonWriter json;
  json.beginArray()
      .value(0.5)
      .value(-2.0)
      .value(0.1)
      .value(1e300)
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .endArray();
  EXPECT_EQ(json.take(), "[0.5,-2,0.1,1e+300,null,null]");
}

TEST(JsonWriterNesting, ObjectsAndArraysGetCommasAndColons) {
  mmm::JsonWriter json;
  json.beginObject()
      .field("a", 1)
      .key("b")
      .beginArray()
      .beginObject()
      .endObject()
      .beginArray()
      .endArray()
      .null()
      .value(true)
      .value(false)
      .endArray()
      .key("c")
      .beginObject()
      .field("d", "e")
      .key("f")
      .raw(R"({"g":[1,2]})")
      .endObject()
      .endObject();
  EXPECT_EQ(json.take(), R"({"a":1,"b":[{},[],null,true,false],"c":{"d":"e","f":{"g":[1,2]}}})");
}

TEST(JsonWriterNesting, KeysAreEscapedToo) {
  mmm::JsonWriter json;
  json.beginObject().field("a\"b", "x").endObject();
  EXPECT_EQ(json.take(), R"({"a\"b":"x"})");
}

TEST(JsonWriterNesting, SixtyFourLevelsAndNoMore) {
  mmm::JsonWriter json;
  for (int i = 0; i < 64; ++i) json.beginArray();
  EXPECT_THROW(json.beginArray(), std::logic_error);
  for (int i = 0; i < 64; ++i) json.endArray();
  EXPECT_EQ(json.take(), std::string(64, '[') + std::string(64, ']'));
}

TEST(JsonWriterNesting, TheWriterIsReusableAfterTake) {
  mmm::JsonWriter json;
  json.beginArray().value(1).endArray();
  EXPECT_EQ(json.take(), "[1]");
  json.beginObject().endObject();
  EXPECT_EQ(json.take(), "{}");
}

TEST(JsonWriterNesting, ALongDocumentGrowsFromNoRoomAndStrIsTheTextSoFar) {
  mmm::JsonWriter json(0);
  std::string expected = "[";
  json.beginArray();
  for (int i = 0; i < 5000; ++i) {
    json.value(i).value("x").value(0.5);
    expected += (i ? "," : "") + std::to_string(i) + ",\"x\",0.5";
  }
  EXPECT_EQ(json.str(), expected);
  EXPECT_FALSE(json.complete());
  EXPECT_EQ(json.endArray().take(), expected + "]");
  EXPECT_EQ(json.str(), "");
}

// Review: a writer moved from is left empty and usable, as the std::string it held was
// (its cursor must not go on pointing past the end of a string that has gone).
TEST(JsonWriterNesting, AWriterMovedFromIsEmptyAndReusable) {
  mmm::JsonWriter json(0);
  json.beginArray().value("a text longer than a string's own small buffer");
  mmm::JsonWriter moved = std::move(json);
  EXPECT_EQ(moved.endArray().take(), "[\"a text longer than a string's own small buffer\"]");
  ASSERT_EQ(json.str().size(), 0u);  // (not the view itself: it would be read past its string)
  EXPECT_FALSE(json.complete());
  json.beginObject().field("k", std::string(200, 'v')).endObject();
  EXPECT_EQ(json.take(), "{\"k\":\"" + std::string(200, 'v') + "\"}");
  mmm::JsonWriter assigned;
  assigned.beginArray().value(1);
  assigned = std::move(moved);  // `moved` was taken: empty
  EXPECT_EQ(assigned.str(), "");
  EXPECT_EQ(moved.str(), "");
}

// Review: every kind of write with the cursor at every distance from the end of the room
// (a prefix of each length first), so that each one grows the string at every point.
TEST(JsonWriterEscaping, EveryWriteIsRightWhereverTheRoomEnds) {
  const std::string texts[] = {"", "a", "plain text!", "\"", std::string(1, '\0'), "tab\there", "\x01\x02\x03\x04\x05\x06\x07",
                               "caf\xC3\xA9 \xE2\x99\xAB", "bad \xFF utf-8 \"", std::string(97, 'x'), std::string(40, '\n')};
  for (std::size_t prefix = 0; prefix < 140; ++prefix)
    for (const auto& text : texts) {
      mmm::JsonWriter json(0);
      const std::string pad(prefix, 'p');
      json.beginArray().value(pad).value(text).value(std::numeric_limits<std::int64_t>::min());
      json.value(-2.2250738585072014e-308).value(true).null().beginObject().key(text).value(false).endObject();
      json.endArray();
      const std::string expected = "[\"" + pad + "\"," + referenceJsonString(text) +
                                   ",-9223372036854775808,-2.2250738585072014e-308,true,null,{" +
                                   referenceJsonString(text) + ":false}]";
      ASSERT_EQ(json.take(), expected) << "prefix " << prefix << ", text " << referenceJsonString(text);
    }
}

TEST(JsonWriterMisuse, InvalidSequencesThrow) {
  {
    mmm::JsonWriter json;
    json.beginObject();
    EXPECT_THROW(json.value(1), std::logic_error);  // a value without a key
  }
  {
    mmm::JsonWriter json;
    json.beginArray();
    EXPECT_THROW(json.key("k"), std::logic_error);  // a key in an array
    EXPECT_THROW(json.endObject(), std::logic_error);
    EXPECT_THROW(json.take(), std::logic_error);  // still open
  }
  {
    mmm::JsonWriter json;
    json.beginObject().key("k");
    EXPECT_THROW(json.endObject(), std::logic_error);  // the key's value is missing
    EXPECT_THROW(json.key("again"), std::logic_error);
  }
  {
    mmm::JsonWriter json;
    json.value(1);
    EXPECT_THROW(json.value(2), std::logic_error);  // two top-level values
    EXPECT_THROW(json.endArray(), std::logic_error);
  }
}

TEST(JsonWriterCompatibility, AProfileIsWrittenAsPocoWroteIt) {
  const mmm::Profile profile{42, "ann \"the\" bass", "Ann", "Lée", "https://www.gravatar.com/avatar/00"};
  mmm::JsonWriter json;
  profile.writeJson(json);
  EXPECT_EQ(json.take(), pocoCondensed(profile.toJson()));
}

TEST(JsonWriterCompatibility, SortedKeysMatchPocoObjectsByteForByte) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
  object->set("title", "Jam \\ session\n");
  object->set("id", static_cast<Poco::Int64>(7));
  object->set("joined", true);
  object->set("channel", Poco::Dynamic::Var());
  mmm::JsonWriter json;
  json.beginObject()
      .key("channel")
      .null()
      .field("id", std::int64_t{7})
      .field("joined", true)
      .field("title", "Jam \\ session\n")
      .endObject();
  EXPECT_EQ(json.take(), pocoCondensed(object));
}

}  // namespace
