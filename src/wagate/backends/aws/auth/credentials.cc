#include "wagate/backends/aws/auth/credentials.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <utility>
#include <vector>

#include "wagate/backends/aws/auth/credential_sources.h"
#include "wagate/base/log.h"
#include "wagate/base/mutex.h"

namespace wagate::aws {
namespace {

constexpr Millis kRefreshBeforeExpiry = std::chrono::minutes(5);
constexpr Millis kRetryAfterAttempt = std::chrono::seconds(10);

bool IsValid(const Credentials& c, Timestamp now) { return !c.expiration || now < *c.expiration; }

bool NeedsRefresh(const Credentials& c, Timestamp now) {
  return c.expiration && now >= *c.expiration - kRefreshBeforeExpiry;
}

// The standard chain: picks a source on the first successful fetch, then refreshes from it.
class CredentialChain final : public CredentialsProvider {
 public:
  CredentialChain(std::vector<std::unique_ptr<internal::CredentialSource>> sources,
                  const Clock& clock)
      : clock_(clock), sources_(std::move(sources)) {}

  StatusOr<Credentials> Get() override WAGATE_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    const Timestamp now = clock_.Now();
    if (cached_ && !NeedsRefresh(*cached_, now)) return *cached_;
    if (!next_attempt_ || now >= *next_attempt_) {
      next_attempt_ = now + kRetryAfterAttempt;
      StatusOr<Credentials> fetched = Fetch();
      if (fetched.ok() && IsValid(*fetched, now)) {
        cached_ = std::move(*fetched);
        last_error_ = Status::Ok();
        return *cached_;
      }
      last_error_ = fetched.ok() ? UnavailableError("the AWS credentials fetched had expired")
                                 : fetched.status();
      if (cached_ && IsValid(*cached_, now)) {
        log::Warn("AWS credentials refresh failed; using the current ones until they expire",
                  {log::F("reason", last_error_.message()),
                   log::F("expires", FormatRfc3339(*cached_->expiration))});
      }
    }
    if (cached_ && IsValid(*cached_, now)) return *cached_;
    if (!last_error_.ok()) return last_error_;
    return UnavailableError("the AWS credentials expired; fetching again shortly");
  }

 private:
  // From the source chosen earlier, or else the first source of the chain that has credentials.
  StatusOr<Credentials> Fetch() WAGATE_REQUIRES(mu_) {
    if (active_ != nullptr) {
      StatusOr<Credentials> fetched = active_->Fetch();
      if (fetched.ok()) return fetched;
      return UnavailableError("AWS credentials from " + active_->Name() + ": " +
                              fetched.status().message());
    }
    std::string reasons;
    for (const auto& source : sources_) {
      StatusOr<Credentials> fetched = source->Fetch();
      if (fetched.ok()) {
        active_ = source.get();
        log::Info("AWS credentials found", {log::F("source", source->Name())});
        return fetched;
      }
      reasons += (reasons.empty() ? "" : "; ") + source->Name() + ": " + fetched.status().message();
    }
    return UnavailableError("no AWS credentials found; tried " + reasons);
  }

  const Clock& clock_;
  Mutex mu_;
  const std::vector<std::unique_ptr<internal::CredentialSource>> sources_ WAGATE_GUARDED_BY(mu_);
  internal::CredentialSource* active_ WAGATE_GUARDED_BY(mu_) = nullptr;
  std::optional<Credentials> cached_ WAGATE_GUARDED_BY(mu_);
  Status last_error_ WAGATE_GUARDED_BY(mu_);
  std::optional<Timestamp> next_attempt_ WAGATE_GUARDED_BY(mu_);
};

class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials)
      : credentials_(std::move(credentials)) {}
  StatusOr<Credentials> Get() override { return credentials_; }

 private:
  const Credentials credentials_;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Parses `n` decimal digits at `pos`.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::unique_ptr<CredentialsProvider> MakeCredentialChain(const Environment& env,
                                                         const Clock& clock) {
  return MakeCredentialChain(env, clock, CredentialChainOptions{});
}

