#include "wagate/testing/prometheus_text.h"

#include <cmath>
#include <cstdlib>
#include <vector>

namespace wagate::testing {

namespace {

bool IsNameChar(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

// Reads a metric or label name at `at`; empty when there is none.
std::string_view ReadName(std::string_view line, size_t& at) {
  const size_t start = at;
  while (at < line.size() && IsNameChar(line[at], at == start)) ++at;
  return line.substr(start, at - start);
}

std::optional<double> ParseValue(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return std::nan("");
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

std::string Quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

Status Malformed(std::string_view line, std::string_view why) {
  return InvalidArgumentError("bad exposition line (" + std::string(why) +
                              "): " + std::string(line));
}

}  // namespace

std::string SeriesKey(std::string_view name, const PrometheusLabels& labels) {
  std::string key(name);
  if (labels.empty()) return key;
  key += '{';
  bool first = true;
  for (const auto& [label, value] : labels) {
    if (!first) key += ',';
    first = false;
    key += label + "=" + Quote(value);
  }
  return key + '}';
}

StatusOr<PrometheusSamples> ParsePrometheusText(std::string_view text) {
  PrometheusSamples out;
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (line.empty() || line.front() == '#') continue;

    size_t at = 0;
    const std::string_view name = ReadName(line, at);
    if (name.empty()) return Malformed(line, "no metric name");
    PrometheusLabels labels;
    if (at < line.size() && line[at] == '{') {
      ++at;
      while (at < line.size() && line[at] != '}') {
        const std::string_view label = ReadName(line, at);
        if (label.empty() || at + 1 >= line.size() || line[at] != '=' || line[at + 1] != '"') {
          return Malformed(line, "label");
        }
        at += 2;
        std::string value;
        while (at < line.size() && line[at] != '"') {
          if (line[at] == '\\' && at + 1 < line.size()) {
            ++at;
            value += line[at] == 'n' ? '\n' : line[at];
          } else {
            value += line[at];
          }
          ++at;
        }
        if (at >= line.size()) return Malformed(line, "unterminated label value");
        ++at;  // the closing quote
        if (!labels.emplace(std::string(label), std::move(value)).second) {
          return Malformed(line, "duplicate label");
        }
        if (at < line.size() && line[at] == ',') ++at;
      }
      if (at >= line.size()) return Malformed(line, "unterminated labels");
      ++at;  // '}'
    }
    if (at >= line.size() || line[at] != ' ') return Malformed(line, "no value");
    std::string_view rest = line.substr(at + 1);
    const size_t space = rest.find(' ');  // an optional timestamp follows
    std::optional<double> value = ParseValue(rest.substr(0, space));
    if (!value) return Malformed(line, "value");
    if (!out.emplace(SeriesKey(name, labels), *value).second) {
      return Malformed(line, "duplicate series");
    }
  }
  return out;
}

std::optional<double> Sample(const PrometheusSamples& samples, std::string_view name,
                             const PrometheusLabels& labels) {
  auto it = samples.find(SeriesKey(name, labels));
  if (it == samples.end()) return std::nullopt;
  return it->second;
}

double SumSamples(const PrometheusSamples& samples, std::string_view name,
                  const PrometheusLabels& labels) {
  double sum = 0;
  const std::string prefix(name);
  for (auto it = samples.lower_bound(prefix); it != samples.end(); ++it) {
    const std::string& key = it->first;
    if (key.compare(0, prefix.size(), prefix) != 0) break;
    if (key.size() != prefix.size() && key[prefix.size()] != '{') continue;
    bool all = true;
    for (const auto& [label, value] : labels) {
      // One whole label: preceded by '{' or ',' and followed by ',' or '}'.
      const std::string pair = label + "=" + Quote(value);
      bool found = false;
      for (size_t at = key.find(pair); at != std::string::npos; at = key.find(pair, at + 1)) {
        const char before = key[at - 1];
        const char after = key[at + pair.size()];
        if ((before == '{' || before == ',') && (after == ',' || after == '}')) {
          found = true;
          break;
        }
      }
      if (!found) {
        all = false;
        break;
      }
    }
    if (all) sum += it->second;
  }
  return sum;
}

}  // namespace wagate::testing
