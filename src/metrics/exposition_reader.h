// ParseExposition: a strict reader of the Prometheus text exposition format 0.0.4, for
// `volumectl top` and the tests — stricter than Prometheus itself where volumed promises
// more, so that anything volumed writes wrong fails loudly:
//   - every line is a HELP, a TYPE or a sample, and the text ends with a newline;
//   - metric and label names match the format's grammar; label values use only the
//     escapes \\, \" and \n; values are floats, +Inf, -Inf or NaN (no timestamps);
//   - each family has one HELP and one TYPE, before its samples, and its samples are
//     contiguous; no series (name + label set) appears twice;
//   - counters' names end in _total; every name starts with volumed_;
//   - histograms: per label set, _bucket le values ascend to +Inf with cumulative counts,
//     the +Inf bucket equals _count, and _sum is present.
// Returns every sample (labels unescaped) or a message naming the first offending line.
//
// Thread-safety: a pure function.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace volumed::metrics {

struct ParsedSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

Result<std::vector<ParsedSample>> ParseExposition(std::string_view text);

// Samples by series key `name{a="x",b="y"}` (labels sorted by name, values unescaped).
using Series = std::map<std::string, double>;
Series ToSeries(const std::vector<ParsedSample>& samples);
// ParseExposition, then ToSeries.
Result<Series> CheckExposition(std::string_view text);
// The value of `key` in `series`, or 0 when it is absent (counters never incremented are
// not exposed).
double ValueOr0(const Series& series, const std::string& key);

}  // namespace volumed::metrics
