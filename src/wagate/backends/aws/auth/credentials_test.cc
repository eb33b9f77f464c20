#include "wagate/backends/aws/auth/credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "wagate/testing/fake_clock.h"
#include "wagate/testing/fake_http_server.h"
#include "wagate/testing/temp_dir.h"

namespace wagate::aws {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using wagate::testing::FakeClock;
using wagate::testing::FakeHttpServer;
using wagate::testing::FakeResponse;
using wagate::testing::RecordedRequest;
using wagate::testing::TempDir;

constexpr auto kMinute = std::chrono::minutes(1);

void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

// An environment that reaches no real source: an empty HOME, no instance metadata.
Environment Isolated(const TempDir& home) {
  return {{"HOME", home.path()}, {"AWS_EC2_METADATA_DISABLED", "true"}};
}

std::unique_ptr<FakeHttpServer> StartServer(wagate::testing::FakeHandler handler) {
  auto server = FakeHttpServer::Create(std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

// The metadata services' JSON answer.
std::string MetadataJson(const std::string& key_id, Timestamp expiration) {
  return R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":")" + key_id +
         R"(","SecretAccessKey":"secret-)" + key_id + R"(","Token":"token-)" + key_id +
         R"(","Expiration":")" + FormatRfc3339(expiration) + R"("})";
}

FakeResponse Answer(int status, std::string body) {
  FakeResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// A fake ECS agent: credentials "AKID<n>" for the n-th successful request, expiring 10 minutes
// after the clock's now; 500 while `fail` is set.
struct FakeEcsAgent {
  explicit FakeEcsAgent(const Clock& clock) : clock(clock) {
    server = StartServer([this](const RecordedRequest& r) {
      if (fail) return Answer(500, "{}");
      return Answer(
          200, MetadataJson("AKID" + std::to_string(++issued), this->clock.Now() + 10 * kMinute));
    });
  }
  const Clock& clock;
  std::atomic<bool> fail{false};
  std::atomic<int> issued{0};
  std::unique_ptr<FakeHttpServer> server;
};

TEST(CredentialChainTest, EnvironmentVariablesWithSessionToken) {
  TempDir home;
  Environment env = Isolated(home);
  env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  env["AWS_SESSION_TOKEN"] = "env-token";
  FakeClock clock;
  StatusOr<Credentials> got = MakeCredentialChain(env, clock)->Get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->access_key_id, "AKIDENV");
  EXPECT_EQ(got->secret_access_key, "env-secret");
  EXPECT_EQ(got->session_token, "env-token");
  EXPECT_FALSE(got->expiration.has_value());
}

constexpr char kTwoProfiles[] =
    "# shared credentials\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = default-secret\n"
    "\n"
    "; the operations account\n"
    "[ ops ]\n"
    "AWS_ACCESS_KEY_ID=AKIDOPS\n"
    "  aws_secret_access_key =  ops/secret+key  \n"
    "aws_session_token = ops-token\n";

TEST(CredentialChainTest, SharedCredentialsFileProfileChosenByAwsProfile) {
  TempDir home;
  const std::string file = home.path() + "/elsewhere/credentials";
  WriteFile(file, kTwoProfiles);
  Environment env = Isolated(home);
  env["AWS_SHARED_CREDENTIALS_FILE"] = file;
  env["AWS_PROFILE"] = "ops";
  FakeClock clock;
  StatusOr<Credentials> ops = MakeCredentialChain(env, clock)->Get();
  ASSERT_TRUE(ops.ok()) << ops.status().ToString();
  EXPECT_EQ(ops->access_key_id, "AKIDOPS");
  EXPECT_EQ(ops->secret_access_key, "ops/secret+key");
  EXPECT_EQ(ops->session_token, "ops-token");

  env.erase("AWS_PROFILE");
  StatusOr<Credentials> fallback = MakeCredentialChain(env, clock)->Get();
  ASSERT_TRUE(fallback.ok()) << fallback.status().ToString();
  EXPECT_EQ(fallback->access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(fallback->session_token, "");
}

TEST(CredentialChainTest, SharedCredentialsFileDefaultsToHome) {
  TempDir home;
  WriteFile(home.path() + "/.aws/credentials", kTwoProfiles);
  FakeClock clock;
  StatusOr<Credentials> got = MakeCredentialChain(Isolated(home), clock)->Get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->access_key_id, "AKIDDEFAULT");
}

