// Inbound TLS (SPEC §4, §6): the real binary with TLS_CERT_FILE and TLS_KEY_FILE answers HTTPS
// on loopback, refuses plain HTTP and stalled handshakes without harm to other clients, refuses
// unusable files at startup, and `wagate check` reports the certificate.
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.h"
#include "service.h"
#include "wagate/testing/self_signed.h"

namespace wagate::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

testing::CertificateFiles MakeCertificate(const std::string& dir,
                                          testing::SelfSignedOptions options = {}) {
  StatusOr<testing::CertificateFiles> files = testing::WriteSelfSignedCertificate(dir, options);
  EXPECT_TRUE(files.ok()) << files.status().ToString();
  return files.ok() ? *files : testing::CertificateFiles{};
}

struct Handshake {
  std::string error;  // empty on success
  std::string version;
  std::string cipher;
};

// A TLS handshake with the service by a client limited to `max_version` that would accept
// anything down to SSL 3 (security level 0), so that only the server can refuse.
Handshake TryHandshake(int port, const std::string& ca_file, int max_version) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  SSL_CTX_set_security_level(tls.native_handle(), 0);
  SSL_CTX_set_min_proto_version(tls.native_handle(), 0);
  SSL_CTX_set_max_proto_version(tls.native_handle(), max_version);
  SSL_CTX_set_cipher_list(tls.native_handle(), "ALL:@SECLEVEL=0");
  boost::beast::error_code ec;
  tls.load_verify_file(ca_file, ec);
  if (ec) return {"load_verify_file: " + ec.message()};
  tls.set_verify_mode(asio::ssl::verify_peer);
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(io, tls);
  boost::beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  boost::beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return {"connect: " + ec.message()};
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return {ec.message()};
  Handshake done{"", SSL_get_version(stream.native_handle()),
                 SSL_get_cipher_name(stream.native_handle())};
  stream.shutdown(ec);
  return done;
}

class TlsServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = MakeCertificate(certs_.path());
    env_ = BaseEnv(data_.path());
    env_["TLS_CERT_FILE"] = files_.cert_file;
    env_["TLS_KEY_FILE"] = files_.key_file;
  }

  testing::TempDir data_;
  testing::TempDir certs_;
  testing::CertificateFiles files_;
  Env env_;
};

TEST_F(TlsServeTest, HttpsServesHealthAndASignedWebhookReachesCompleted) {
  env_["WORKERS"] = "2";
  env_["SQS_WAIT_TIME_SECONDS"] = "1";
  WagateProcess p(env_);
  ASSERT_TRUE(p.started()) << p.ReadLog();

  std::string alpn;
  HttpResult health = HttpsRequest(p.port(), files_.cert_file, "GET", "/health", "", {}, &alpn);
  ASSERT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(Json(health).at("status").as_string(), "healthy");
  EXPECT_EQ(alpn, "http/1.1");
  EXPECT_THAT(p.ReadLog(), Not(HasSubstr("tls certificate"))) << "a year left: no warning";

  std::string body = TextMessageBody("wamid.TLS-ONE");
  HttpResult posted =
      HttpsRequest(p.port(), files_.cert_file, "POST", "/webhook", body, Signed(body));
  ASSERT_EQ(posted.status, 200) << posted.error;
  EXPECT_EQ(posted.body, R"({"status":"ok","accepted":1,"duplicates":0,"quarantined":0})");
  boost::json::value record = AwaitState(env_, "msg:wamid.TLS-ONE", "COMPLETED");
  EXPECT_EQ(record.at("state").as_string(), "COMPLETED") << record;

  // An unsigned POST is refused over HTTPS exactly as over HTTP.
  EXPECT_EQ(HttpsRequest(p.port(), files_.cert_file, "POST", "/webhook", body).status, 401);
  EXPECT_EQ(p.Terminate(), 0) << p.ReadLog();
}

TEST_F(TlsServeTest, PlainHttpToTheTlsPortGetsNoHttpAnswerAndHttpsGoesOn) {
  WagateProcess p(env_);
  ASSERT_TRUE(p.started()) << p.ReadLog();

  int fd = Connect(p.port());
  ASSERT_GE(fd, 0);
  const std::string request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string answer;
  char buf[4096];
  ssize_t n = 0;
  while ((n = read(fd, buf, sizeof buf)) > 0) answer.append(buf, static_cast<size_t>(n));
  const bool closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  close(fd);
  EXPECT_TRUE(closed) << "the server closes the connection";
  EXPECT_THAT(answer, Not(HasSubstr("HTTP/"))) << "at most a TLS alert, never an HTTP answer";
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/health").status, 0) << "the plain client gets no answer";

  EXPECT_EQ(HttpsRequest(p.port(), files_.cert_file, "GET", "/health").status, 200);
}

