#include "metrics/exposition_reader.h"

#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>
#include <vector>

namespace volumed::metrics {
namespace {

bool IsMetricName(std::string_view s) {
  static const std::regex re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return std::regex_match(s.begin(), s.end(), re);
}
bool IsLabelName(std::string_view s) {
  static const std::regex re("[a-zA-Z_][a-zA-Z0-9_]*");
  return std::regex_match(s.begin(), s.end(), re);
}

bool ParseValue(std::string_view s, double* out) {
  if (s == "+Inf") {
    *out = INFINITY;
    return true;
  }
  if (s == "-Inf") {
    *out = -INFINITY;
    return true;
  }
  if (s == "NaN") {
    *out = NAN;
    return true;
  }
  if (s.empty()) return false;
  const std::string copy(s);
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size();
}

struct Family {
  std::string type;
  bool help = false;
  bool closed = false;  // another family's samples came after this one's
};

Status Bad(size_t line_no, std::string_view line, std::string_view why) {
  return InvalidArgument("exposition line " + std::to_string(line_no) + " (" +
                         std::string(line.substr(0, 160)) + "): " + std::string(why));
}

// The family a sample name belongs to, given the declared families.
std::string FamilyOf(const std::map<std::string, Family>& families, const std::string& name) {
  if (families.count(name)) return name;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.ends_with(suffix)) {
      const std::string base = name.substr(0, name.size() - suffix.size());
      auto it = families.find(base);
      if (it != families.end() && it->second.type == "histogram") return base;
    }
  }
  return {};
}

std::string SeriesKey(const std::string& name, const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return name;
  std::string key = name + "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    key += (first ? "" : ",") + k + "=\"" + v + "\"";
    first = false;
  }
  return key + "}";
}

}  // namespace

double ValueOr0(const Series& series, const std::string& key) {
  auto it = series.find(key);
  return it == series.end() ? 0 : it->second;
}

Series ToSeries(const std::vector<ParsedSample>& samples) {
  Series out;
  for (const ParsedSample& s : samples) out.emplace(SeriesKey(s.name, s.labels), s.value);
  return out;
}

Result<Series> CheckExposition(std::string_view text) {
  VOLUMED_ASSIGN_OR_RETURN(std::vector<ParsedSample> samples, ParseExposition(text));
  return ToSeries(samples);
}

