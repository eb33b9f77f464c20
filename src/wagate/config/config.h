// Config: every setting of wagate, with the defaults of SPEC §6, loaded from the environment and
// an optional .env file.
//
// Usage:
//   StatusOr<Config> config = LoadConfig(ProcessEnvironment(), env_file_path);
//   if (!config.ok()) { print config.status().message(); exit 2; }
//
// LoadConfig() parses and validates everything and reports every problem at once, one per line,
// in the Status message. Variable values never appear in those messages when they are secrets.
//
// Thread safety: Config is a plain value; the functions are pure apart from reading files.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wagate/base/log.h"
#include "wagate/base/status.h"

namespace wagate::config {

enum class Backend { kSqlite, kAws };
enum class Environment { kDevelopment, kStaging, kProduction };

std::string_view BackendName(Backend b);          // "sqlite" | "aws"
std::string_view EnvironmentName(Environment e);  // "development" | "staging" | "production"

struct Config {
  // Service shape.
  Backend backend = Backend::kSqlite;                  // WAGATE_BACKEND
  std::string data_dir = "./data";                     // WAGATE_DATA_DIR
  std::string host = "0.0.0.0";                        // HOST
  int port = 8080;                                     // PORT (0 = any free port)
  Environment environment = Environment::kDevelopment; // ENVIRONMENT

  // WhatsApp.
  std::string verify_token;                            // WHATSAPP_VERIFY_TOKEN (secret)
  std::vector<std::string> app_secrets;                // WHATSAPP_APP_SECRET, comma-separated (secret)
  std::string access_token;                            // WHATSAPP_ACCESS_TOKEN (secret)
  std::string api_base_url = "https://graph.facebook.com";  // WHATSAPP_API_BASE_URL
  std::string api_version = "v25.0";                   // WHATSAPP_API_VERSION

  // Processing.
  std::string handler;            // HANDLER: echo|http|none; empty = echo in development
  std::string handler_url;        // HANDLER_URL (required when HANDLER=http)
  std::string handler_secret;     // HANDLER_SECRET (secret)
  int handler_timeout_seconds = 10;        // HANDLER_TIMEOUT_SECONDS (<= SQS_VISIBILITY_TIMEOUT)
  int workers = 4;                         // WORKERS
  int senders = 2;                         // SENDERS
  int lease_seconds = 30;                  // LEASE_SECONDS
  int64_t dedup_ttl_seconds = 1296000;     // DEDUP_TTL_SECONDS (>= retention + 1 day)
  int pending_grace_seconds = 30;          // PENDING_GRACE_SECONDS
  int retry_max_delay_seconds = 900;       // RETRY_MAX_DELAY_SECONDS
  int reply_max_age_seconds = 86400;       // REPLY_MAX_AGE_SECONDS
  double send_rate_per_number = 80;        // SEND_RATE_PER_NUMBER
  int sender_instances = 1;                // SENDER_INSTANCES
  int send_throttle_max_seconds = 3600;    // SEND_THROTTLE_MAX_SECONDS
  int uncertain_resend_after_seconds = 120;  // UNCERTAIN_RESEND_AFTER_SECONDS
  bool sender_dry_run = false;             // SENDER_DRY_RUN
  std::string analytics_sink = "none";     // ANALYTICS_SINK: none | jsonl:<path>
  int drain_seconds = 5;                   // DRAIN_SECONDS
  int shutdown_grace_seconds = 20;         // SHUTDOWN_GRACE_SECONDS

  // Queues (SPEC §3; the seed's names).
  int sqs_visibility_timeout = 900;        // SQS_VISIBILITY_TIMEOUT
  int sqs_max_receive_count = 3;           // SQS_MAX_RECEIVE_COUNT
  int sqs_wait_time_seconds = 20;          // SQS_WAIT_TIME_SECONDS (0..20)
  int64_t sqs_message_retention_seconds = 1209600;  // SQS_MESSAGE_RETENTION_SECONDS
  std::string sqs_queue_prefix = "whatsapp-";       // SQS_QUEUE_PREFIX

