// Logging facade: one JSON object per line (or text on request), with redaction in one place.
//
// Usage:
//   log::Info("webhook accepted", {log::F("accepted", 3), log::F("latency_ms", 1.2)});
//   log::Debug("inbound text", {log::Personal("text", body), log::Personal("from", phone)});
//
// Redaction rules, all enforced by Write() and nowhere else:
//   - Secrets never appear at any level. Every value passed to RegisterSecret() (app secrets,
//     tokens, AWS keys) is replaced by "[redacted]" wherever it occurs in the message or in any
//     field; fields whose name looks like a credential ("authorization", "*secret*", "*token*",
//     "*password*") are always replaced.
//   - Personal data (message text, phone numbers, profile names) is passed as Personal() fields.
//     Their values are written only when the configured level is debug; otherwise they are
//     replaced by "[personal]".
//
// Thread safety: all functions are safe to call from any thread. Configure() and
// RegisterSecret() are meant for startup but are safe at any time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace wagate::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kJson, kText };

// Parses "debug|info|warn|warning|error" (case-insensitive).
bool ParseLevel(std::string_view text, Level* out);
// Parses "json|text" (case-insensitive).
bool ParseFormat(std::string_view text, Format* out);

struct Field {
  std::string_view name;
  std::variant<std::string_view, int64_t, uint64_t, double, bool> value;
  bool personal = false;
};

inline Field F(std::string_view name, std::string_view v) { return {name, v, false}; }
inline Field F(std::string_view name, const char* v) { return {name, std::string_view(v), false}; }
inline Field F(std::string_view name, const std::string& v) { return {name, std::string_view(v), false}; }
inline Field F(std::string_view name, int v) { return {name, static_cast<int64_t>(v), false}; }
inline Field F(std::string_view name, long v) { return {name, static_cast<int64_t>(v), false}; }
inline Field F(std::string_view name, long long v) { return {name, static_cast<int64_t>(v), false}; }
inline Field F(std::string_view name, unsigned v) { return {name, static_cast<uint64_t>(v), false}; }
inline Field F(std::string_view name, unsigned long v) { return {name, static_cast<uint64_t>(v), false}; }
inline Field F(std::string_view name, unsigned long long v) { return {name, static_cast<uint64_t>(v), false}; }
inline Field F(std::string_view name, double v) { return {name, v, false}; }
inline Field F(std::string_view name, bool v) { return {name, v, false}; }
// Message text, phone numbers, names: written only at debug level.
inline Field Personal(std::string_view name, std::string_view v) { return {name, v, true}; }

struct Options {
  Level level = Level::kInfo;
  Format format = Format::kJson;
  // Where lines go. Null means stderr. Tests install a capturing sink. The sink receives one
  // line without its trailing newline, is called under the logger's lock (so it need not be
  // thread-safe) and must not log itself.
  std::function<void(std::string_view line)> sink;
};

void Configure(Options options);
// Adds a value that must never be written. Empty values are ignored.
void RegisterSecret(std::string_view secret);
// Forgets every registered secret (tests only).
void ClearSecretsForTest();
bool Enabled(Level level);

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
inline void Debug(std::string_view msg, std::initializer_list<Field> f = {}) { Write(Level::kDebug, msg, f); }
inline void Info(std::string_view msg, std::initializer_list<Field> f = {}) { Write(Level::kInfo, msg, f); }
inline void Warn(std::string_view msg, std::initializer_list<Field> f = {}) { Write(Level::kWarn, msg, f); }
inline void Error(std::string_view msg, std::initializer_list<Field> f = {}) { Write(Level::kError, msg, f); }

// Formats one line exactly as Write() would, without writing it (for tests).
std::string FormatLine(Level level, std::string_view msg, std::initializer_list<Field> fields);

}  // namespace wagate::log