std::unique_ptr<CredentialsProvider> MakeCredentialChain(const Environment& env, const Clock& clock,
                                                         CredentialChainOptions options) {
  return std::make_unique<CredentialChain>(internal::StandardSources(env, options), clock);
}

std::unique_ptr<CredentialsProvider> MakeStaticCredentialsProvider(Credentials credentials) {
  return std::make_unique<StaticCredentialsProvider>(std::move(credentials));
}

StatusOr<Credentials> ParseCredentialsFile(std::string_view text, std::string_view profile) {
  bool found = false;
  bool in_profile = false;
  Credentials credentials;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = Trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      size_t close = line.find(']');
      in_profile = close != std::string_view::npos && Trim(line.substr(1, close - 1)) == profile;
      found = found || in_profile;
      continue;
    }
    size_t eq = line.find('=');
    if (!in_profile || eq == std::string_view::npos) continue;
    std::string key(Trim(line.substr(0, eq)));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value(Trim(line.substr(eq + 1)));
    if (key == "aws_access_key_id") credentials.access_key_id = std::move(value);
    if (key == "aws_secret_access_key") credentials.secret_access_key = std::move(value);
    if (key == "aws_session_token") credentials.session_token = std::move(value);
  }
  std::string name = "profile " + std::string(profile);
  if (!found) return NotFoundError(name + " not found");
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return NotFoundError(name + " has no aws_access_key_id and aws_secret_access_key");
  }
  return credentials;
}

StatusOr<Credentials> ParseMetadataCredentials(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(json, ec);
  const boost::json::object* object = ec ? nullptr : doc.if_object();
  if (object == nullptr) return InvalidArgumentError("metadata credentials: not a JSON object");
  auto text = [&](std::string_view key) -> std::optional<std::string> {
    const boost::json::value* v = object->if_contains(key);
    const boost::json::string* s = v != nullptr ? v->if_string() : nullptr;
    if (s == nullptr) return std::nullopt;
    return std::string(s->data(), s->size());
  };
  if (object->contains("Code") && text("Code") != "Success") {
    return InvalidArgumentError("metadata credentials: Code is not \"Success\"");
  }
  Credentials credentials;
  credentials.access_key_id = text("AccessKeyId").value_or("");
  credentials.secret_access_key = text("SecretAccessKey").value_or("");
  credentials.session_token = text("Token").value_or("");
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return InvalidArgumentError("metadata credentials: AccessKeyId or SecretAccessKey missing");
  }
  if (object->contains("Expiration")) {
    StatusOr<Timestamp> expiration = ParseRfc3339(text("Expiration").value_or(""));
    if (!expiration.ok()) {
      return InvalidArgumentError("metadata credentials: Expiration is not an RFC 3339 time");
    }
    credentials.expiration = *expiration;
  }
  return credentials;
}

StatusOr<Timestamp> ParseRfc3339(std::string_view s) {
  const Status invalid = InvalidArgumentError("not an RFC 3339 time");
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &hour) || s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' ||
      !Digits(s, 17, 2, &second)) {
    return invalid;
  }
  size_t i = 19;
  int millis = 0;
  if (i < s.size() && s[i] == '.') {
    size_t first = ++i;
    for (int scale = 100; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
      millis += (s[i] - '0') * scale;
      scale /= 10;
    }
    if (i == first) return invalid;
  }
  int offset_minutes = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!Digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, &om) || oh > 23 || om > 59) {
      return invalid;
    }
    offset_minutes = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    i += 6;
  } else {
    return invalid;
  }
  using namespace std::chrono;
  year_month_day date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (i != s.size() || !date.ok() || hour > 23 || minute > 59 || second > 60) return invalid;
  Millis since_epoch = duration_cast<Millis>(sys_days(date).time_since_epoch()) + hours(hour) +
                       minutes(minute - offset_minutes) + seconds(second) + Millis(millis);
  return Timestamp(since_epoch);
}

}  // namespace wagate::aws
