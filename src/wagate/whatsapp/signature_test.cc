#include "wagate/whatsapp/signature.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wagate/whatsapp/test_data.h"

namespace wagate::whatsapp {
namespace {

constexpr char kVectorSecret[] = "test_app_secret";
constexpr char kVectorHeader[] =
    "sha256=68aad10bbc38e5cd19841aee034b3632807c571612b214d92198af071e45381b";

std::string VectorBody() { return ReadTestData("signature_vector.json"); }

TEST(HmacTest, KnownValues) {
  EXPECT_EQ(HmacSha256Hex("secret", "test"),
            "0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914");
  EXPECT_EQ(HmacSha256Hex(kVectorSecret, VectorBody()),
            "68aad10bbc38e5cd19841aee034b3632807c571612b214d92198af071e45381b");
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // An empty key is a valid HMAC key.
  EXPECT_EQ(HmacSha256Hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Sha256Test, KnownValues) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SignatureHeaderTest, IsPrefixedLowercaseHex) {
  EXPECT_EQ(SignatureHeader(kVectorSecret, VectorBody()), kVectorHeader);
}

TEST(SignatureVerifierTest, AcceptsMetasVector) {
  SignatureVerifier verifier({kVectorSecret});
  ASSERT_EQ(VectorBody().size(), 429u);  // the exact bytes, no trailing newline
  EXPECT_TRUE(verifier.enabled());
  EXPECT_EQ(verifier.Verify(VectorBody(), kVectorHeader), SignatureResult::kValid);
}

TEST(SignatureVerifierTest, RejectsReserialisedBody) {
  SignatureVerifier verifier({kVectorSecret});
  std::string body = VectorBody();
  // What a JSON library writes back: the escapes \u00e9, \/ and \u0040 decoded.
  const std::string escaped = R"(caf\u00e9 \/ a\u0040b)";
  body.replace(body.find(escaped), escaped.size(), "caf\u00e9 / a@b");
  EXPECT_EQ(HmacSha256Hex(kVectorSecret, body),
            "ee39cd6b8216aef31eca8308d6582ae04051ad749fab62f0c9a88cd2a08a916e");
  EXPECT_EQ(verifier.Verify(body, kVectorHeader), SignatureResult::kMismatch);
}

TEST(SignatureVerifierTest, AnyOfSeveralSecretsDuringRotation) {
  SignatureVerifier verifier({"old_secret", "", kVectorSecret, "next_secret"});
  const std::string body = VectorBody();
  EXPECT_EQ(verifier.Verify(body, kVectorHeader), SignatureResult::kValid);
  EXPECT_EQ(verifier.Verify(body, SignatureHeader("old_secret", body)), SignatureResult::kValid);
  EXPECT_EQ(verifier.Verify(body, SignatureHeader("next_secret", body)), SignatureResult::kValid);
  EXPECT_EQ(verifier.Verify(body, SignatureHeader("other", body)), SignatureResult::kMismatch);
  EXPECT_EQ(verifier.Verify(body, SignatureHeader("", body)), SignatureResult::kMismatch);
}

TEST(SignatureVerifierTest, DisabledWithoutSecrets) {
  SignatureVerifier none({});
  EXPECT_FALSE(none.enabled());
  SignatureVerifier only_empty({"", ""});
  EXPECT_FALSE(only_empty.enabled());
  // With nothing to match against, a well-formed signature is a mismatch.
  EXPECT_EQ(only_empty.Verify(VectorBody(), kVectorHeader), SignatureResult::kMismatch);
}

TEST(SignatureVerifierTest, MissingHeader) {
  SignatureVerifier verifier({kVectorSecret});
  EXPECT_EQ(verifier.Verify(VectorBody(), ""), SignatureResult::kMissing);
}

TEST(SignatureVerifierTest, MalformedHeaders) {
  SignatureVerifier verifier({kVectorSecret});
  const std::string body = VectorBody();
  const std::string hex = std::string(kVectorHeader).substr(7);
  for (const std::string& header : std::vector<std::string>{
           hex,                                  // no prefix
           "sha1=" + hex,                        // another algorithm
           "sha256:" + hex,                      // wrong separator
           std::string("sha256="),               // no digits
           "sha256=" + hex.substr(0, 63),        // one digit short
           "sha256=" + hex + "0",                // one digit too many
           "sha256=" + hex.substr(0, 63) + "g",  // a non-hex digit
           "sha256=" + hex + " ",                // trailing text
           " sha256=" + hex,                     // leading text
           "sha256=" + hex + ",sha256=" + hex,   // two values
           std::string("sha256=") + std::string(64, '\0'),
       }) {
    EXPECT_EQ(verifier.Verify(body, header), SignatureResult::kMalformed) << header;
  }
}

TEST(SignatureVerifierTest, PrefixAndHexAreCaseInsensitive) {
  SignatureVerifier verifier({kVectorSecret});
  const std::string body = VectorBody();
  std::string upper_hex = std::string(kVectorHeader).substr(7);
  for (char& c : upper_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(verifier.Verify(body, "SHA256=" + upper_hex), SignatureResult::kValid);
  EXPECT_EQ(verifier.Verify(body, "Sha256=" + std::string(kVectorHeader).substr(7)),
            SignatureResult::kValid);
}

TEST(SignatureVerifierTest, OneFlippedBitIsAMismatch) {
  SignatureVerifier verifier({kVectorSecret});
  std::string header = kVectorHeader;
  header.back() = header.back() == 'b' ? 'c' : 'b';
  EXPECT_EQ(verifier.Verify(VectorBody(), header), SignatureResult::kMismatch);
  std::string body = VectorBody();
  body.back() = ' ';
  EXPECT_EQ(verifier.Verify(body, kVectorHeader), SignatureResult::kMismatch);
}

TEST(SignatureResultNameTest, Names) {
  EXPECT_EQ(SignatureResultName(SignatureResult::kValid), "valid");
  EXPECT_EQ(SignatureResultName(SignatureResult::kMissing), "missing");
  EXPECT_EQ(SignatureResultName(SignatureResult::kMalformed), "malformed");
  EXPECT_EQ(SignatureResultName(SignatureResult::kMismatch), "mismatch");
}

}  // namespace
}  // namespace wagate::whatsapp