TEST(CredentialChainTest, EnvironmentBeatsTheFile) {
  TempDir home;
  WriteFile(home.path() + "/.aws/credentials", kTwoProfiles);
  Environment env = Isolated(home);
  env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  FakeClock clock;
  StatusOr<Credentials> got = MakeCredentialChain(env, clock)->Get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->access_key_id, "AKIDENV");
}

TEST(CredentialChainTest, EcsRelativeUriSendsTheAuthorizationToken) {
  FakeClock clock;
  auto server = StartServer([&](const RecordedRequest& r) {
    if (r.target != "/v2/credentials/abc" || r.Header("authorization") != "ecs-token") {
      return Answer(403, "{}");
    }
    return Answer(200, MetadataJson("AKIDECS", clock.Now() + 60 * kMinute));
  });
  TempDir home;
  Environment env = Isolated(home);
  env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "ecs-token";
  CredentialChainOptions options;
  options.ecs_endpoint = server->url();
  StatusOr<Credentials> got = MakeCredentialChain(env, clock, options)->Get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->access_key_id, "AKIDECS");
  EXPECT_EQ(got->secret_access_key, "secret-AKIDECS");
  EXPECT_EQ(got->session_token, "token-AKIDECS");
  EXPECT_EQ(got->expiration, clock.Now() + 60 * kMinute);
  std::vector<RecordedRequest> seen = server->Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].Header("Authorization"), "ecs-token");
}

TEST(CredentialChainTest, EcsFullUriReadsTheTokenFileFirst) {
  FakeClock clock;
  auto server = StartServer([&](const RecordedRequest& r) {
    if (r.target != "/creds" || r.Header("authorization") != "file-token") {
      return Answer(403, "{}");
    }
    return Answer(200, MetadataJson("AKIDFULL", clock.Now() + 60 * kMinute));
  });
  TempDir home;
  WriteFile(home.path() + "/token", "file-token\n");
  Environment env = Isolated(home);
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server->url() + "/creds";
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "env-token";
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = home.path() + "/token";
  StatusOr<Credentials> got = MakeCredentialChain(env, clock)->Get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->access_key_id, "AKIDFULL");
  EXPECT_EQ(server->RequestCount(), 1);
}

TEST(CredentialChainTest, EcsFullUriOverPlainHttpToARemoteHostIsRefused) {
  for (std::string uri : {"http://metadata.example.com/creds", "http://127.0.0.1.example.com/c",
                          "http://169.254.170.3/creds"}) {
    TempDir home;
    Environment env = Isolated(home);
    env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = uri;
    env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "never-sent-token";
    FakeClock clock;
    StatusOr<Credentials> got = MakeCredentialChain(env, clock)->Get();
    ASSERT_FALSE(got.ok()) << uri;
    EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << uri;
    EXPECT_THAT(got.status().message(), HasSubstr("ECS container credentials: "
                                                  "AWS_CONTAINER_CREDENTIALS_FULL_URI"))
        << uri;
    EXPECT_THAT(got.status().message(), Not(HasSubstr("never-sent-token"))) << uri;
  }
}

