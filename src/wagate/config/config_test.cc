#include "wagate/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace wagate::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

namespace fs = std::filesystem;

// Every test runs in a fresh empty working directory, so "./.env" is under its control.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_cwd_ = fs::current_path();
    std::string pattern = (fs::temp_directory_path() / "wagate_config_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::current_path(dir_);
  }
  void TearDown() override {
    fs::current_path(old_cwd_);
    fs::remove_all(dir_);
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // The message of a LoadConfig() that must fail with InvalidArgument.
  static std::string Problems(const EnvMap& env, const std::string& env_file = "") {
    StatusOr<Config> config = LoadConfig(env, env_file);
    EXPECT_FALSE(config.ok());
    if (config.ok()) return "";
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    return config.status().message();
  }

  static Config Load(const EnvMap& env, const std::string& env_file = "") {
    StatusOr<Config> config = LoadConfig(env, env_file);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return config.ok() ? *config : Config{};
  }

  // A complete production configuration on the aws backend.
  static EnvMap ProductionAws() {
    return {
        {"ENVIRONMENT", "production"},
        {"WAGATE_BACKEND", "aws"},
        {"WHATSAPP_APP_SECRET", "app-secret-value-1"},
        {"WHATSAPP_VERIFY_TOKEN", "verify-token-value"},
        {"WHATSAPP_ACCESS_TOKEN", "access-token-value"},
        {"HANDLER", "none"},
        {"DYNAMODB_TABLE_NAME", "whatsapp-dedup-prod"},
        {"AWS_REGION", "us-east-1"},
        {"INCOMING_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/whatsapp-incoming"},
        {"OUTGOING_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/whatsapp-outgoing"},
        {"ANALYTICS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/whatsapp-analytics"},
        {"INCOMING_DLQ_URL", "https://sqs.us-east-1.amazonaws.com/1/whatsapp-incoming-dlq"},
        {"OUTGOING_DLQ_URL", "https://sqs.us-east-1.amazonaws.com/1/whatsapp-outgoing-dlq"},
        {"ANALYTICS_DLQ_URL", "https://sqs.us-east-1.amazonaws.com/1/whatsapp-analytics-dlq"},
    };
  }

  fs::path old_cwd_;
  fs::path dir_;
};

TEST_F(ConfigTest, NamesOfEnums) {
  EXPECT_EQ(BackendName(Backend::kSqlite), "sqlite");
  EXPECT_EQ(BackendName(Backend::kAws), "aws");
  EXPECT_EQ(EnvironmentName(Environment::kDevelopment), "development");
  EXPECT_EQ(EnvironmentName(Environment::kStaging), "staging");
  EXPECT_EQ(EnvironmentName(Environment::kProduction), "production");
}

TEST_F(ConfigTest, EmptyEnvironmentGivesTheSpecDefaults) {
  Config c = Load({});
  EXPECT_EQ(c.backend, Backend::kSqlite);
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.port, 8080);
  EXPECT_TRUE(c.development());
  EXPECT_EQ(c.api_base_url, "https://graph.facebook.com");
  EXPECT_EQ(c.api_version, "v25.0");
  EXPECT_EQ(c.handler, "");
  EXPECT_EQ(c.EffectiveHandler(), "echo");
  EXPECT_EQ(c.handler_timeout_seconds, 10);
  EXPECT_EQ(c.workers, 4);
  EXPECT_EQ(c.senders, 2);
  EXPECT_EQ(c.lease_seconds, 30);
  EXPECT_EQ(c.dedup_ttl_seconds, 1296000);
  EXPECT_EQ(c.pending_grace_seconds, 30);
  EXPECT_EQ(c.retry_max_delay_seconds, 900);
  EXPECT_EQ(c.reply_max_age_seconds, 86400);
  EXPECT_EQ(c.send_rate_per_number, 80);
  EXPECT_EQ(c.send_throttle_max_seconds, 3600);
  EXPECT_EQ(c.uncertain_resend_after_seconds, 120);
  EXPECT_FALSE(c.sender_dry_run);
  EXPECT_EQ(c.analytics_sink, "none");
  EXPECT_EQ(c.drain_seconds, 5);
  EXPECT_EQ(c.shutdown_grace_seconds, 20);
  EXPECT_EQ(c.sqs_visibility_timeout, 900);
  EXPECT_EQ(c.sqs_max_receive_count, 3);
  EXPECT_EQ(c.sqs_wait_time_seconds, 20);
  EXPECT_EQ(c.sqs_message_retention_seconds, 1209600);
  EXPECT_EQ(c.sqs_queue_prefix, "whatsapp-");
  EXPECT_EQ(c.dynamodb_billing_mode, "PAY_PER_REQUEST");
  EXPECT_EQ(c.max_body_bytes, 4 * 1024 * 1024);
  EXPECT_EQ(c.rate_limit_webhook_per_minute, 100);
  EXPECT_EQ(c.rate_limit_health_per_minute, 60);
  EXPECT_EQ(c.min_free_disk_mb, 512);
  EXPECT_EQ(c.log_level, log::Level::kInfo);
  EXPECT_EQ(c.log_format, log::Format::kJson);
  EXPECT_THAT(c.SecretValues(), IsEmpty());
  EXPECT_THAT(Validate(Config{}), IsEmpty());
}

