// The SDK's checks on text from the network (sdk/include/mmm/text.hpp, input.hpp, unicode.hpp).
#include <mmm/error.hpp>
#include <mmm/input.hpp>
#include <mmm/text.hpp>
#include <mmm/unicode.hpp>

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

using mmm::TextRule;

namespace {

Poco::JSON::Object::Ptr object(const std::string& json) {
  return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

int statusOf(const std::string& json, TextRule rule) {
  try {
    mmm::stringField(object(json), "text", 100, rule);
    return 200;
  } catch (const mmm::HttpError& e) {
    return e.status();
  }
}

}  // namespace

TEST(Text, ControlCharactersAreFoundByCodePoint) {
  EXPECT_FALSE(mmm::hasControlCharacter("plain text, é, 🎻"));
  EXPECT_TRUE(mmm::hasControlCharacter(std::string("a\0b", 3)));
  EXPECT_TRUE(mmm::hasControlCharacter("a\x1b[31mb"));
  EXPECT_TRUE(mmm::hasControlCharacter("a\x7f"));
  EXPECT_TRUE(mmm::hasControlCharacter("a\xC2\x85"));    // U+0085 NEL (C1)
  EXPECT_TRUE(mmm::hasControlCharacter("a\xC2\x9F"));    // U+009F (C1)
  EXPECT_FALSE(mmm::hasControlCharacter("a\xC2\xA0"));   // U+00A0 no-break space is not one
  EXPECT_FALSE(mmm::hasControlCharacter("\xC4\x80"));    // U+0100
  EXPECT_TRUE(mmm::hasControlCharacter("two\nlines"));
  EXPECT_FALSE(mmm::hasControlCharacter("two\nlines\tand a tab", "\n\t"));
  EXPECT_TRUE(mmm::hasControlCharacter("carriage\r\nreturn", "\n\t"));
}

TEST(Text, StringFieldAppliesTheRuleForItsKindOfText) {
  for (const char* json : {R"({"text":"a\u0000b"})", R"({"text":"a\u001bb"})", R"({"text":"a\u0085b"})",
                           R"({"text":"a\u007fb"})", R"({"text":"a\rb"})"}) {
    EXPECT_EQ(statusOf(json, TextRule::SingleLine), 400) << json;
    EXPECT_EQ(statusOf(json, TextRule::MultiLine), 400) << json;
    EXPECT_EQ(statusOf(json, TextRule::Secret), 200) << json;
  }
  for (const char* json : {R"({"text":"a\nb"})", R"({"text":"a\tb"})"}) {
    EXPECT_EQ(statusOf(json, TextRule::SingleLine), 400) << json;
    EXPECT_EQ(statusOf(json, TextRule::MultiLine), 200) << json;
  }
  EXPECT_EQ(statusOf(R"({"text":"Björk 🎻"})", TextRule::SingleLine), 200);
}

TEST(Unicode, TextOfOnlyWhiteSpaceFormatCharactersOrLoneMarksIsInvisible) {
  // Zero-width space, ZWSP+ZWNJ+ZWJ, RTL override, BOM, Hangul filler, braille blank, a lone
  // combining acute, word joiner, no-break space, ideographic space, a tab and a line break.
  for (const char* invisible : {"", "\xe2\x80\x8b", "\xe2\x80\x8b\xe2\x80\x8c\xe2\x80\x8d", "\xe2\x80\xae",
                                "\xef\xbb\xbf", "\xe3\x85\xa4", "\xe2\xa0\x80", "\xcc\x81", "\xe2\x81\xa0",
                                "\xc2\xa0", "\xe3\x80\x80", " \t\n"})
    EXPECT_TRUE(mmm::isInvisible(invisible)) << invisible;
  // A letter, a CJK ideograph, an emoji, e + combining acute, Arabic, a digit, a dot.
  for (const char* visible : {"a", "\xe6\x9d\x8e", "\xf0\x9f\x8e\xb8", "e\xcc\x81", "\xd8\xb9\xd9\x84\xd9\x8a",
                              "\xe2\x80\x8b" "7", "."})
    EXPECT_FALSE(mmm::isInvisible(visible)) << visible;
}