  // AWS backend (the seed's names).
  std::string dynamodb_table_name;         // DYNAMODB_TABLE_NAME
  std::string dynamodb_billing_mode = "PAY_PER_REQUEST";  // DYNAMODB_BILLING_MODE
  std::string aws_region;                  // AWS_REGION
  std::string incoming_queue_url;          // INCOMING_QUEUE_URL
  std::string outgoing_queue_url;          // OUTGOING_QUEUE_URL
  std::string analytics_queue_url;         // ANALYTICS_QUEUE_URL
  std::string incoming_dlq_url;            // INCOMING_DLQ_URL
  std::string outgoing_dlq_url;            // OUTGOING_DLQ_URL
  std::string analytics_dlq_url;           // ANALYTICS_DLQ_URL
  std::string aws_endpoint_url;            // AWS_ENDPOINT_URL
  std::string aws_endpoint_url_dynamodb;   // AWS_ENDPOINT_URL_DYNAMODB
  std::string aws_endpoint_url_sqs;        // AWS_ENDPOINT_URL_SQS
  // Static credentials, first in the credential chain (SPEC §6); IAM roles are preferred.
  std::string aws_access_key_id;           // AWS_ACCESS_KEY_ID (secret)
  std::string aws_secret_access_key;       // AWS_SECRET_ACCESS_KEY (secret)
  std::string aws_session_token;           // AWS_SESSION_TOKEN (secret)
  std::string aws_profile;                 // AWS_PROFILE (shared credentials file profile)

  // HTTP server.
  int64_t max_body_bytes = 4 * 1024 * 1024;  // MAX_BODY_BYTES
  int max_connections = 10000;               // MAX_CONNECTIONS
  int http_header_timeout_seconds = 10;      // HTTP_HEADER_TIMEOUT_SECONDS
  int http_body_timeout_seconds = 30;        // HTTP_BODY_TIMEOUT_SECONDS
  int http_idle_timeout_seconds = 75;        // HTTP_IDLE_TIMEOUT_SECONDS (keep-alive)
  int http_threads = 0;                      // HTTP_THREADS (0 = one per core, less one)
  std::string tls_cert_file;                 // TLS_CERT_FILE
  std::string tls_key_file;                  // TLS_KEY_FILE
  std::vector<std::string> trusted_proxies;  // TRUSTED_PROXIES (CIDRs, comma-separated)
  int rate_limit_webhook_per_minute = 100;   // RATE_LIMIT_WEBHOOK_PER_MINUTE (0 = off)
  int rate_limit_health_per_minute = 60;     // RATE_LIMIT_HEALTH_PER_MINUTE (0 = off)
  int metrics_port = 0;                      // METRICS_PORT (--role worker only; 0 = none)
  std::string admin_token;                   // ADMIN_TOKEN (secret)

  // SQLite backend.
  int64_t min_free_disk_mb = 512;            // MIN_FREE_DISK_MB
  int group_commit_max_items = 4096;         // GROUP_COMMIT_MAX_ITEMS (items per transaction)

  // Logging.
  log::Level log_level = log::Level::kInfo;  // LOG_LEVEL
  log::Format log_format = log::Format::kJson;  // LOG_FORMAT

  // Derived helpers.
  bool development() const { return environment == Environment::kDevelopment; }
  // The handler in force: HANDLER, or "echo" when unset in development.
  std::string EffectiveHandler() const;
  // Every configured secret value, for log::RegisterSecret().
  std::vector<std::string> SecretValues() const;
};

using EnvMap = std::map<std::string, std::string>;

// The process environment as a map.
EnvMap ProcessEnvironment();

// Parses a .env file: KEY=VALUE lines, '#' comments, optional `export `, single or double
// quotes (double quotes understand \n, \", \\). Errors name the line number.
StatusOr<EnvMap> ParseEnvFile(const std::string& path);

// What validation may leave out for a particular command.
struct ValidateOptions {
  // With WAGATE_BACKEND=aws the six queue URLs (INCOMING_QUEUE_URL, ..., ANALYTICS_DLQ_URL) are
  // required. `wagate provision` creates the queues and prints their URLs, so it runs before they
  // exist and sets this to false: the URLs may then be missing (those that are set must still be
  // URLs). Everything else, DYNAMODB_TABLE_NAME and AWS_REGION included, is validated as usual.
  bool require_queue_urls = true;
  // `wagate serve` also reads TLS_CERT_FILE and TLS_KEY_FILE (when both are set) and checks that
  // the key matches the certificate (config/tls_files.h). Other commands do not need the files.
  bool check_tls_files = false;
};

// Builds a Config from `env`, overlaid on the .env file at `env_file` when given. Variables in
// `env` win over the file. An empty `env_file` means "./.env if it exists". Returns
// InvalidArgument listing every problem, one per line, when anything is wrong.
StatusOr<Config> LoadConfig(const EnvMap& env, const std::string& env_file = "",
                            const ValidateOptions& options = {});

// Checks cross-field rules (SPEC §4, §6); returns every problem found. Empty means valid.
std::vector<std::string> Validate(const Config& config, const ValidateOptions& options = {});

}  // namespace wagate::config
