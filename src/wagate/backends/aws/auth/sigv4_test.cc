#include "wagate/backends/aws/auth/sigv4.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "wagate/backends/aws/auth/credentials.h"

namespace wagate::aws {
namespace {

// The context of AWS's SigV4 test suite (the aws-sig-v4-test-suite of the AWS General Reference,
// as maintained in awslabs/aws-c-auth tests/aws-signing-test-suite/v4).
const Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", {}};
const SigningScope kSuiteScope{"us-east-1", "service"};
const Timestamp kSuiteTime = FromUnixMillis(1440938160000);  // 2015-08-30T12:36:00Z
constexpr std::string_view kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Authorization(std::string_view signed_headers, std::string_view signature,
                          std::string_view service = "service") {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/" + std::string(service) +
         "/aws4_request, SignedHeaders=" + std::string(signed_headers) +
         ", Signature=" + std::string(signature);
}

std::string HeaderValue(const net::HttpRequest& request, std::string_view name) {
  std::string found;
  int count = 0;
  for (const auto& [n, v] : request.headers) {
    if (n == name) {
      found = v;
      ++count;
    }
  }
  EXPECT_LE(count, 1) << name;
  return found;
}

struct Vector {
  std::string name;
  std::string method;
  std::string url;
  net::HttpHeaders headers;
  std::string body;
  std::string session_token;
  std::string signed_headers;
  std::string signature;
};

// Suite vectors whose request is a valid URL, signed end to end through SignRequest().
class SuiteVectorTest : public ::testing::TestWithParam<Vector> {};

TEST_P(SuiteVectorTest, SignRequestProducesThePublishedAuthorization) {
  const Vector& v = GetParam();
  net::HttpRequest request{.method = v.method, .url = v.url, .headers = v.headers, .body = v.body};
  Credentials credentials = kSuite;
  credentials.session_token = v.session_token;
  ASSERT_TRUE(SignRequest(request, credentials, kSuiteScope, kSuiteTime).ok());
  EXPECT_EQ(HeaderValue(request, "authorization"), Authorization(v.signed_headers, v.signature));
  EXPECT_EQ(HeaderValue(request, "x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(HeaderValue(request, "x-amz-security-token"), v.session_token);
}

const char kFormBodyHash[] = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
const char kStsToken[] =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSP"
    "fIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT"
    "7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlz"
    "m8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

INSTANTIATE_TEST_SUITE_P(
    AwsSuite, SuiteVectorTest,
    ::testing::Values(
        Vector{.name = "get_vanilla",
               .method = "GET",
               .url = "https://example.amazonaws.com/",
               .signed_headers = "host;x-amz-date",
               .signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        Vector{.name = "get_vanilla_query_order_key_case",
               .method = "GET",
               .url = "https://example.amazonaws.com/?Param2=value2&Param1=value1",
               .signed_headers = "host;x-amz-date",
               .signature = "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
        Vector{.name = "get_vanilla_query_unreserved",
               .method = "GET",
               .url = "https://example.amazonaws.com/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcde"
                      "fghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
                      "nopqrstuvwxyz",
               .signed_headers = "host;x-amz-date",
               .signature = "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
        Vector{.name = "get_vanilla_utf8_query",
               .method = "GET",
               .url = "https://example.amazonaws.com/?%E1%88%B4=bar",
               .signed_headers = "host;x-amz-date",
               .signature = "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
        Vector{.name = "get_unreserved",
               .method = "GET",
               .url = "https://example.amazonaws.com/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
                      "ghijklmnopqrstuvwxyz",
               .signed_headers = "host;x-amz-date",
               .signature = "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
        Vector{.name = "get_slashes_normalized",
               .method = "GET",
               .url = "https://example.amazonaws.com//example//",
               .signed_headers = "host;x-amz-date",
               .signature = "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
        Vector{.name = "get_relative_relative_normalized",
               .method = "GET",
               .url = "https://example.amazonaws.com/example1/example2/../..",
               .signed_headers = "host;x-amz-date",
               .signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        Vector{.name = "get_header_value_trim",
               .method = "GET",
               .url = "https://example.amazonaws.com/",
               .headers = {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
               .signed_headers = "host;my-header1;my-header2;x-amz-date",
               .signature = "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
        Vector{.name = "get_header_key_duplicate",
               .method = "GET",
               .url = "https://example.amazonaws.com/",
               .headers = {{"My-Header1", "value2"},
                           {"My-Header1", "value2"},
                           {"My-Header1", "value1"}},
               .signed_headers = "host;my-header1;x-amz-date",
               .signature = "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
        Vector{.name = "post_vanilla",
               .method = "POST",
               .url = "https://example.amazonaws.com/",
               .signed_headers = "host;x-amz-date",
               .signature = "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
        // The classic suite's post-x-www-form-urlencoded.
        Vector{.name = "post_x_www_form_urlencoded",
               .method = "POST",
               .url = "https://example.amazonaws.com/",
               .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
               .body = "Param1=value1",
               .signed_headers = "content-type;host;x-amz-date",
               .signature = "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
        // aws-c-auth's variants, which also sign content-length and x-amz-content-sha256.
        Vector{.name = "post_x_www_form_urlencoded_signed_body",
               .method = "POST",
               .url = "https://example.amazonaws.com/",
               .headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                           {"Content-Length", "13"},
                           {"X-Amz-Content-Sha256", kFormBodyHash}},
               .body = "Param1=value1",
               .signed_headers = "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
               .signature = "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"},
        Vector{.name = "post_x_www_form_urlencoded_parameters",
               .method = "POST",
               .url = "https://example.amazonaws.com/",
               .headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                           {"Content-Length", "13"},
                           {"X-Amz-Content-Sha256", kFormBodyHash}},
               .body = "Param1=value1",
               .signed_headers = "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
               .signature = "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422"},
        Vector{.name = "get_vanilla_with_session_token",
               .method = "GET",
               .url = "https://example.amazonaws.com/",
               .session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
               .signed_headers = "host;x-amz-date;x-amz-security-token",
               .signature = "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
        Vector{.name = "post_sts_header_before",
               .method = "POST",
               .url = "https://example.amazonaws.com/",
               .session_token = kStsToken,
               .signed_headers = "host;x-amz-date;x-amz-security-token",
               .signature = "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"}),
    [](const ::testing::TestParamInfo<Vector>& info) { return info.param.name; });

// Suite vectors whose request line holds bytes a URL may not (a space, raw UTF-8): signed from
// the steps, with the path as the request line has it.
std::string SignParts(std::string_view path) {
  CanonicalInput input{
      .method = "GET",
      .path = std::string(path),
      .query = {},
      .headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
      .payload_hash = std::string(kEmptyHash)};
  std::string canonical = CanonicalRequest(input);
  return Signature(SigningKey(kSuite.secret_access_key, kSuiteTime, kSuiteScope),
                   StringToSign(kSuiteTime, kSuiteScope, canonical));
}

TEST(SigV4StepsTest, GetUtf8) {
  EXPECT_EQ(CanonicalUri("/\xE1\x88\xB4"), "/%E1%88%B4");
  EXPECT_EQ(SignParts("/\xE1\x88\xB4"),
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
}

TEST(SigV4StepsTest, GetSpace) {
  EXPECT_EQ(CanonicalUri("/example space/"), "/example%20space/");
  EXPECT_EQ(SignParts("/example space/"),
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741");
}

TEST(SigV4StepsTest, GetVanillaCanonicalRequestAndStringToSign) {
  CanonicalInput input{
      .method = "GET",
      .path = "/",
      .query = {},
      .headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
      .payload_hash = std::string(kEmptyHash)};
  const std::string canonical = CanonicalRequest(input);
  EXPECT_EQ(canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign(kSuiteTime, kSuiteScope, canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(SigV4StepsTest, QueryOrderStringToSign) {
  CanonicalInput input{
      .method = "GET",
      .path = "/",
      .query = ParseQuery("Param2=value2&Param1=value1"),
      .headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
      .payload_hash = std::string(kEmptyHash)};
  EXPECT_EQ(CanonicalQueryString(input.query), "Param1=value1&Param2=value2");
  EXPECT_EQ(StringToSign(kSuiteTime, kSuiteScope, CanonicalRequest(input)),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0");
}

TEST(SigV4StepsTest, HeaderValueTrimCanonicalHeaders) {
  CanonicalHeaderList headers = CanonicalHeaders({{"Host", "example.amazonaws.com"},
                                                  {"My-Header1", " value1"},
                                                  {"My-Header2", " \"a   b   c\""},
                                                  {"X-Amz-Date", "20150830T123600Z"}});
  EXPECT_EQ(headers.canonical,
            "host:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
            "x-amz-date:20150830T123600Z\n");
  EXPECT_EQ(headers.signed_headers, "host;my-header1;my-header2;x-amz-date");
}

// "Create a signed AWS API request" in the IAM documentation: ListUsers, with each step's value.
TEST(SigV4StepsTest, IamListUsersDocumentationExample) {
  const SigningScope iam{"us-east-1", "iam"};
  net::HttpRequest request{
      .method = "GET",
      .url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
      .headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}};
  CanonicalInput input{
      .method = "GET",
      .path = "/",
      .query = ParseQuery("Action=ListUsers&Version=2010-05-08"),
      .headers = {{"Host", "iam.amazonaws.com"},
                  {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"X-Amz-Date", "20150830T123600Z"}},
      .payload_hash = std::string(kEmptyHash)};
  EXPECT_EQ(Sha256Hex(CanonicalRequest(input)),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(HexEncode(SigningKey(kSuite.secret_access_key, kSuiteTime, iam)),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");

  ASSERT_TRUE(SignRequest(request, kSuite, iam, kSuiteTime).ok());
  EXPECT_EQ(HeaderValue(request, "host"), "iam.amazonaws.com");
  EXPECT_EQ(
      HeaderValue(request, "authorization"),
      Authorization("content-type;host;x-amz-date",
                    "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7", "iam"));
}

TEST(SigV4StepsTest, UriEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(UriEncode("AZaz09-_.~", true), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b+c=d/e%f*!'()", true), "a%20b%2Bc%3Dd%2Fe%25f%2A%21%27%28%29");
  EXPECT_EQ(UriEncode("a/b c", false), "a/b%20c");
  EXPECT_EQ(UriEncode("\xE2\x82\xAC", true), "%E2%82%AC");
}

TEST(SigV4StepsTest, CanonicalUriNormalisesAndEncodesThePathAgain) {
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/"), "/");
  EXPECT_EQ(CanonicalUri("//"), "/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c/"), "/a/c/");
  EXPECT_EQ(CanonicalUri("/a//b"), "/a/b");
  EXPECT_EQ(CanonicalUri("/../.."), "/");
  // The URL's escapes are encoded once more, as the AWS SDKs do for every service but S3.
  EXPECT_EQ(CanonicalUri("/a%20b/%E2%82%AC"), "/a%2520b/%25E2%2582%25AC");
  EXPECT_EQ(CanonicalUri("/k=v+w~"), "/k%3Dv%2Bw~");
}

TEST(SigV4StepsTest, QueryIsDecodedThenEncodedAndSorted) {
  QueryParams params = ParseQuery("b=2&a=%7e&a=1&flag&&e=&plus=a+b&sp=a%20b&eq=x=y");
  EXPECT_EQ(CanonicalQueryString(params), "a=1&a=~&b=2&e=&eq=x%3Dy&flag=&plus=a%2Bb&sp=a%20b");
  EXPECT_EQ(PercentDecode("%41%zz%4"), "A%zz%4");
}

TEST(SigV4Test, AmzDateDropsMilliseconds) {
  EXPECT_EQ(AmzDate(kSuiteTime + Millis(999)), "20150830T123600Z");
  EXPECT_EQ(CredentialScope(kSuiteTime, kSuiteScope), "20150830/us-east-1/service/aws4_request");
}

TEST(SigV4Test, HostCarriesANonDefaultPortOnly) {
  struct Case {
    std::string url, host;
  } cases[] = {{"http://localhost:8000/", "localhost:8000"},
               {"http://localhost:80/", "localhost"},
               {"https://sqs.eu-west-1.amazonaws.com:443/", "sqs.eu-west-1.amazonaws.com"},
               {"https://127.0.0.1:4566", "127.0.0.1:4566"},
               {"http://[::1]:9324/q", "[::1]:9324"}};
  for (const Case& c : cases) {
    net::HttpRequest request{.url = c.url};
    ASSERT_TRUE(SignRequest(request, kSuite, kSuiteScope, kSuiteTime).ok()) << c.url;
    EXPECT_EQ(HeaderValue(request, "host"), c.host) << c.url;
  }
}

TEST(SigV4Test, AnExistingHostHeaderIsKeptAndSigned) {
  net::HttpRequest request{.url = "http://127.0.0.1:8000/",
                           .headers = {{"Host", "example.amazonaws.com"}}};
  ASSERT_TRUE(SignRequest(request, kSuite, kSuiteScope, kSuiteTime).ok());
  EXPECT_EQ(HeaderValue(request, "host"), "");
  EXPECT_EQ(HeaderValue(request, "Host"), "example.amazonaws.com");
  // The get-vanilla signature: the URL's own host does not matter once Host is given.
  EXPECT_EQ(HeaderValue(request, "authorization"),
            Authorization("host;x-amz-date",
                          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

TEST(SigV4Test, SigningAgainReplacesTheEarlierSignature) {
  net::HttpRequest request{.url = "https://example.amazonaws.com/"};
  Credentials with_token = kSuite;
  with_token.session_token = "old-token";
  ASSERT_TRUE(SignRequest(request, with_token, kSuiteScope, kSuiteTime - Millis(60000)).ok());
  ASSERT_TRUE(SignRequest(request, kSuite, kSuiteScope, kSuiteTime).ok());
  EXPECT_EQ(request.headers.size(), 3u);  // host, x-amz-date, authorization
  EXPECT_EQ(HeaderValue(request, "x-amz-security-token"), "");
  EXPECT_EQ(HeaderValue(request, "authorization"),
            Authorization("host;x-amz-date",
                          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

TEST(SigV4Test, TheBodyIsHashed) {
  net::HttpRequest a{.method = "POST", .url = "https://example.amazonaws.com/", .body = "x"};
  net::HttpRequest b{.method = "POST", .url = "https://example.amazonaws.com/", .body = "y"};
  ASSERT_TRUE(SignRequest(a, kSuite, kSuiteScope, kSuiteTime).ok());
  ASSERT_TRUE(SignRequest(b, kSuite, kSuiteScope, kSuiteTime).ok());
  EXPECT_NE(HeaderValue(a, "authorization"), HeaderValue(b, "authorization"));
}

TEST(SigV4Test, AnUnparsableUrlIsInvalidArgumentWithoutSecrets) {
  Credentials secret{"AKID", "very-secret-key", "very-secret-token", {}};
  for (std::string url :
       {"", "not a url", "/relative/path", "ftp://example.com/", "http:///no-host",
        "http://exa mple.com/", "http://127.0.0.1.example.com/path"}) {
    net::HttpRequest request{.url = url};
    Status status = SignRequest(request, secret, kSuiteScope, kSuiteTime);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(status.message(), ::testing::Not(::testing::HasSubstr("very-secret"))) << url;
  }
}

}  // namespace
}  // namespace wagate::aws