TEST_F(ConfigTest, EveryVariableIsRead) {
  Config c = Load({
      {"WAGATE_BACKEND", "aws"},
      {"WAGATE_DATA_DIR", "/var/lib/wagate"},
      {"HOST", "127.0.0.1"},
      {"PORT", "0"},
      {"ENVIRONMENT", "staging"},
      {"WHATSAPP_VERIFY_TOKEN", "vt"},
      {"WHATSAPP_APP_SECRET", " new , old ,"},
      {"WHATSAPP_ACCESS_TOKEN", "at"},
      {"WHATSAPP_API_BASE_URL", "http://localhost:9000"},
      {"WHATSAPP_API_VERSION", "v26.0"},
      {"HANDLER", "HTTP"},
      {"HANDLER_URL", "https://bot.example.com/h"},
      {"HANDLER_SECRET", "hs"},
      {"HANDLER_TIMEOUT_SECONDS", "15"},
      {"WORKERS", "8"},
      {"SENDERS", "0"},
      {"LEASE_SECONDS", "60"},
      {"DEDUP_TTL_SECONDS", "2000000"},
      {"PENDING_GRACE_SECONDS", "40"},
      {"RETRY_MAX_DELAY_SECONDS", "600"},
      {"REPLY_MAX_AGE_SECONDS", "3600"},
      {"SEND_RATE_PER_NUMBER", "12.5"},
      {"SENDER_INSTANCES", "2"},
      {"SEND_THROTTLE_MAX_SECONDS", "1800"},
      {"UNCERTAIN_RESEND_AFTER_SECONDS", "300"},
      {"SENDER_DRY_RUN", "yes"},
      {"ANALYTICS_SINK", "jsonl:/tmp/a.jsonl"},
      {"DRAIN_SECONDS", "1"},
      {"SHUTDOWN_GRACE_SECONDS", "9"},
      {"SQS_VISIBILITY_TIMEOUT", "1200"},
      {"SQS_MAX_RECEIVE_COUNT", "5"},
      {"SQS_WAIT_TIME_SECONDS", "0"},
      {"SQS_MESSAGE_RETENTION_SECONDS", "345600"},
      {"SQS_QUEUE_PREFIX", "wa_"},
      {"DYNAMODB_TABLE_NAME", "t"},
      {"DYNAMODB_BILLING_MODE", "provisioned"},
      {"AWS_REGION", "eu-west-1"},
      {"INCOMING_QUEUE_URL", "http://q/in"},
      {"OUTGOING_QUEUE_URL", "http://q/out"},
      {"ANALYTICS_QUEUE_URL", "http://q/an"},
      {"INCOMING_DLQ_URL", "http://q/in-dlq"},
      {"OUTGOING_DLQ_URL", "http://q/out-dlq"},
      {"ANALYTICS_DLQ_URL", "http://q/an-dlq"},
      {"AWS_ENDPOINT_URL", "http://localhost:4566"},
      {"AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000"},
      {"AWS_ENDPOINT_URL_SQS", "http://localhost:9324"},
      {"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"},
      {"AWS_SECRET_ACCESS_KEY", "aws-secret"},
      {"AWS_SESSION_TOKEN", "aws-session"},
      {"AWS_PROFILE", "ops"},
      {"MAX_BODY_BYTES", "8388608"},
      {"MAX_CONNECTIONS", "500"},
      {"HTTP_HEADER_TIMEOUT_SECONDS", "5"},
      {"HTTP_BODY_TIMEOUT_SECONDS", "20"},
      {"HTTP_IDLE_TIMEOUT_SECONDS", "60"},
      {"HTTP_THREADS", "3"},
      {"TLS_CERT_FILE", "/c.pem"},
      {"TLS_KEY_FILE", "/k.pem"},
      {"TRUSTED_PROXIES", "10.0.0.0/8, ::1,fd00::/8"},
      {"RATE_LIMIT_WEBHOOK_PER_MINUTE", "0"},
      {"RATE_LIMIT_HEALTH_PER_MINUTE", "30"},
      {"ADMIN_TOKEN", "adm"},
      {"MIN_FREE_DISK_MB", "1024"},
      {"GROUP_COMMIT_MAX_ITEMS", "100"},
      {"LOG_LEVEL", "DEBUG"},
      {"LOG_FORMAT", "text"},
  });
  EXPECT_EQ(c.backend, Backend::kAws);
  EXPECT_EQ(c.data_dir, "/var/lib/wagate");
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(c.environment, Environment::kStaging);
  EXPECT_EQ(c.verify_token, "vt");
  EXPECT_THAT(c.app_secrets, ElementsAre("new", "old"));
  EXPECT_EQ(c.access_token, "at");
  EXPECT_EQ(c.api_base_url, "http://localhost:9000");
  EXPECT_EQ(c.api_version, "v26.0");
  EXPECT_EQ(c.handler, "http");
  EXPECT_EQ(c.EffectiveHandler(), "http");
  EXPECT_EQ(c.handler_url, "https://bot.example.com/h");
  EXPECT_EQ(c.handler_secret, "hs");
  EXPECT_EQ(c.handler_timeout_seconds, 15);
  EXPECT_EQ(c.workers, 8);
  EXPECT_EQ(c.senders, 0);
  EXPECT_EQ(c.lease_seconds, 60);
  EXPECT_EQ(c.dedup_ttl_seconds, 2000000);
  EXPECT_EQ(c.pending_grace_seconds, 40);
  EXPECT_EQ(c.retry_max_delay_seconds, 600);
  EXPECT_EQ(c.reply_max_age_seconds, 3600);
  EXPECT_DOUBLE_EQ(c.send_rate_per_number, 12.5);
  EXPECT_EQ(c.sender_instances, 2);
  EXPECT_EQ(c.send_throttle_max_seconds, 1800);
  EXPECT_EQ(c.uncertain_resend_after_seconds, 300);
  EXPECT_TRUE(c.sender_dry_run);
  EXPECT_EQ(c.analytics_sink, "jsonl:/tmp/a.jsonl");
  EXPECT_EQ(c.drain_seconds, 1);
  EXPECT_EQ(c.shutdown_grace_seconds, 9);
  EXPECT_EQ(c.sqs_visibility_timeout, 1200);
  EXPECT_EQ(c.sqs_max_receive_count, 5);
  EXPECT_EQ(c.sqs_wait_time_seconds, 0);
  EXPECT_EQ(c.sqs_message_retention_seconds, 345600);
  EXPECT_EQ(c.sqs_queue_prefix, "wa_");
  EXPECT_EQ(c.dynamodb_table_name, "t");
  EXPECT_EQ(c.dynamodb_billing_mode, "PROVISIONED");
  EXPECT_EQ(c.aws_region, "eu-west-1");
  EXPECT_EQ(c.incoming_queue_url, "http://q/in");
  EXPECT_EQ(c.outgoing_queue_url, "http://q/out");
  EXPECT_EQ(c.analytics_queue_url, "http://q/an");
  EXPECT_EQ(c.incoming_dlq_url, "http://q/in-dlq");
  EXPECT_EQ(c.outgoing_dlq_url, "http://q/out-dlq");
  EXPECT_EQ(c.analytics_dlq_url, "http://q/an-dlq");
  EXPECT_EQ(c.aws_endpoint_url, "http://localhost:4566");
  EXPECT_EQ(c.aws_endpoint_url_dynamodb, "http://localhost:8000");
  EXPECT_EQ(c.aws_endpoint_url_sqs, "http://localhost:9324");
  EXPECT_EQ(c.aws_access_key_id, "AKIAEXAMPLE");
  EXPECT_EQ(c.aws_secret_access_key, "aws-secret");
  EXPECT_EQ(c.aws_session_token, "aws-session");
  EXPECT_EQ(c.aws_profile, "ops");
  EXPECT_EQ(c.max_body_bytes, 8388608);
  EXPECT_EQ(c.max_connections, 500);
  EXPECT_EQ(c.http_header_timeout_seconds, 5);
  EXPECT_EQ(c.http_body_timeout_seconds, 20);
  EXPECT_EQ(c.http_idle_timeout_seconds, 60);
  EXPECT_EQ(c.http_threads, 3);
  EXPECT_EQ(c.tls_cert_file, "/c.pem");
  EXPECT_EQ(c.tls_key_file, "/k.pem");
  EXPECT_THAT(c.trusted_proxies, ElementsAre("10.0.0.0/8", "::1", "fd00::/8"));
  EXPECT_EQ(c.rate_limit_webhook_per_minute, 0);
  EXPECT_EQ(c.rate_limit_health_per_minute, 30);
  EXPECT_EQ(c.admin_token, "adm");
  EXPECT_EQ(c.min_free_disk_mb, 1024);
  EXPECT_EQ(c.group_commit_max_items, 100);
  EXPECT_EQ(c.log_level, log::Level::kDebug);
  EXPECT_EQ(c.log_format, log::Format::kText);
  EXPECT_THAT(c.SecretValues(), ElementsAre("new", "old", "vt", "at", "hs", "adm", "AKIAEXAMPLE",
                                            "aws-secret", "aws-session"));
}

