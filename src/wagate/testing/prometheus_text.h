// A parser of the Prometheus text exposition format (version 0.0.4), for tests that scrape
// GET /metrics: every sample line `name{label="value",...} value [timestamp]` becomes one entry;
// `#` lines (HELP, TYPE) and blank lines are skipped.
//
// Series are keyed by their name and labels in a canonical form, with labels sorted by name:
// SeriesKey("wagate_claims_total", {{"outcome", "won"}}) == `wagate_claims_total{outcome="won"}`,
// so a test looks a sample up however the exposition orders its labels.
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/base/status.h"

namespace wagate::testing {

using PrometheusSamples = std::map<std::string, double>;
using PrometheusLabels = std::map<std::string, std::string>;

std::string SeriesKey(std::string_view name, const PrometheusLabels& labels = {});

// InvalidArgument, naming the line, when a sample line does not parse.
StatusOr<PrometheusSamples> ParsePrometheusText(std::string_view text);

// The sample of `name` with exactly `labels`; nullopt when absent.
std::optional<double> Sample(const PrometheusSamples& samples, std::string_view name,
                             const PrometheusLabels& labels = {});

// The sum of every sample of `name` whose labels include `labels`.
double SumSamples(const PrometheusSamples& samples, std::string_view name,
                  const PrometheusLabels& labels = {});

}  // namespace wagate::testing
