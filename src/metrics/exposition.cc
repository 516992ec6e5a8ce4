#include "metrics/exposition.h"

#include <fmt/format.h>

#include <cmath>

namespace volumed::metrics {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

namespace {

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escapes only backslash and newline.
std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool ExpositionWriter::Family(std::string_view name, MetricType type, std::string_view help) {
  if (!families_.emplace(name).second) {
    ++errors_;
    family_.clear();
    return false;
  }
  family_ = name;
  fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, EscapeHelp(help),
                 name, TypeName(type));
  return true;
}

void ExpositionWriter::AppendLabels(std::initializer_list<Label> labels, std::string_view le) {
  if (labels.size() == 0 && le.empty()) return;
  out_ += '{';
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) out_ += ',';
    first = false;
    fmt::format_to(std::back_inserter(out_), "{}=\"{}\"", key, EscapeLabelValue(value));
  }
  if (!le.empty()) fmt::format_to(std::back_inserter(out_), "{}le=\"{}\"", first ? "" : ",", le);
  out_ += '}';
}

void ExpositionWriter::Sample(std::string_view name, std::initializer_list<Label> labels,
                              double value) {
  if (family_.empty() || !name.starts_with(family_)) {
    ++errors_;
    return;
  }
  out_ += name;
  AppendLabels(labels, {});
  out_ += ' ';
  out_ += FormatValue(value);
  out_ += '\n';
}

void ExpositionWriter::Histogram(std::string_view name, std::initializer_list<Label> labels,
                                 const double* bounds, const uint64_t* counts, size_t n_bounds,
                                 double sum) {
  if (family_ != name) {
    ++errors_;
    return;
  }
  uint64_t cumulative = 0;
  const std::string bucket = std::string(name) + "_bucket";
  for (size_t i = 0; i <= n_bounds; ++i) {
    cumulative += counts[i];
    out_ += bucket;
    AppendLabels(labels, i < n_bounds ? FormatValue(bounds[i]) : "+Inf");
    fmt::format_to(std::back_inserter(out_), " {}\n", cumulative);
  }
  out_ += name;
  out_ += "_sum";
  AppendLabels(labels, {});
  out_ += ' ';
  out_ += FormatValue(sum);
  out_ += '\n';
  out_ += name;
  out_ += "_count";
  AppendLabels(labels, {});
  fmt::format_to(std::back_inserter(out_), " {}\n", cumulative);
}

}  // namespace volumed::metrics