TEST_F(ConfigTest, EmptyValueMeansDefault) {
  Config c = Load({{"PORT", ""}, {"HOST", ""}, {"LOG_LEVEL", ""}});
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.host, "0.0.0.0");
}

TEST_F(ConfigTest, BoolSpellings) {
  for (const char* yes : {"true", "TRUE", "1", "yes", "Yes"})
    EXPECT_TRUE(Load({{"SENDER_DRY_RUN", yes}}).sender_dry_run);
  for (const char* no : {"false", "0", "no", "NO"})
    EXPECT_FALSE(Load({{"SENDER_DRY_RUN", no}}).sender_dry_run);
  EXPECT_THAT(Problems({{"SENDER_DRY_RUN", "maybe"}}), HasSubstr("SENDER_DRY_RUN"));
  EXPECT_THAT(Problems({{"SENDER_DRY_RUN", "on"}}), HasSubstr("SENDER_DRY_RUN"));
}

TEST_F(ConfigTest, IntegersAreParsedStrictly) {
  EXPECT_EQ(Load({{"PORT", " 9000 "}}).port, 9000);
  for (const char* bad : {"12abc", "abc", "+5", "1e3", "12.0", "0x10", "- 1", "99999999999"}) {
    std::string message = Problems({{"PORT", bad}});
    EXPECT_THAT(message, HasSubstr("PORT: expected an integer")) << bad;
  }
  EXPECT_THAT(Problems({{"DEDUP_TTL_SECONDS", "99999999999999999999"}}),
              HasSubstr("DEDUP_TTL_SECONDS: expected"));
}

