// ExpositionWriter: builds a Prometheus text exposition (format version 0.0.4,
// https://prometheus.io/docs/instrumenting/exposition_formats/):
//
//   exposition := { family }
//   family     := "# HELP " name " " help-text "\n" "# TYPE " name " " type "\n" { sample }
//   sample     := name [ "{" label "=" '"' value '"' { "," label "=" '"' value '"' } "}" ]
//                 " " number "\n"
//
// Each family is opened once with Family() and its samples follow it; a sample's name is
// the family's name or, for histograms, the family's name plus _bucket, _sum or _count.
// Label values and help text are escaped as the format requires (\\, \" and \n), so any
// string (a volume name with quotes or newlines) is safe. Opening the same family twice is
// a programming error the writer refuses (the sample is dropped and counted in errors()),
// so an exposition never holds duplicate HELP/TYPE lines.
//
// Thread-safety: not thread-safe; one writer per scrape.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace volumed::metrics {

using Label = std::pair<std::string_view, std::string_view>;

enum class MetricType : unsigned char { kCounter, kGauge, kHistogram };

class ExpositionWriter {
 public:
  // Starts the family `name`; false (and nothing written) if it was started before.
  bool Family(std::string_view name, MetricType type, std::string_view help);
  // One sample of the current family (see the grammar above for `name`).
  void Sample(std::string_view name, std::initializer_list<Label> labels, double value);
  // A histogram's samples from its upper bounds (seconds or units, ascending, without
  // +Inf), per-bucket (not cumulative) counts (bounds.size() + 1 of them, the last for
  // +Inf) and sum; `labels` are added to every sample, before "le".
  void Histogram(std::string_view name, std::initializer_list<Label> labels, const double* bounds,
                 const uint64_t* counts, size_t n_bounds, double sum);

  const std::string& text() const { return out_; }
  size_t errors() const { return errors_; }

 private:
  void AppendLabels(std::initializer_list<Label> labels, std::string_view le);

  std::string out_;
  std::string family_;
  std::set<std::string, std::less<>> families_;
  size_t errors_ = 0;
};

// Escapes a label value for the exposition format.
std::string EscapeLabelValue(std::string_view value);
// A sample value as the format writes it: shortest round-trip decimal, +Inf, -Inf, NaN.
std::string FormatValue(double value);

}  // namespace volumed::metrics
