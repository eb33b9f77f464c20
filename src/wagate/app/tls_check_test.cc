#include "wagate/app/tls_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "wagate/testing/self_signed.h"
#include "wagate/testing/temp_dir.h"

namespace wagate::app {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using Outcome = CheckResult::Outcome;

class TlsCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<testing::CertificateFiles> files = testing::WriteSelfSignedCertificate(
        dir_.path(), {.not_after = std::chrono::hours(24 * 100)});
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    config_.tls_cert_file = files->cert_file;
    config_.tls_key_file = files->key_file;
    now_ = SystemClock::Instance().Now();
  }

  testing::TempDir dir_;
  config::Config config_;
  Timestamp now_;
};

TEST_F(TlsCheckTest, PassesWithTheSubjectAndExpiryWhileFarFromExpiry) {
  CheckResult r = TlsCheck(config_, now_);
  EXPECT_EQ(r.name, "tls");
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.detail;
  EXPECT_THAT(r.detail, AllOf(HasSubstr("CN=localhost"), HasSubstr("key matches"),
                              HasSubstr("(in 99 days)")));
}

TEST_F(TlsCheckTest, WarnsWithinFourteenDaysOfExpiry) {
  CheckResult r = TlsCheck(config_, now_ + std::chrono::hours(24 * 90));
  EXPECT_EQ(r.outcome, Outcome::kWarn) << r.detail;
  EXPECT_THAT(r.detail, HasSubstr("(in 9 days)"));
  EXPECT_EQ(TlsCheck(config_, now_ + std::chrono::hours(24 * 85)).outcome, Outcome::kPass)
      << "15 days left";
}

TEST_F(TlsCheckTest, FailsOnceExpired) {
  CheckResult r = TlsCheck(config_, now_ + std::chrono::hours(24 * 101));
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_THAT(r.detail, HasSubstr("expired at"));
}

TEST_F(TlsCheckTest, FailsWhenTheKeyIsMissing) {
  config_.tls_key_file = dir_.path() + "/missing.pem";
  CheckResult r = TlsCheck(config_, now_);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_THAT(r.detail, HasSubstr("TLS_KEY_FILE " + config_.tls_key_file + ": cannot open"));
}

}  // namespace
}  // namespace wagate::app