TEST_F(ConfigTest, DoublesAreParsedStrictly) {
  EXPECT_DOUBLE_EQ(Load({{"SEND_RATE_PER_NUMBER", "0.5"}}).send_rate_per_number, 0.5);
  for (const char* bad : {"fast", "1.5x", "nan", "inf", "1,5"}) {
    EXPECT_THAT(Problems({{"SEND_RATE_PER_NUMBER", bad}}), HasSubstr("SEND_RATE_PER_NUMBER"))
        << bad;
  }
  EXPECT_THAT(Problems({{"SEND_RATE_PER_NUMBER", "0"}}),
              HasSubstr("SEND_RATE_PER_NUMBER must be greater than 0"));
  EXPECT_THAT(Problems({{"SEND_RATE_PER_NUMBER", "-3"}}),
              HasSubstr("SEND_RATE_PER_NUMBER must be greater than 0"));
}

TEST_F(ConfigTest, EnumsAreChecked) {
  EXPECT_THAT(Problems({{"WAGATE_BACKEND", "postgres"}}),
              HasSubstr("WAGATE_BACKEND: expected sqlite or aws"));
  EXPECT_THAT(Problems({{"ENVIRONMENT", "prod"}}),
              HasSubstr("ENVIRONMENT: expected development, staging or production"));
  EXPECT_THAT(Problems({{"LOG_LEVEL", "verbose"}}), HasSubstr("LOG_LEVEL"));
  EXPECT_THAT(Problems({{"LOG_FORMAT", "xml"}}), HasSubstr("LOG_FORMAT"));
  EXPECT_THAT(Problems({{"HANDLER", "python"}}), HasSubstr("HANDLER must be echo, http or none"));
  EXPECT_THAT(Problems({{"DYNAMODB_BILLING_MODE", "ON_DEMAND"}}),
              HasSubstr("DYNAMODB_BILLING_MODE"));
  EXPECT_EQ(Load({{"LOG_LEVEL", "warning"}}).log_level, log::Level::kWarn);
  EXPECT_EQ(Load({{"ENVIRONMENT", "Development"}}).environment, Environment::kDevelopment);
}

TEST_F(ConfigTest, AllProblemsAreReportedAtOnce) {
  std::string message = Problems({{"PORT", "12abc"},
                                  {"WORKERS", "-1"},
                                  {"SQS_WAIT_TIME_SECONDS", "21"},
                                  {"LOG_LEVEL", "loud"},
                                  {"TLS_CERT_FILE", "/c.pem"},
                                  {"MAX_BODY_BYTES", "100"}});
  for (const char* name : {"PORT", "WORKERS", "SQS_WAIT_TIME_SECONDS", "LOG_LEVEL", "TLS_CERT_FILE",
                           "MAX_BODY_BYTES"}) {
    EXPECT_THAT(message, HasSubstr(name));
  }
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 5)
      << message;  // one problem per line
}