Result<std::vector<ParsedSample>> ParseExposition(std::string_view text) {
  if (text.empty() || text.back() != '\n') return InvalidArgument("exposition must end in \\n");
  std::vector<ParsedSample> samples;
  Series series;
  std::map<std::string, Family> families;
  std::string current;  // family of the last line
  // Histograms: (family, labels without le) -> buckets in order, count, has sum.
  struct Hist {
    std::vector<std::pair<double, double>> buckets;
    double count = -1;
    bool sum = false;
  };
  std::map<std::string, Hist> hists;

  size_t line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.empty()) return Bad(line_no, line, "empty line");
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const bool help = line[2] == 'H';
      const std::string_view rest = line.substr(7);
      const size_t sp = rest.find(' ');
      if (sp == std::string_view::npos) return Bad(line_no, line, "no text after the name");
      const std::string name(rest.substr(0, sp));
      if (!IsMetricName(name)) return Bad(line_no, line, "bad metric name");
      if (!name.starts_with("volumed_")) return Bad(line_no, line, "not in the volumed_ namespace");
      Family& f = families[name];
      if (f.closed) return Bad(line_no, line, "family continued after another family");
      if (current != name && !current.empty()) families[current].closed = true;
      current = name;
      if (help) {
        if (f.help) return Bad(line_no, line, "second HELP");
        f.help = true;
        const std::string_view doc = rest.substr(sp + 1);
        for (size_t i = 0; i < doc.size(); ++i) {
          if (doc[i] == '\\' &&
              (i + 1 == doc.size() || (doc[i + 1] != '\\' && doc[i + 1] != 'n'))) {
            return Bad(line_no, line, "bad escape in HELP");
          }
          if (doc[i] == '\\') ++i;
        }
      } else {
        if (!f.type.empty()) return Bad(line_no, line, "second TYPE");
        f.type = std::string(rest.substr(sp + 1));
        if (f.type != "counter" && f.type != "gauge" && f.type != "histogram" &&
            f.type != "summary" && f.type != "untyped") {
          return Bad(line_no, line, "unknown type");
        }
        if (f.type == "counter" && !name.ends_with("_total")) {
          return Bad(line_no, line, "counter without _total");
        }
      }
      continue;
    }
    if (line.starts_with('#')) return Bad(line_no, line, "comment lines are not used");

    // A sample: name [{labels}] value
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    const std::string name(line.substr(0, i));
    if (!IsMetricName(name)) return Bad(line_no, line, "bad metric name");
    const std::string family = FamilyOf(families, name);
    if (family.empty()) return Bad(line_no, line, "sample before its TYPE");
    if (family != current) return Bad(line_no, line, "sample outside its family's block");
    if (families[family].type.empty()) return Bad(line_no, line, "sample before its TYPE");
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        size_t eq = line.find('=', i);
        if (eq == std::string_view::npos) return Bad(line_no, line, "label without =");
        const std::string key(line.substr(i, eq - i));
        if (!IsLabelName(key)) return Bad(line_no, line, "bad label name");
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') return Bad(line_no, line, "label value not quoted");
        ++i;
        std::string value;
        while (true) {
          if (i >= line.size()) return Bad(line_no, line, "unterminated label value");
          const char c = line[i++];
          if (c == '"') break;
          if (c == '\\') {
            if (i >= line.size()) return Bad(line_no, line, "dangling escape");
            const char e = line[i++];
            if (e == '\\') {
              value += '\\';
            } else if (e == '"') {
              value += '"';
            } else if (e == 'n') {
              value += '\n';
            } else {
              return Bad(line_no, line, "bad escape in label value");
            }
          } else if (c == '\n') {
            return Bad(line_no, line, "raw newline in label value");
          } else {
            value += c;
          }
        }
        if (!labels.emplace(key, value).second) return Bad(line_no, line, "label repeated");
        if (i < line.size() && line[i] == ',') {
          ++i;
        } else if (i >= line.size() || line[i] != '}') {
          return Bad(line_no, line, "expected , or } after a label");
        }
      }
    }
    if (i >= line.size() || line[i] != ' ') return Bad(line_no, line, "no value");
    double value = 0;
    if (!ParseValue(line.substr(i + 1), &value)) return Bad(line_no, line, "bad value");

    const std::string key = SeriesKey(name, labels);
    std::map<std::string, std::string> without_le = labels;
    without_le.erase("le");
    const std::string hist_key = SeriesKey(family, without_le);
    if (!series.emplace(key, value).second) return Bad(line_no, line, "duplicate series");
    samples.push_back({name, labels, value});

    if (families[family].type == "histogram") {
      Hist& h = hists[hist_key];
      if (name == family + "_bucket") {
        auto le = labels.find("le");
        double bound = 0;
        if (le == labels.end() || !ParseValue(le->second, &bound)) {
          return Bad(line_no, line, "bucket without a numeric le");
        }
        if (!h.buckets.empty() &&
            (bound <= h.buckets.back().first || value < h.buckets.back().second)) {
          return Bad(line_no, line, "buckets not ascending and cumulative");
        }
        h.buckets.emplace_back(bound, value);
      } else if (name == family + "_count") {
        h.count = value;
      } else if (name == family + "_sum") {
        h.sum = true;
      } else {
        return Bad(line_no, line, "histogram sample that is not _bucket, _sum or _count");
      }
    } else if (name != family) {
      return Bad(line_no, line, "sample name differs from its family");
    }
  }
  for (const auto& [key, h] : hists) {
    if (h.buckets.empty() || !std::isinf(h.buckets.back().first)) {
      return InvalidArgument("histogram " + key + " has no +Inf bucket");
    }
    if (h.count != h.buckets.back().second) {
      return InvalidArgument("histogram " + key + ": +Inf bucket differs from _count");
    }
    if (!h.sum) return InvalidArgument("histogram " + key + " has no _sum");
  }
  for (const auto& [name, f] : families) {
    if (!f.help || f.type.empty()) return InvalidArgument("family " + name + " lacks HELP or TYPE");
  }
  return samples;
}

}  // namespace volumed::metrics
