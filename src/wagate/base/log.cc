#include "wagate/base/log.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"

namespace wagate::log {
namespace {

constexpr std::string_view kRedacted = "[redacted]";
constexpr std::string_view kPersonal = "[personal]";
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Secrets shorter than this are redacted only where a whole message, field name or value equals
// them: replacing every occurrence of a 1-3 byte string would shred ordinary words and numbers.
// RegisterSecret() warns when it is given one, so the weaker protection is never silent.
constexpr size_t kMinSubstringSecret = 4;

// Field names containing one of these (compared in lower case, '-' read as '_') hold credentials
// whatever their value, e.g. "Authorization", "X-Hub-Signature-256", "aws_secret_access_key".
// The match is deliberately broad: a redacted harmless field costs less than a leaked key.
constexpr std::string_view kCredentialNameParts[] = {
    "authorization", "secret",  "token",  "password",    "passwd",     "x_hub_signature",
    "access_key",    "api_key", "apikey", "private_key", "credential", "cookie",
};

// Everything that decides how a line is formatted. Replaced as a whole (copy on write) so that
// formatting runs outside any lock; only startup code changes it.
struct Settings {
  Level level = Level::kInfo;
  Format format = Format::kJson;
  std::vector<std::string> secrets;
};

// The process-wide logger state.
class Logger {
 public:
  std::shared_ptr<const Settings> settings() const WAGATE_EXCLUDES(settings_mu_) {
    MutexLock lock(settings_mu_);
    return settings_;
  }

  bool Enabled(Level level) const {
    return static_cast<int>(level) >= min_level_.load(std::memory_order_relaxed);
  }

  void Configure(Options options) WAGATE_EXCLUDES(settings_mu_, output_mu_) {
    {
      MutexLock lock(settings_mu_);
      auto next = std::make_shared<Settings>(*settings_);
      next->level = options.level;
      next->format = options.format;
      settings_ = std::move(next);
    }
    {
      MutexLock lock(output_mu_);
      sink_ = std::move(options.sink);
    }
    min_level_.store(static_cast<int>(options.level), std::memory_order_relaxed);
  }

  // Returns false when `secret` was already known.
  bool AddSecret(std::string_view secret) WAGATE_EXCLUDES(settings_mu_) {
    MutexLock lock(settings_mu_);
    const auto& known = settings_->secrets;
    if (std::find(known.begin(), known.end(), secret) != known.end()) return false;
    auto next = std::make_shared<Settings>(*settings_);
    next->secrets.emplace_back(secret);
    settings_ = std::move(next);
    return true;
  }

  void ClearSecrets() WAGATE_EXCLUDES(settings_mu_) {
    MutexLock lock(settings_mu_);
    auto next = std::make_shared<Settings>(*settings_);
    next->secrets.clear();
    settings_ = std::move(next);
  }