TEST_F(ConfigTest, RangesOfSingleVariables) {
  struct Case {
    const char* name;
    const char* bad;
    const char* good;
  };
  const Case cases[] = {
      {"PORT", "65536", "65535"},
      {"PORT", "-1", "0"},
      {"WORKERS", "-1", "0"},
      {"SENDERS", "-2", "0"},
      {"SQS_WAIT_TIME_SECONDS", "21", "0"},
      {"SQS_WAIT_TIME_SECONDS", "-1", "20"},
      {"SQS_MAX_RECEIVE_COUNT", "0", "1"},
      {"SQS_MAX_RECEIVE_COUNT", "1001", "1000"},
      {"SQS_VISIBILITY_TIMEOUT", "43201", "43200"},
      {"LEASE_SECONDS", "2", "3"},
      {"MAX_BODY_BYTES", "1023", "1024"},
      {"MAX_BODY_BYTES", "67108865", "67108864"},
      {"HANDLER_TIMEOUT_SECONDS", "0", "1"},
      {"SENDER_INSTANCES", "0", "1"},
      {"RATE_LIMIT_WEBHOOK_PER_MINUTE", "-1", "0"},
      {"MAX_CONNECTIONS", "0", "1"},
      {"SQS_QUEUE_PREFIX", "bad prefix", "good-prefix_1"},
      {"ANALYTICS_SINK", "jsonl:", "jsonl:./a.jsonl"},
      {"ANALYTICS_SINK", "file:/x", "none"},
      {"WHATSAPP_API_BASE_URL", "graph.facebook.com", "https://graph.facebook.com"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Problems({{c.name, c.bad}}), HasSubstr(c.name)) << c.name << "=" << c.bad;
    Load({{c.name, c.good}});
  }
}

TEST_F(ConfigTest, CrossFieldRules) {
  EXPECT_THAT(
      Problems({{"HANDLER_TIMEOUT_SECONDS", "901"}}),
      HasSubstr("HANDLER_TIMEOUT_SECONDS (901) must not exceed SQS_VISIBILITY_TIMEOUT (900)"));
  Load({{"HANDLER_TIMEOUT_SECONDS", "900"}, {"SQS_VISIBILITY_TIMEOUT", "900"}});
  EXPECT_THAT(Problems({{"LEASE_SECONDS", "900"}}),
              HasSubstr("LEASE_SECONDS (900) must be less than SQS_VISIBILITY_TIMEOUT"));
  EXPECT_THAT(Problems({{"DEDUP_TTL_SECONDS", "1295999"}}),
              HasSubstr("DEDUP_TTL_SECONDS (1295999) must be at least "
                        "SQS_MESSAGE_RETENTION_SECONDS + 86400 (1296000)"));
  Load({{"DEDUP_TTL_SECONDS", "172800"}, {"SQS_MESSAGE_RETENTION_SECONDS", "86400"}});
  EXPECT_THAT(Problems({{"TLS_KEY_FILE", "/k.pem"}}),
              HasSubstr("TLS_CERT_FILE and TLS_KEY_FILE must be set together"));
  EXPECT_THAT(Problems({{"AWS_ACCESS_KEY_ID", "AKIA1"}}), HasSubstr("AWS_SECRET_ACCESS_KEY"));
}

TEST_F(ConfigTest, HttpHandlerNeedsAUrl) {
  EXPECT_THAT(Problems({{"HANDLER", "http"}}),
              HasSubstr("HANDLER_URL is required when HANDLER=http"));
  EXPECT_THAT(Problems({{"HANDLER", "http"}, {"HANDLER_URL", "ftp://x"}}),
              HasSubstr("HANDLER_URL must start with http:// or https://"));
  EXPECT_EQ(
      Load({{"HANDLER", "http"}, {"HANDLER_URL", "http://localhost:5000/hook"}}).EffectiveHandler(),
      "http");
}

TEST_F(ConfigTest, TrustedProxiesMustBeCidrs) {
  Config c = Load({{"TRUSTED_PROXIES", "10.0.0.0/8,192.168.1.7,2001:db8::/32,::/0,0.0.0.0/0"}});
  EXPECT_EQ(c.trusted_proxies.size(), 5u);
  for (const char* bad : {"10.0.0.0/33", "10.0.0/8", "2001:db8::/129", "example.com", "10.0.0.0/",
                          "10.0.0.0/-1", "10.0.0.0/8/8", "1.2.3.4/+8"}) {
    EXPECT_THAT(Problems({{"TRUSTED_PROXIES", std::string("127.0.0.1,") + bad}}),
                HasSubstr("TRUSTED_PROXIES entry"))
        << bad;
  }
}

