#include "validation.hpp"

#include <gtest/gtest.h>

using namespace mmm::users;

TEST(Validation, Emails) {
  for (const char* good : {"bob@example.org", "  Bob.Ng+jam@Example.ORG ", "o'neil@x.co", "jörg@bücher.de",
                           "a@b-c.example"})
    EXPECT_EQ(checkEmail(good), std::nullopt) << good;
  for (const char* bad : {"", "bob", "bob@", "@example.org", "bob@example", "bob@@example.org", "bo b@example.org",
                          "bob@exa mple.org", ".bob@example.org", "bob..ng@example.org", "bob@-example.org",
                          "bob@example..org", "bob\n@example.org", "\xff@example.org"})
    EXPECT_NE(checkEmail(bad), std::nullopt) << bad;
  EXPECT_NE(checkEmail(std::string(65, 'a') + "@example.org"), std::nullopt);
  EXPECT_NE(checkEmail("a@" + std::string(250, 'b') + ".org"), std::nullopt);
}

TEST(Validation, Passwords) {
  EXPECT_EQ(checkPassword("12345678", 8), std::nullopt);
  EXPECT_EQ(checkPassword("пароль12", 8), std::nullopt);  // 8 characters, 14 bytes
  EXPECT_EQ(checkPassword("1234567", 8), "password must be at least 8 characters long");
  EXPECT_EQ(checkPassword("123456", 8), "password must be at least 8 characters long");  // the original allowed 6
  EXPECT_EQ(checkPassword(std::string(1024, 'x'), 8), std::nullopt);
  EXPECT_EQ(checkPassword(std::string(1025, 'x'), 8), "password must be at most 1024 bytes long");
  EXPECT_EQ(checkPassword("longenough\xc3", 8), "password is not valid UTF-8");
  EXPECT_EQ(checkPassword("12345678901", 12), "password must be at least 12 characters long");
}

TEST(Validation, UserNames) {
  EXPECT_EQ(checkUserName("bassbob"), std::nullopt);
  EXPECT_EQ(checkUserName("Zoë_🎷"), std::nullopt);
  EXPECT_EQ(checkUserName(""), "userName is required");
  for (const char* spaced : {"bass bob", "bass\tbob", "bass\nbob", "bass\xc2\xa0" "bob", "bass\xe2\x80\x83" "bob",
                             "bass\xe3\x80\x80" "bob", " bob"})
    EXPECT_EQ(checkUserName(spaced), "userName must not contain white space") << spaced;
  EXPECT_EQ(checkUserName(std::string(255, 'x')), std::nullopt);
  EXPECT_NE(checkUserName(std::string(256, 'x')), std::nullopt);
}

TEST(Validation, PersonNames) {
  EXPECT_EQ(checkPersonName(""), std::nullopt);
  EXPECT_EQ(checkPersonName("Ng Van Anh"), std::nullopt);
  EXPECT_EQ(checkPersonName(std::string(128, 'x')), std::nullopt);
  EXPECT_NE(checkPersonName(std::string(129, 'x')), std::nullopt);
  EXPECT_NE(checkPersonName("a\x01"), std::nullopt);
}

TEST(Validation, GravatarOfTheTrimmedLowerCasedEmail) {
  // md5("bob@example.org")
  EXPECT_EQ(gravatarUrl("  Bob@Example.ORG "), "https://www.gravatar.com/avatar/" + std::string("10ac39056a4b6f1f6804d724518ff2dc"));
  EXPECT_EQ(normalizeEmail("  Bob@Example.ORG "), "bob@example.org");
}

TEST(Validation, UserNamesAreComparedAfterNfkcAndCaseFolding) {
  EXPECT_EQ(foldUserName("Alice"), "alice");
  EXPECT_EQ(foldUserName("\xef\xbc\xa1\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85"), "alice");  // Ａｌｉｃｅ
  EXPECT_EQ(foldUserName("al\xe2\x80\x8b" "ice"), "alice");        // a zero-width space inside
  EXPECT_EQ(foldUserName("Stra\xc3\x9f" "e"), "strasse");          // ß folds to ss
  EXPECT_EQ(foldUserName("\xef\xac\x81" "ddle"), "fiddle");        // the ﬁ ligature
  EXPECT_EQ(foldUserName("J\xc3\xb6rg"), foldUserName("JO\xcc\x88RG"));  // composed or not
  EXPECT_NE(foldUserName("alice"), foldUserName("alicia"));
}

TEST(Validation, EmailsAreComparedAfterFullCaseFolding) {
  EXPECT_EQ(foldEmail(" \xc3\x84nne@Example.org "), foldEmail("\xc3\xa4nne@example.org"));  // Ä and ä
  EXPECT_EQ(foldEmail("\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91@x.gr"), foldEmail("\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1@x.gr"));
  EXPECT_EQ(foldEmail("bob@example.org"), "bob@example.org");
  EXPECT_NE(foldEmail("bob@example.org"), foldEmail("rob@example.org"));
}

TEST(Validation, InvisibleOrBidiUserNamesAreRefused) {
  for (const char* invisible : {"\xe2\x80\x8b", "\xe2\x80\x8b\xe2\x80\x8c\xe2\x80\x8d", "\xe2\x80\xae", "\xef\xbb\xbf",
                                "\xe3\x85\xa4", "\xe2\xa0\x80", "\xcc\x81", "\xe2\x81\xa0"}) {
    EXPECT_NE(checkUserName(invisible), std::nullopt) << invisible;
  }
  EXPECT_EQ(checkUserName("\xe2\x80\x8b\xe2\x80\x8b"), "userName must have a visible character");
  EXPECT_EQ(checkUserName("admin\xe2\x80\xae" "nimda"), "userName must not contain bidirectional controls");
  EXPECT_EQ(checkUserName("x\xe2\x81\xa6y"), "userName must not contain bidirectional controls");
  for (const char* visible : {"a", "\xe6\x9d\x8e", "\xf0\x9f\x8e\xb8", "e\xcc\x81", "\xd8\xb9\xd9\x84\xd9\x8a"}) {
    EXPECT_EQ(checkUserName(visible), std::nullopt) << visible;
  }
}