  // Writes one complete line. The lock makes lines whole and ordered, and lets sinks be
  // unsynchronised; a sink therefore must not log.
  void Emit(std::string line) WAGATE_EXCLUDES(output_mu_) {
    MutexLock lock(output_mu_);
    if (sink_) {
      sink_(line);
      return;
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }

 private:
  std::atomic<int> min_level_{static_cast<int>(Level::kInfo)};
  mutable Mutex settings_mu_;
  std::shared_ptr<const Settings> settings_ WAGATE_GUARDED_BY(settings_mu_) =
      std::make_shared<const Settings>();
  Mutex output_mu_;
  std::function<void(std::string_view)> sink_ WAGATE_GUARDED_BY(output_mu_);
};

// Never destroyed, so that logging from other static destructors stays safe.
Logger& TheLogger() {
  static Logger* const logger = new Logger();
  return *logger;
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerAscii(x) == LowerAscii(y);
         });
}

bool IsCredentialName(std::string_view name) {
  std::string normal(name);
  for (char& c : normal) c = (c == '-') ? '_' : LowerAscii(c);
  for (std::string_view part : kCredentialNameParts) {
    if (normal.find(part) != std::string::npos) return true;
  }
  return false;
}

// Returns `text` with every registered secret replaced by "[redacted]". Overlapping and adjacent
// occurrences (of one secret or of several) collapse into one marker, so no fragment survives.
std::string ScrubSecrets(std::string_view text, const std::vector<std::string>& secrets) {
  std::vector<std::pair<size_t, size_t>> spans;  // [begin, end) byte ranges to hide
  for (const std::string& secret : secrets) {
    if (secret.size() < kMinSubstringSecret) {
      if (text == secret) return std::string(kRedacted);
      continue;
    }
    for (size_t pos = text.find(secret); pos != std::string_view::npos;
         pos = text.find(secret, pos + 1)) {
      spans.emplace_back(pos, pos + secret.size());
    }
  }
  if (spans.empty()) return std::string(text);
  std::sort(spans.begin(), spans.end());
  std::string out;
  size_t copied = 0;
  for (size_t i = 0; i < spans.size();) {
    size_t begin = spans[i].first;
    size_t end = spans[i].second;
    for (++i; i < spans.size() && spans[i].first <= end; ++i) end = std::max(end, spans[i].second);
    out.append(text.substr(copied, begin - copied));
    out.append(kRedacted);
    copied = end;
  }
  out.append(text.substr(copied));
  return out;
}

// A field after redaction: `text` is printed as a JSON string when `is_string`, else verbatim
// (numbers and booleans).
struct SafeField {
  std::string name;
  std::string text;
  bool is_string = true;
};

struct SafeRecord {
  std::string msg;
  std::vector<SafeField> fields;
};

// The value's natural text form; `is_string` is false for JSON numbers and booleans.
std::string ValueText(const Field& field, bool* is_string) {
  *is_string = false;
  char buf[64];
  if (const auto* s = std::get_if<std::string_view>(&field.value)) {
    *is_string = true;
    return std::string(*s);
  }
  if (const auto* b = std::get_if<bool>(&field.value)) return *b ? "true" : "false";
  if (const auto* d = std::get_if<double>(&field.value)) {
    // JSON has no NaN or infinities; print them as strings so the line stays valid.
    if (!std::isfinite(*d)) {
      *is_string = true;
      return std::isnan(*d) ? "NaN" : (*d > 0 ? "Infinity" : "-Infinity");
    }
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, *d).ptr);
  }
  if (const auto* i = std::get_if<int64_t>(&field.value)) {
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, *i).ptr);
  }
  return std::string(buf,
                     std::to_chars(buf, buf + sizeof buf, std::get<uint64_t>(field.value)).ptr);
}

// The one place where redaction is decided; both formats print only what this returns.
SafeRecord Redact(std::string_view msg, std::initializer_list<Field> fields,
                  const Settings& settings) {
  SafeRecord record;
  record.msg = ScrubSecrets(msg, settings.secrets);
  record.fields.reserve(fields.size());
  for (const Field& field : fields) {
    SafeField& safe = record.fields.emplace_back();
    safe.name = ScrubSecrets(field.name, settings.secrets);
    if (IsCredentialName(field.name)) {
      safe.text = kRedacted;
    } else if (field.personal && settings.level != Level::kDebug) {
      safe.text = kPersonal;
    } else {
      std::string text = ValueText(field, &safe.is_string);
      safe.text = ScrubSecrets(text, settings.secrets);
      if (safe.text != text) safe.is_string = true;
    }
  }
  return record;
}

// Length of the well-formed UTF-8 sequence starting at s[i] (Unicode table 3-7), or 0 when the
// bytes there are not one: stray continuation bytes, overlong forms, surrogates, > U+10FFFF,
// truncated sequences.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
  unsigned b0 = byte(0);
  if (in(b0, 0xC2, 0xDF)) return in(byte(1), 0x80, 0xBF) ? 2 : 0;
  unsigned lo = 0x80, hi = 0xBF;
  size_t len = 0;
  if (in(b0, 0xE0, 0xEF)) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (in(b0, 0xF0, 0xF4)) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (!in(byte(1), lo, hi)) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (!in(byte(k), 0x80, 0xBF)) return 0;
  }
  return len;
}