TEST_F(ConfigTest, DevelopmentNeedsNothing) {
  Config c = Load({});
  EXPECT_TRUE(c.app_secrets.empty());
  EXPECT_TRUE(c.access_token.empty());
}

TEST_F(ConfigTest, ProductionRequiresSecretsHandlerAndSender) {
  for (const char* environment : {"production", "staging"}) {
    std::string message = Problems({{"ENVIRONMENT", environment}});
    EXPECT_THAT(
        message,
        HasSubstr(std::string("WHATSAPP_APP_SECRET is required when ENVIRONMENT=") + environment));
    EXPECT_THAT(message, HasSubstr("WHATSAPP_VERIFY_TOKEN is required"));
    EXPECT_THAT(message, HasSubstr("HANDLER is required"));
    EXPECT_THAT(message, HasSubstr("SENDER_DRY_RUN=true"));
  }
  Config c = Load({{"ENVIRONMENT", "production"},
                   {"WHATSAPP_APP_SECRET", "s1"},
                   {"WHATSAPP_VERIFY_TOKEN", "v1"},
                   {"HANDLER", "echo"},
                   {"SENDER_DRY_RUN", "true"}});
  EXPECT_EQ(c.environment, Environment::kProduction);
  EXPECT_EQ(c.EffectiveHandler(), "echo");
  Config unset_handler;
  unset_handler.environment = Environment::kProduction;
  EXPECT_EQ(unset_handler.EffectiveHandler(), "");
}

TEST_F(ConfigTest, AwsBackendRequiresEverySeedVariable) {
  std::string message = Problems({{"WAGATE_BACKEND", "aws"}});
  for (const char* name :
       {"DYNAMODB_TABLE_NAME", "AWS_REGION", "INCOMING_QUEUE_URL", "OUTGOING_QUEUE_URL",
        "ANALYTICS_QUEUE_URL", "INCOMING_DLQ_URL", "OUTGOING_DLQ_URL", "ANALYTICS_DLQ_URL"}) {
    EXPECT_THAT(message, HasSubstr(std::string(name) + " is required when WAGATE_BACKEND=aws"));
  }
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 7) << message;
  Config c = Load(ProductionAws());
  EXPECT_EQ(c.backend, Backend::kAws);
  EnvMap one_missing = ProductionAws();
  one_missing.erase("OUTGOING_DLQ_URL");
  EXPECT_EQ(Problems(one_missing), "OUTGOING_DLQ_URL is required when WAGATE_BACKEND=aws");
}

TEST_F(ConfigTest, ProvisionMayRunBeforeTheQueueUrlsExist) {
  const ValidateOptions provision{.require_queue_urls = false};
  EnvMap env = ProductionAws();
  for (const char* name : {"INCOMING_QUEUE_URL", "OUTGOING_QUEUE_URL", "ANALYTICS_QUEUE_URL",
                           "INCOMING_DLQ_URL", "OUTGOING_DLQ_URL", "ANALYTICS_DLQ_URL"}) {
    env.erase(name);
  }
  StatusOr<Config> without_urls = LoadConfig(env, "", provision);
  ASSERT_TRUE(without_urls.ok()) << without_urls.status().ToString();
  EXPECT_EQ(without_urls->incoming_queue_url, "");
  EXPECT_EQ(without_urls->dynamodb_table_name, "whatsapp-dedup-prod");
  // The default options still require them.
  EXPECT_THAT(Problems(env), HasSubstr("INCOMING_QUEUE_URL is required when WAGATE_BACKEND=aws"));

  // The table and the region stay required, and everything else is validated as usual.
  EnvMap bare{{"WAGATE_BACKEND", "aws"}, {"SQS_WAIT_TIME_SECONDS", "21"},
              {"OUTGOING_QUEUE_URL", "not-a-url"}};
  StatusOr<Config> bad = LoadConfig(bare, "", provision);
  ASSERT_FALSE(bad.ok());
  const std::string message = bad.status().message();
  EXPECT_THAT(message, HasSubstr("DYNAMODB_TABLE_NAME is required when WAGATE_BACKEND=aws"));
  EXPECT_THAT(message, HasSubstr("AWS_REGION is required when WAGATE_BACKEND=aws"));
  EXPECT_THAT(message, HasSubstr("SQS_WAIT_TIME_SECONDS"));
  EXPECT_THAT(message, HasSubstr("OUTGOING_QUEUE_URL must start with http:// or https://"));
  EXPECT_THAT(message, Not(HasSubstr("_QUEUE_URL is required")));
  EXPECT_THAT(message, Not(HasSubstr("_DLQ_URL is required")));
  EXPECT_THAT(Validate(*without_urls, provision), IsEmpty());
  EXPECT_THAT(Validate(*without_urls), Not(IsEmpty()));
}