// A fake EC2 instance metadata service that insists on IMDSv2 tokens.
std::unique_ptr<FakeHttpServer> StartImds(const Clock& clock, std::atomic<int>* issued) {
  return StartServer([&clock, issued](const RecordedRequest& r) {
    if (r.method == "PUT" && r.target == "/latest/api/token") {
      if (r.Header("x-aws-ec2-metadata-token-ttl-seconds") != "21600") return Answer(400, "");
      return Answer(200, "imds-session-token");
    }
    if (r.method != "GET" || r.Header("x-aws-ec2-metadata-token") != "imds-session-token") {
      return Answer(401, "");
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/") return Answer(200, "app-role\n");
    if (r.target == "/latest/meta-data/iam/security-credentials/app-role") {
      return Answer(
          200, MetadataJson("AKIDIMDS" + std::to_string(++*issued), clock.Now() + 10 * kMinute));
    }
    return Answer(404, "");
  });
}

TEST(CredentialChainTest, InstanceMetadataV2) {
  FakeClock clock;
  std::atomic<int> issued{0};
  auto imds = StartImds(clock, &issued);
  // The fake rejects requests without the session token.
  net::HttpClient client;
  net::HttpResult bare =
      client.Send({.url = imds->url() + "/latest/meta-data/iam/security-credentials/"});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare.response().status, 401);

  TempDir home;
  Environment env = {{"HOME", home.path()},
                     {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds->url() + "/"}};
  StatusOr<Credentials> got = MakeCredentialChain(env, clock)->Get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->access_key_id, "AKIDIMDS1");
  EXPECT_EQ(got->session_token, "token-AKIDIMDS1");

  std::vector<RecordedRequest> seen = imds->Requests();
  ASSERT_EQ(seen.size(), 4u);  // the bare GET, then the chain's three calls
  EXPECT_EQ(seen[1].method, "PUT");
  EXPECT_EQ(seen[1].target, "/latest/api/token");
  EXPECT_EQ(seen[1].Header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(seen[2].target, "/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(seen[3].target, "/latest/meta-data/iam/security-credentials/app-role");
  for (int i : {2, 3}) {
    EXPECT_EQ(seen[i].method, "GET");
    EXPECT_EQ(seen[i].Header("x-aws-ec2-metadata-token"), "imds-session-token");
  }
}

TEST(CredentialChainTest, InstanceMetadataDisabled) {
  FakeClock clock;
  std::atomic<int> issued{0};
  auto imds = StartImds(clock, &issued);
  TempDir home;
  Environment env = Isolated(home);
  env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds->url();
  env["AWS_EC2_METADATA_DISABLED"] = "TRUE";
  StatusOr<Credentials> got = MakeCredentialChain(env, clock)->Get();
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(got.status().message(), HasSubstr("AWS_EC2_METADATA_DISABLED"));
  EXPECT_EQ(imds->RequestCount(), 0);
}

TEST(CredentialChainTest, InstanceMetadataFailsFastWhenItDoesNotAnswer) {
  auto silent = StartServer([](const RecordedRequest&) {
    FakeResponse r;
    r.delay = Millis(30000);
    return r;
  });
  TempDir home;
  Environment env = {{"HOME", home.path()}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", silent->url()}};
  FakeClock clock;
  auto started = std::chrono::steady_clock::now();
  StatusOr<Credentials> got = MakeCredentialChain(env, clock)->Get();
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(got.status().message(), HasSubstr("token request"));
  EXPECT_LT(took, std::chrono::milliseconds(3500));
}

TEST(CredentialChainTest, RefreshesWhenLessThanFiveMinutesRemain) {
  FakeClock clock;
  std::atomic<int> issued{0};
  auto imds = StartImds(clock, &issued);
  TempDir home;
  Environment env = {{"HOME", home.path()}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds->url()}};
  auto chain = MakeCredentialChain(env, clock);

  StatusOr<Credentials> first = chain->Get();  // expires in 10 minutes
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->access_key_id, "AKIDIMDS1");
  EXPECT_EQ(imds->RequestCount(), 3);

  clock.Advance(4 * kMinute);  // 6 minutes left: reused
  EXPECT_EQ(chain->Get()->access_key_id, "AKIDIMDS1");
  clock.Advance(59 * std::chrono::seconds(1));  // 5 min 1 s left: still reused
  EXPECT_EQ(chain->Get()->access_key_id, "AKIDIMDS1");
  EXPECT_EQ(imds->RequestCount(), 3);

  clock.Advance(2 * std::chrono::seconds(1));  // 4 min 59 s left: fetched again
  StatusOr<Credentials> second = chain->Get();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->access_key_id, "AKIDIMDS2");
  EXPECT_EQ(second->expiration, clock.Now() + 10 * kMinute);
  EXPECT_EQ(imds->RequestCount(), 6);
  EXPECT_EQ(chain->Get()->access_key_id, "AKIDIMDS2");
  EXPECT_EQ(imds->RequestCount(), 6);
}