// Appends `s` escaped as the inside of a JSON string: quotes, backslashes and control characters
// escaped, each byte of invalid UTF-8 replaced by U+FFFD. The result is always valid JSON and
// never contains a line break. The text format uses it too.
void AppendEscaped(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        out->append(kReplacementChar);
        ++i;
      } else {
        out->append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  AppendEscaped(out, s);
  out->push_back('"');
}

// In the text format a value is printed bare when that is unambiguous: printable ASCII without
// spaces, quotes, '=' or backslashes.
bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  return std::any_of(s.begin(), s.end(), [](char ch) {
    unsigned char c = static_cast<unsigned char>(ch);
    return c <= ' ' || c >= 0x7F || c == '"' || c == '=' || c == '\\';
  });
}

std::string_view LevelName(Level level, Format format) {
  switch (level) {
    case Level::kDebug: return format == Format::kJson ? "debug" : "DEBUG";
    case Level::kInfo: return format == Format::kJson ? "info" : "INFO";
    case Level::kWarn: return format == Format::kJson ? "warn" : "WARN";
    case Level::kError: return format == Format::kJson ? "error" : "ERROR";
  }
  return "unknown";
}

std::string FormatJson(Level level, const std::string& ts, const SafeRecord& record) {
  std::string out = "{\"ts\":\"" + ts + "\",\"level\":\"";
  out.append(LevelName(level, Format::kJson));
  out.append("\",\"msg\":");
  AppendJsonString(&out, record.msg);
  for (const SafeField& field : record.fields) {
    out.push_back(',');
    AppendJsonString(&out, field.name);
    out.push_back(':');
    if (field.is_string) {
      AppendJsonString(&out, field.text);
    } else {
      out.append(field.text);
    }
  }
  out.push_back('}');
  return out;
}

std::string FormatText(Level level, const std::string& ts, const SafeRecord& record) {
  std::string out = ts;
  out.push_back(' ');
  out.append(LevelName(level, Format::kText));
  out.push_back(' ');
  AppendEscaped(&out, record.msg);
  for (const SafeField& field : record.fields) {
    out.push_back(' ');
    AppendEscaped(&out, field.name);
    out.push_back('=');
    if (field.is_string && NeedsQuotes(field.text)) {
      AppendJsonString(&out, field.text);
    } else {
      out.append(field.text);
    }
  }
  return out;
}

std::string FormatWith(const Settings& settings, Level level, std::string_view msg,
                       std::initializer_list<Field> fields) {
  SafeRecord record = Redact(msg, fields, settings);
  std::string ts = FormatRfc3339(SystemClock::Instance().Now());
  return settings.format == Format::kJson ? FormatJson(level, ts, record)
                                          : FormatText(level, ts, record);
}

}  // namespace

bool ParseLevel(std::string_view text, Level* out) {
  static constexpr std::pair<std::string_view, Level> kNames[] = {
      {"debug", Level::kDebug},  {"info", Level::kInfo},   {"warn", Level::kWarn},
      {"warning", Level::kWarn}, {"error", Level::kError},
  };
  for (const auto& [name, level] : kNames) {
    if (EqualsIgnoreCase(text, name)) {
      *out = level;
      return true;
    }
  }
  return false;
}

bool ParseFormat(std::string_view text, Format* out) {
  if (EqualsIgnoreCase(text, "json")) {
    *out = Format::kJson;
  } else if (EqualsIgnoreCase(text, "text")) {
    *out = Format::kText;
  } else {
    return false;
  }
  return true;
}

void Configure(Options options) { TheLogger().Configure(std::move(options)); }

void RegisterSecret(std::string_view secret) {
  if (secret.empty() || !TheLogger().AddSecret(secret)) return;
  if (secret.size() < kMinSubstringSecret) {
    Warn(
        "a registered secret is shorter than 4 bytes; it is redacted only where a whole value "
        "equals it",
        {F("length", secret.size())});
  }
}

void ClearSecretsForTest() { TheLogger().ClearSecrets(); }

bool Enabled(Level level) { return TheLogger().Enabled(level); }

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  Logger& logger = TheLogger();
  if (!logger.Enabled(level)) return;
  logger.Emit(FormatWith(*logger.settings(), level, msg, fields));
}

std::string FormatLine(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  return FormatWith(*TheLogger().settings(), level, msg, fields);
}

}  // namespace wagate::log