TEST_F(ConfigTest, SecretsNeverAppearInMessages) {
  EnvMap env = ProductionAws();
  env["WHATSAPP_APP_SECRET"] = "SECRET-APP-1";
  env["WHATSAPP_VERIFY_TOKEN"] = "SECRET-VERIFY";
  env["WHATSAPP_ACCESS_TOKEN"] = "SECRET-ACCESS";
  env["HANDLER_SECRET"] = "SECRET-HANDLER";
  env["ADMIN_TOKEN"] = "SECRET-ADMIN";
  env["AWS_SECRET_ACCESS_KEY"] = "SECRET-AWS";
  env["AWS_SESSION_TOKEN"] = "SECRET-SESSION";
  env["HANDLER"] = "http";
  env["HANDLER_URL"] = "ftp://user:SECRET-IN-URL@host/";
  env["INCOMING_QUEUE_URL"] = "sqs://SECRET-IN-QUEUE-URL";
  env["PORT"] = "x";
  std::string message = Problems(env);
  EXPECT_THAT(message, HasSubstr("PORT"));
  EXPECT_THAT(message,
              HasSubstr("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together"));
  EXPECT_THAT(message, Not(HasSubstr("SECRET-")));

  std::string path = WriteFile("bad.env", "WHATSAPP_APP_SECRET=\"SECRET-UNTERMINATED\n");
  EXPECT_THAT(Problems({}, path), Not(HasSubstr("SECRET-")));
}

TEST_F(ConfigTest, ParseEnvFileSyntax) {
  std::string path = WriteFile("syntax.env",
                               "# a comment\n"
                               "\n"
                               "   \n"
                               "PLAIN=value\n"
                               "export EXPORTED=yes\n"
                               "SPACED = around  \n"
                               "SINGLE='literal \\n $HOME \"q\"'\n"
                               "SINGLE2='a # not a comment'  # comment\n"
                               "DOUBLE=\"line\\nnext \\\"q\\\" back\\\\slash \\$ tab\\t keep\\q\"\n"
                               "INLINE=value # trailing comment\n"
                               "HASH=abc#def\n"
                               "EMPTY=\n"
                               "EMPTY_QUOTED=\"\"\n"
                               "EQUALS=a=b=c\n"
                               "CRLF=windows\r\n"
                               "PLAIN=later wins\n"
                               "  INDENTED=ok\n"
                               "NOEOL=last");
  StatusOr<EnvMap> env = ParseEnvFile(path);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  const EnvMap& m = *env;
  EXPECT_EQ(m.at("PLAIN"), "later wins");
  EXPECT_EQ(m.at("EXPORTED"), "yes");
  EXPECT_EQ(m.at("SPACED"), "around");
  EXPECT_EQ(m.at("SINGLE"), "literal \\n $HOME \"q\"");
  EXPECT_EQ(m.at("SINGLE2"), "a # not a comment");
  EXPECT_EQ(m.at("DOUBLE"), "line\nnext \"q\" back\\slash $ tab\t keep\\q");
  EXPECT_EQ(m.at("INLINE"), "value");
  EXPECT_EQ(m.at("HASH"), "abc#def");
  EXPECT_EQ(m.at("EMPTY"), "");
  EXPECT_EQ(m.at("EMPTY_QUOTED"), "");
  EXPECT_EQ(m.at("EQUALS"), "a=b=c");
  EXPECT_EQ(m.at("CRLF"), "windows");
  EXPECT_EQ(m.at("INDENTED"), "ok");
  EXPECT_EQ(m.at("NOEOL"), "last");
  EXPECT_EQ(m.count("# a comment"), 0u);
}