Environment EcsEnvironment(const TempDir& home) {
  Environment env = Isolated(home);
  env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  return env;
}

TEST(CredentialChainTest, AFailingRefreshKeepsTheValidCredentials) {
  FakeClock clock;
  FakeEcsAgent agent(clock);
  TempDir home;
  auto chain =
      MakeCredentialChain(EcsEnvironment(home), clock, {.ecs_endpoint = agent.server->url()});
  ASSERT_EQ(chain->Get()->access_key_id, "AKID1");

  agent.fail = true;
  clock.Advance(6 * kMinute);  // in the refresh window; the refresh fails
  StatusOr<Credentials> kept = chain->Get();
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->access_key_id, "AKID1");
  EXPECT_EQ(agent.server->RequestCount(), 2);
  clock.Advance(std::chrono::seconds(5));  // too soon to try again
  EXPECT_EQ(chain->Get()->access_key_id, "AKID1");
  EXPECT_EQ(agent.server->RequestCount(), 2);

  agent.fail = false;
  clock.Advance(std::chrono::seconds(6));
  EXPECT_EQ(chain->Get()->access_key_id, "AKID2");
  EXPECT_EQ(agent.server->RequestCount(), 3);

  // Once they have expired, a failing source is an error.
  agent.fail = true;
  clock.Advance(11 * kMinute);
  StatusOr<Credentials> expired = chain->Get();
  EXPECT_EQ(expired.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(expired.status().message(), HasSubstr("HTTP 500"));
  EXPECT_THAT(expired.status().message(), Not(HasSubstr("secret-AKID")));
}

// A port on 127.0.0.1 where nothing listens.
uint16_t ClosedPort() {
  auto server = StartServer([](const RecordedRequest&) { return Answer(200, ""); });
  return server->port();
}

TEST(CredentialChainTest, NoSourceIsUnavailableAndNamesEverySourceButNoSecret) {
  TempDir home;
  WriteFile(home.path() + "/.aws/credentials",
            "[default]\naws_secret_access_key = file-secret-value\n");
  Environment env = {
      {"HOME", home.path()},
      {"AWS_SECRET_ACCESS_KEY", "env-secret-value"},  // without a key id
      {"AWS_SESSION_TOKEN", "env-token-value"},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token-value"},  // without a URI
      {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(ClosedPort())}};
  FakeClock clock;
  auto chain = MakeCredentialChain(env, clock);
  StatusOr<Credentials> got = chain->Get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  const std::string& message = got.status().message();
  EXPECT_THAT(message, HasSubstr("environment: AWS_ACCESS_KEY_ID not set"));
  EXPECT_THAT(message, HasSubstr("shared credentials file " + home.path()));
  EXPECT_THAT(message, HasSubstr("ECS container credentials"));
  EXPECT_THAT(message, HasSubstr("EC2 instance metadata"));
  for (const char* secret : {"secret-value", "token-value"}) {
    EXPECT_THAT(message, Not(HasSubstr(secret)));
  }
  // A second call inside the retry interval answers the same without trying again.
  EXPECT_EQ(chain->Get().status(), got.status());
}

