#include "wagate/config/tls_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "wagate/config/config.h"
#include "wagate/testing/self_signed.h"
#include "wagate/testing/temp_dir.h"

namespace wagate::config {
namespace {

using ::testing::AllOf;
using testing::CertificateFiles;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::SelfSignedOptions;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The base64 lines of a PEM file (its secret part, for a key).
std::vector<std::string> PemBodyLines(const std::string& pem) {
  std::vector<std::string> lines;
  std::istringstream in(pem);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && !line.starts_with("-----")) lines.push_back(line);
  }
  return lines;
}

class TlsFilesTest : public ::testing::Test {
 protected:
  CertificateFiles Make(SelfSignedOptions options = {}) {
    StatusOr<CertificateFiles> files = testing::WriteSelfSignedCertificate(dir_.path(), options);
    EXPECT_TRUE(files.ok()) << files.status().ToString();
    return files.ok() ? *files : CertificateFiles{};
  }
  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  testing::TempDir dir_;
};

TEST_F(TlsFilesTest, AMatchingEcPairHasNoProblemsAndReportsSubjectAndExpiry) {
  const Timestamp before = SystemClock::Instance().Now();
  CertificateFiles files = Make({.not_after = std::chrono::hours(24 * 30)});
  TlsFilesReport report = InspectTlsFiles(files.cert_file, files.key_file);
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_EQ(report.subject, "CN=localhost");
  ASSERT_TRUE(report.not_after.has_value());
  const auto expected = before + std::chrono::hours(24 * 30);
  EXPECT_LE(std::chrono::abs(*report.not_after - expected), std::chrono::minutes(1));
}

TEST_F(TlsFilesTest, AMatchingRsaPairHasNoProblems) {
  CertificateFiles files = Make({.key_type = SelfSignedOptions::KeyType::kRsa});
  EXPECT_THAT(InspectTlsFiles(files.cert_file, files.key_file).problems, IsEmpty());
}

TEST_F(TlsFilesTest, AnExpiredCertificateIsStillReadAndDated) {
  CertificateFiles files =
      Make({.not_before = std::chrono::hours(-48), .not_after = std::chrono::hours(-24)});
  TlsFilesReport report = InspectTlsFiles(files.cert_file, files.key_file);
  EXPECT_THAT(report.problems, IsEmpty());
  ASSERT_TRUE(report.not_after.has_value());
  EXPECT_LT(*report.not_after, SystemClock::Instance().Now());
}

TEST_F(TlsFilesTest, AKeyOfAnotherCertificateIsNamedWithoutPrintingIt) {
  CertificateFiles a = Make({.cert_name = "a.pem", .key_name = "a.key"});
  CertificateFiles b = Make({.cert_name = "b.pem", .key_name = "b.key"});
  TlsFilesReport report = InspectTlsFiles(a.cert_file, b.key_file);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_THAT(report.problems[0],
              AllOf(HasSubstr("TLS_KEY_FILE " + b.key_file), HasSubstr("does not match"),
                    HasSubstr("TLS_CERT_FILE " + a.cert_file)));
  for (const std::string& line : PemBodyLines(ReadAll(b.key_file))) {
    EXPECT_THAT(report.problems[0], Not(HasSubstr(line)));
  }
}

TEST_F(TlsFilesTest, MissingAndUnreadableFilesAreAllNamed) {
  TlsFilesReport report = InspectTlsFiles(dir_.path() + "/none.pem", dir_.path());  // a directory
  EXPECT_THAT(
      report.problems,
      ElementsAre(
          AllOf(HasSubstr("TLS_CERT_FILE " + dir_.path() + "/none.pem"), HasSubstr("cannot open")),
          AllOf(HasSubstr("TLS_KEY_FILE " + dir_.path()), HasSubstr("cannot read"))));
  EXPECT_FALSE(report.not_after.has_value());
}

TEST_F(TlsFilesTest, FilesThatAreNotPemAreRefusedWithoutEchoingTheirBytes) {
  std::string cert = WriteFile("cert.txt", "not a certificate\n");
  std::string key = WriteFile("key.txt",
                              "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n"
                              "-----END PRIVATE KEY-----\n");
  TlsFilesReport report = InspectTlsFiles(cert, key);
  EXPECT_THAT(report.problems,
              ElementsAre(HasSubstr("TLS_CERT_FILE " + cert + ": no PEM certificate"),
                          HasSubstr("TLS_KEY_FILE " + key + ": no PEM private key")));
  for (const std::string& p : report.problems) EXPECT_THAT(p, Not(HasSubstr("c2VjcmV0")));
}

TEST_F(TlsFilesTest, AnEncryptedKeyIsRefusedWithoutAskingForAPassphrase) {
  CertificateFiles files = Make({.passphrase = "correct horse"});
  ASSERT_THAT(ReadAll(files.key_file), HasSubstr("ENCRYPTED"));
  EXPECT_THAT(InspectTlsFiles(files.cert_file, files.key_file).problems,
              ElementsAre(HasSubstr("encrypted keys are not supported")));
}

// Serve validates the files with the rest of the configuration: every problem at once.
TEST_F(TlsFilesTest, ServeValidationReportsFileProblemsWithTheOthers) {
  CertificateFiles a = Make({.cert_name = "a.pem", .key_name = "a.key"});
  CertificateFiles b = Make({.cert_name = "b.pem", .key_name = "b.key"});
  EnvMap env{{"TLS_CERT_FILE", a.cert_file}, {"TLS_KEY_FILE", b.key_file}, {"PORT", "70000"}};
  const ValidateOptions serve{.check_tls_files = true};
  StatusOr<Config> config = LoadConfig(env, "/dev/null", serve);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), AllOf(HasSubstr("PORT"), HasSubstr("does not match")));

  // Other commands do not read the files.
  env.erase("PORT");
  EXPECT_TRUE(LoadConfig(env, "/dev/null").ok());
  env["TLS_KEY_FILE"] = a.key_file;
  EXPECT_TRUE(LoadConfig(env, "/dev/null", serve).ok());
}

}  // namespace
}  // namespace wagate::config