TEST_F(ConfigTest, ParseEnvFileErrorsNameTheLine) {
  struct Case {
    const char* content;
    const char* expected;
  };
  const Case cases[] = {
      {"A=1\nB=2\nC='open\n", ":3: unterminated single quote"},
      {"A=\"open\n", ":1: unterminated double quote"},
      {"A=1\nNOT A VARIABLE\n", ":2: expected KEY=VALUE"},
      {"1ABC=x\n", ":1: invalid variable name"},
      {"MY-VAR=x\n", ":1: invalid variable name"},
      {"=x\n", ":1: invalid variable name"},
      {"A='x' y\n", ":1: unexpected text after the closing quote"},
      {"A=\"x\"y\n", ":1: unexpected text after the closing quote"},
  };
  for (const Case& c : cases) {
    std::string path = WriteFile("bad.env", c.content);
    StatusOr<EnvMap> env = ParseEnvFile(path);
    ASSERT_FALSE(env.ok()) << c.content;
    EXPECT_EQ(env.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(env.status().message(), HasSubstr(path + c.expected)) << c.content;
    EXPECT_THAT(Problems({}, path), HasSubstr(c.expected));
  }
}

TEST_F(ConfigTest, MissingExplicitFileIsAnError) {
  StatusOr<EnvMap> env = ParseEnvFile("does-not-exist.env");
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(Problems({}, "does-not-exist.env"), HasSubstr("does-not-exist.env"));
}

TEST_F(ConfigTest, ProcessEnvironmentWinsOverFile) {
  std::string path = WriteFile("app.env", "PORT=9000\nWORKERS=7\nHOST=127.0.0.1\n");
  Config c = Load({{"PORT", "9100"}}, path);
  EXPECT_EQ(c.port, 9100);
  EXPECT_EQ(c.workers, 7);
  EXPECT_EQ(c.host, "127.0.0.1");
}

TEST_F(ConfigTest, DotEnvInWorkingDirectoryIsTheDefault) {
  EXPECT_EQ(Load({}).port, 8080);  // absent: fine
  WriteFile(".env", "PORT=7000\n");
  EXPECT_EQ(Load({}).port, 7000);
  WriteFile(".env", "PORT=70000\n");
  EXPECT_THAT(Problems({}), HasSubstr("PORT must be between 0 and 65535 (got 70000)"));
}

TEST_F(ConfigTest, ProblemsFromFileValuesAreReported) {
  std::string path = WriteFile("app.env", "WORKERS=lots\n");
  EXPECT_THAT(Problems({}, path), HasSubstr("WORKERS: expected an integer"));
}

TEST_F(ConfigTest, ProcessEnvironmentReadsEnviron) {
  ASSERT_EQ(setenv("WAGATE_CONFIG_TEST_VAR", "a=b", 1), 0);
  EnvMap env = ProcessEnvironment();
  unsetenv("WAGATE_CONFIG_TEST_VAR");
  ASSERT_EQ(env.count("WAGATE_CONFIG_TEST_VAR"), 1u);
  EXPECT_EQ(env.at("WAGATE_CONFIG_TEST_VAR"), "a=b");
}

#ifdef WAGATE_SOURCE_DIR
const std::string kTemplate = std::string(WAGATE_SOURCE_DIR) + "/race-safe-config.env";

TEST_F(ConfigTest, TemplateIsAValidDevelopmentConfig) {
  StatusOr<EnvMap> env = ParseEnvFile(kTemplate);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->at("SQS_VISIBILITY_TIMEOUT"), "900");
  Config c = Load({}, kTemplate);
  EXPECT_TRUE(c.development());
  EXPECT_EQ(c.backend, Backend::kSqlite);
  EXPECT_EQ(c.EffectiveHandler(), "echo");
  EXPECT_EQ(c.sqs_visibility_timeout, 900);
  EXPECT_EQ(c.sqs_max_receive_count, 3);
  EXPECT_EQ(c.sqs_wait_time_seconds, 20);
}

// Every variable named in config.h's field comments is documented in the template, either set
// or as a commented example.
TEST_F(ConfigTest, TemplateDocumentsEveryVariable) {
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
  };
  const std::string header = read(std::string(WAGATE_SOURCE_DIR) + "/src/wagate/config/config.h");
  const std::string env_template = read(kTemplate);
  ASSERT_FALSE(header.empty());
  std::regex field_comment(R"(;\s*//\s*([A-Z][A-Z0-9_]+))");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(header.begin(), header.end(), field_comment);
       it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1]);
  }
  EXPECT_GT(names.size(), 60u);
  for (const std::string& name : names) {
    std::regex documented("(^|\\n)(# )?" + name + "=");
    EXPECT_TRUE(std::regex_search(env_template, documented))
        << name << " is not in race-safe-config.env";
  }
}
#endif

TEST_F(ConfigTest, AdminTokenMustTravelInAHeaderUnchanged) {
  EXPECT_EQ(Load({{"ADMIN_TOKEN", "Adm1n-token_0123456789"}}).admin_token, "Adm1n-token_0123456789");
  std::string message = Problems({{"ADMIN_TOKEN", "secret admin\ttoken"}});
  EXPECT_THAT(message, HasSubstr("ADMIN_TOKEN must be printable ASCII without spaces"));
  EXPECT_THAT(message, Not(HasSubstr("secret admin")));
}

}  // namespace
}  // namespace wagate::config