TEST(CredentialChainTest, ConcurrentCallersShareOneFetch) {
  FakeClock clock;
  FakeEcsAgent agent(clock);
  TempDir home;
  auto chain =
      MakeCredentialChain(EcsEnvironment(home), clock, {.ecs_endpoint = agent.server->url()});
  constexpr int kThreads = 8;
  std::atomic<int> failures{0};
  std::barrier start(kThreads);
  auto run = [&](std::string expected_key) {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, expected_key] {
        start.arrive_and_wait();
        for (int i = 0; i < 50; ++i) {
          StatusOr<Credentials> got = chain->Get();
          if (!got.ok() || got->access_key_id != expected_key) ++failures;
        }
      });
    }
  };
  run("AKID1");
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(agent.server->RequestCount(), 1);
  clock.Advance(6 * kMinute);
  run("AKID2");
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(agent.server->RequestCount(), 2);
}

TEST(CredentialsParsingTest, CredentialsFile) {
  EXPECT_EQ(ParseCredentialsFile(kTwoProfiles, "ops")->secret_access_key, "ops/secret+key");
  StatusOr<Credentials> missing = ParseCredentialsFile(kTwoProfiles, "prod");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("profile prod not found"));
  StatusOr<Credentials> partial =
      ParseCredentialsFile("[default]\naws_secret_access_key=hidden-value\n", "default");
  EXPECT_EQ(partial.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(partial.status().message(), Not(HasSubstr("hidden-value")));
}

TEST(CredentialsParsingTest, MetadataJson) {
  StatusOr<Credentials> ok =
      ParseMetadataCredentials(R"({"AccessKeyId":"AK","SecretAccessKey":"SK","Token":"T",)"
                               R"("Expiration":"2015-08-30T12:36:00Z"})");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->expiration, FromUnixMillis(1440938160000));
  StatusOr<Credentials> no_expiry =
      ParseMetadataCredentials(R"({"AccessKeyId":"AK","SecretAccessKey":"SK"})");
  ASSERT_TRUE(no_expiry.ok());
  EXPECT_FALSE(no_expiry->expiration.has_value());

  for (std::string bad :
       {R"(not json hidden-value)", R"([])",
        R"({"Code":"Failure","AccessKeyId":"AK","SecretAccessKey":"hidden-value"})",
        R"({"AccessKeyId":"AK"})", R"({"AccessKeyId":7,"SecretAccessKey":"hidden-value"})",
        R"({"AccessKeyId":"AK","SecretAccessKey":"hidden-value","Expiration":"soon"})"}) {
    StatusOr<Credentials> got = ParseMetadataCredentials(bad);
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(got.status().message(), Not(HasSubstr("hidden-value"))) << bad;
  }
}

TEST(CredentialsParsingTest, Rfc3339) {
  EXPECT_EQ(*ParseRfc3339("2015-08-30T12:36:00Z"), FromUnixMillis(1440938160000));
  EXPECT_EQ(*ParseRfc3339("2015-08-30t12:36:00.5z"), FromUnixMillis(1440938160500));
  EXPECT_EQ(*ParseRfc3339("2015-08-30T14:36:00.123456+02:00"), FromUnixMillis(1440938160123));
  EXPECT_EQ(*ParseRfc3339("2015-08-30T07:36:00-05:00"), FromUnixMillis(1440938160000));
  EXPECT_EQ(*ParseRfc3339(FormatRfc3339(FromUnixMillis(1795867200123))),
            FromUnixMillis(1795867200123));
  for (std::string bad : {"", "2015-08-30", "2015-08-30T12:36:00", "2015-02-30T12:36:00Z",
                          "2015-08-30T24:00:00Z", "2015-08-30T12:36:00.Z", "2015-08-30T12:36:00Zx",
                          "2015-08-30T12:36:00+0200", "15-08-30T12:36:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

TEST(CredentialsProviderTest, StaticProviderReturnsItsCredentials) {
  auto provider = MakeStaticCredentialsProvider({"AK", "SK", "", std::nullopt});
  EXPECT_EQ(provider->Get()->access_key_id, "AK");
}

}  // namespace
}  // namespace wagate::aws