TEST_F(TlsServeTest, OnlyTls12AndNewerWithForwardSecretAeadCiphersAreAccepted) {
  WagateProcess p(env_);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  Handshake old = TryHandshake(p.port(), files_.cert_file, TLS1_1_VERSION);
  EXPECT_THAT(old.error, HasSubstr("protocol version")) << "the server refuses TLS 1.1";
  Handshake tls12 = TryHandshake(p.port(), files_.cert_file, TLS1_2_VERSION);
  ASSERT_EQ(tls12.error, "");
  EXPECT_EQ(tls12.version, "TLSv1.2");
  EXPECT_THAT(tls12.cipher, ::testing::StartsWith("ECDHE-"));
  EXPECT_THAT(tls12.cipher, ::testing::AnyOf(HasSubstr("GCM"), HasSubstr("CHACHA20")));
  Handshake tls13 = TryHandshake(p.port(), files_.cert_file, TLS1_3_VERSION);
  ASSERT_EQ(tls13.error, "");
  EXPECT_EQ(tls13.version, "TLSv1.3");
}

TEST_F(TlsServeTest, TheBodyLimitAppliesOverHttps) {
  env_["MAX_BODY_BYTES"] = "1024";
  WagateProcess p(env_);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string big(4096, 'x');
  HttpResult r = HttpsRequest(p.port(), files_.cert_file, "POST", "/webhook", big, Signed(big));
  EXPECT_EQ(r.status, 413) << r.error;
  EXPECT_EQ(HttpsRequest(p.port(), files_.cert_file, "GET", "/health").status, 200);
}

TEST_F(TlsServeTest, AHandshakeThatStallsIsCutOffByTheHeaderTimeout) {
  env_["HTTP_HEADER_TIMEOUT_SECONDS"] = "1";
  WagateProcess p(env_);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  int fd = Connect(p.port());
  ASSERT_GE(fd, 0);
  // The header of a TLS handshake record that promises 512 bytes, then nothing.
  const char partial[] = {0x16, 0x03, 0x01, 0x02, 0x00};
  ASSERT_EQ(write(fd, partial, sizeof partial), static_cast<ssize_t>(sizeof partial));
  EXPECT_FALSE(ClosedByPeerWithin(fd, std::chrono::milliseconds(300))) << "not closed at once";
  // Other clients are served meanwhile.
  EXPECT_EQ(HttpsRequest(p.port(), files_.cert_file, "GET", "/health").status, 200);
  EXPECT_TRUE(ClosedByPeerWithin(fd, std::chrono::milliseconds(5000)));
  close(fd);
  EXPECT_EQ(HttpsRequest(p.port(), files_.cert_file, "GET", "/health").status, 200);
}

TEST_F(TlsServeTest, AClientThatDoesNotTrustTheCertificateFailsWithoutHarm) {
  WagateProcess p(env_);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  testing::TempDir other_dir;
  testing::CertificateFiles other = MakeCertificate(other_dir.path());
  HttpResult refused = HttpsRequest(p.port(), other.cert_file, "GET", "/health");
  EXPECT_EQ(refused.status, 0);
  EXPECT_THAT(refused.error, HasSubstr("handshake"));
  EXPECT_EQ(HttpsRequest(p.port(), files_.cert_file, "GET", "/health").status, 200);
}

TEST_F(TlsServeTest, ACertificateNearItsExpiryIsServedWithAWarning) {
  testing::TempDir dir;
  testing::CertificateFiles soon =
      MakeCertificate(dir.path(), {.not_after = std::chrono::hours(24 * 5)});
  env_["TLS_CERT_FILE"] = soon.cert_file;
  env_["TLS_KEY_FILE"] = soon.key_file;
  WagateProcess p(env_);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  EXPECT_EQ(HttpsRequest(p.port(), soon.cert_file, "GET", "/health").status, 200);
  EXPECT_THAT(p.ReadLog(), HasSubstr("tls certificate expires soon or has expired"));
  EXPECT_THAT(p.ReadLog(), HasSubstr("(in 4 days)"));
}

class TlsConfigTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(TlsConfigTest, ServeRefusesUnusableFilesWithExitTwoAndNoKeyBytes) {
  testing::CertificateFiles a =
      MakeCertificate(dir_.path(), {.cert_name = "a.pem", .key_name = "a.key"});
  testing::CertificateFiles b =
      MakeCertificate(dir_.path(), {.cert_name = "b.pem", .key_name = "b.key"});
  Env env = BaseEnv(dir_.path() + "/data");

