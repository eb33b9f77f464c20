#include "wagate/whatsapp/handshake.h"

#include <gtest/gtest.h>

#include <string>

namespace wagate::whatsapp {
namespace {

constexpr char kToken[] = "my-verify-token";

StatusCode CodeOf(const StatusOr<std::string>& r) {
  return r.ok() ? StatusCode::kOk : r.status().code();
}

TEST(VerifyHandshakeTest, EchoesTheChallenge) {
  StatusOr<std::string> r = VerifyHandshake(kToken, "subscribe", kToken, "1158201444");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "1158201444");
}

TEST(VerifyHandshakeTest, ForbiddenWithoutAConfiguredToken) {
  EXPECT_EQ(CodeOf(VerifyHandshake("", "subscribe", "", "1")), StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(VerifyHandshake("", "subscribe", std::nullopt, "1")),
            StatusCode::kPermissionDenied);
}

TEST(VerifyHandshakeTest, ForbiddenForAnotherMode) {
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "unsubscribe", kToken, "1")),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "Subscribe", kToken, "1")),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "", kToken, "1")), StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, std::nullopt, kToken, "1")),
            StatusCode::kPermissionDenied);
}

TEST(VerifyHandshakeTest, ForbiddenForAWrongOrMissingToken) {
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "subscribe", "my-verify-tokeN", "1")),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "subscribe", "my-verify-token ", "1")),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "subscribe", "", "1")), StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "subscribe", std::nullopt, "1")),
            StatusCode::kPermissionDenied);
}

TEST(VerifyHandshakeTest, TokenIsCheckedBeforeTheChallenge) {
  // A wrong token with a bad challenge is still 403: nothing is revealed without the token.
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "subscribe", "wrong", std::nullopt)),
            StatusCode::kPermissionDenied);
}

TEST(VerifyHandshakeTest, BadRequestForAMissingOrEmptyChallenge) {
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "subscribe", kToken, std::nullopt)),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "subscribe", kToken, "")), StatusCode::kInvalidArgument);
}

TEST(VerifyHandshakeTest, ChallengeOf256BytesIsTheLongestAccepted) {
  const std::string max(kMaxChallengeBytes, '7');
  StatusOr<std::string> r = VerifyHandshake(kToken, "subscribe", kToken, max);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, max);
  EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "subscribe", kToken, max + "7")),
            StatusCode::kInvalidArgument);
}

TEST(VerifyHandshakeTest, ChallengeMustBePrintableAscii) {
  // Printable is 0x20 (space) through 0x7E ('~').
  EXPECT_TRUE(VerifyHandshake(kToken, "subscribe", kToken, " !azAZ09~").ok());
  for (const std::string& bad : {std::string("12\n34"), std::string("12\t34"), std::string("12\r"),
                                 std::string("1\x7f"), std::string("caf\u00e9"),
                                 std::string("1\0"
                                             "2",
                                             3),
                                 std::string("\x1f")}) {
    EXPECT_EQ(CodeOf(VerifyHandshake(kToken, "subscribe", kToken, bad)),
              StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(ConstantTimeEqualsTest, ComparesBytes) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace wagate::whatsapp