  Env mismatched = env;
  mismatched["TLS_CERT_FILE"] = a.cert_file;
  mismatched["TLS_KEY_FILE"] = b.key_file;
  mismatched["PORT"] = "70000";  // reported with the TLS problem, at once
  CommandResult r = RunWagate({"serve"}, mismatched);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("TLS_KEY_FILE " + b.key_file + " does not match the certificate"));
  EXPECT_THAT(r.err, HasSubstr("PORT"));
  std::istringstream key(ReadAll(b.key_file));
  for (std::string line; std::getline(key, line);) {
    if (line.starts_with("-----")) continue;
    EXPECT_THAT(r.err + r.out, Not(HasSubstr(line))) << "key material printed";
  }

  Env only_cert = env;
  only_cert["TLS_CERT_FILE"] = a.cert_file;
  r = RunWagate({"serve"}, only_cert);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("TLS_CERT_FILE and TLS_KEY_FILE must be set together"));

  Env unreadable = env;
  unreadable["TLS_CERT_FILE"] = a.cert_file;
  unreadable["TLS_KEY_FILE"] = dir_.path() + "/missing.key";
  r = RunWagate({"serve"}, unreadable);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("TLS_KEY_FILE " + dir_.path() + "/missing.key: cannot open"));
}

// The production settings `check` needs, on a provisioned sqlite database.
Env ProductionEnv(const std::string& data_dir) {
  Env env = BaseEnv(data_dir);
  env["ENVIRONMENT"] = "production";
  env["HANDLER"] = "echo";
  env["SENDER_DRY_RUN"] = "true";
  return env;
}

// The check named `name` in a `check --json` document, or null.
boost::json::value FindCheck(const std::string& out, const std::string& name) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(out, ec);
  if (ec || !doc.is_object()) return nullptr;
  for (const boost::json::value& c : doc.at("checks").as_array()) {
    if (c.at("name").as_string() == name) return c;
  }
  return nullptr;
}

TEST_F(TlsConfigTest, CheckWarnsWithoutHttpsAndReportsTheCertificate) {
  Env env = ProductionEnv(dir_.path() + "/data");
  ASSERT_EQ(RunWagate({"provision"}, env).exit_code, 0);

  CommandResult plain = RunWagate({"check", "--json"}, env);
  EXPECT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  boost::json::value https = FindCheck(plain.out, "https");
  ASSERT_TRUE(https.is_object()) << plain.out;
  EXPECT_EQ(https.at("result").as_string(), "warn");
  EXPECT_TRUE(FindCheck(plain.out, "tls").is_null()) << "no tls line without TLS";

  testing::CertificateFiles files = MakeCertificate(dir_.path());
  env["TLS_CERT_FILE"] = files.cert_file;
  env["TLS_KEY_FILE"] = files.key_file;
  CommandResult with_tls = RunWagate({"check", "--json"}, env);
  EXPECT_EQ(with_tls.exit_code, 0) << with_tls.out << with_tls.err;
  EXPECT_TRUE(FindCheck(with_tls.out, "https").is_null()) << with_tls.out;
  boost::json::value tls = FindCheck(with_tls.out, "tls");
  ASSERT_TRUE(tls.is_object()) << with_tls.out;
  EXPECT_EQ(tls.at("result").as_string(), "pass");
  EXPECT_THAT(std::string(tls.at("detail").as_string()), HasSubstr("CN=localhost"));
  CommandResult human = RunWagate({"check"}, env);
  EXPECT_THAT(human.out, HasSubstr("✅ tls: CN=localhost, key matches, expires"));

  // Expiring soon warns (exit unchanged); expired fails the check.
  testing::CertificateFiles soon = MakeCertificate(
      dir_.path(),
      {.not_after = std::chrono::hours(24 * 10), .cert_name = "soon.pem", .key_name = "soon.key"});
  env["TLS_CERT_FILE"] = soon.cert_file;
  env["TLS_KEY_FILE"] = soon.key_file;
  CommandResult expiring = RunWagate({"check"}, env);
  EXPECT_EQ(expiring.exit_code, 0) << expiring.out;
  EXPECT_THAT(expiring.out, HasSubstr("⚠ tls:"));
  testing::CertificateFiles old =
      MakeCertificate(dir_.path(), {.not_before = std::chrono::hours(-48),
                                    .not_after = std::chrono::hours(-24),
                                    .cert_name = "old.pem",
                                    .key_name = "old.key"});
  env["TLS_CERT_FILE"] = old.cert_file;
  env["TLS_KEY_FILE"] = old.key_file;
  CommandResult expired = RunWagate({"check"}, env);
  EXPECT_EQ(expired.exit_code, 1) << expired.out;
  EXPECT_THAT(expired.out, HasSubstr("❌ tls:"));
  EXPECT_THAT(expired.out, HasSubstr("expired at"));
}

}  // namespace
}  // namespace wagate::integration
