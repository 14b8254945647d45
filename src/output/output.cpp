#include "output/output.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace skyql::output {
namespace {

constexpr const char* kNullText = "null";
constexpr const char* kEllipsis = "...";

// Display width of UTF-8 text: one column per code point (continuation bytes do not count).
size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The longest prefix of `s` that is at most `width` columns wide, cut on a code point boundary.
std::string truncate(const std::string& s, size_t width) {
  if (display_width(s) <= width) return s;
  const size_t ell = std::string(kEllipsis).size();
  size_t keep = width > ell ? width - ell : 0;
  size_t cols = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (cols == keep) break;
      ++cols;
    }
  }
  return s.substr(0, i) + std::string(kEllipsis).substr(0, std::min(ell, width));
}

std::string cell_text(const Cell& c) { return c.kind == Cell::Kind::Null ? kNullText : c.text; }

// Tables print multi-line values on one line so the grid stays aligned.
std::string one_line(std::string s) {
  for (auto& ch : s) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  return s;
}

void write_table(std::ostream& out, const ResultSet& rs, const WriteOptions& o) {
  const size_t n = rs.columns.size();
  std::vector<std::vector<std::string>> rows;
  rows.reserve(rs.rows.size());
  for (const auto& r : rs.rows) {
    std::vector<std::string> row;
    for (size_t i = 0; i < n; ++i) row.push_back(one_line(i < r.size() ? cell_text(r[i]) : ""));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> width(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (o.headers) width[i] = display_width(rs.columns[i]);
    for (const auto& r : rows) width[i] = std::max(width[i], display_width(r[i]));
  }
  if (o.max_width && n > 0) {
    // Each column costs its width plus 3 ("| " + " "), and one final "|".
    auto total = [&] {
      size_t t = 1;
      for (size_t w : width) t += w + 3;
      return t;
    };
    const size_t limit = static_cast<size_t>(std::max(*o.max_width, 1));
    while (total() > limit) {
      auto widest = std::max_element(width.begin(), width.end());
      if (*widest <= std::string(kEllipsis).size() + 1) break;
      --*widest;
    }
  }
  auto rule = [&] {
    out << '|';
    for (size_t w : width) out << std::string(w + 2, '-') << '|';
    out << '\n';
  };
  auto line = [&](const std::vector<std::string>& cells, bool center) {
    out << '|';
    for (size_t i = 0; i < n; ++i) {
      std::string t = truncate(cells[i], width[i]);
      size_t pad = width[i] - display_width(t);
      size_t left = center ? pad / 2 : 0;
      out << ' ' << std::string(left, ' ') << t << std::string(pad - left, ' ') << " |";
    }
    out << '\n';
  };
  rule();
  if (o.headers) {
    line(rs.columns, true);
    rule();
  }
  for (const auto& r : rows) line(r, false);
  if (!rows.empty()) rule();
}

void write_json(std::ostream& out, const ResultSet& rs) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& r : rs.rows) {
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    for (size_t i = 0; i < rs.columns.size(); ++i) {
      const Cell c = i < r.size() ? r[i] : Cell::null();
      auto& v = obj[rs.columns[i]];
      switch (c.kind) {
        case Cell::Kind::Null:
          v = nullptr;
          break;
        case Cell::Kind::Integer: {
          long long x = 0;
          auto res = std::from_chars(c.text.data(), c.text.data() + c.text.size(), x);
          if (res.ec == std::errc() && res.ptr == c.text.data() + c.text.size()) {
            v = x;
          } else {
            v = c.text;
          }
          break;
        }
        case Cell::Kind::Real: {
          try {
            double d = std::stod(c.text);
            if (std::isfinite(d)) {
              v = d;
            } else {
              v = nullptr;
            }
          } catch (const std::exception&) {
            v = c.text;
          }
          break;
        }
        case Cell::Kind::Text:
          v = c.text;
          break;
      }
    }
    arr.push_back(std::move(obj));
  }
  // Invalid UTF-8 from a remote API must not abort the whole result: replace it.
  out << arr.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + '"';
}

void write_csv(std::ostream& out, const ResultSet& rs, const WriteOptions& o) {
  auto line = [&](auto&& field_of) {
    for (size_t i = 0; i < rs.columns.size(); ++i) {
      if (i) out << ',';
      out << csv_field(field_of(i));
    }
    out << "\r\n";
  };
  if (o.headers) line([&](size_t i) { return rs.columns[i]; });
  for (const auto& r : rs.rows) {
    line([&](size_t i) { return i < r.size() && r[i].kind != Cell::Kind::Null ? r[i].text : std::string(); });
  }
}

void write_text(std::ostream& out, const ResultSet& rs, const WriteOptions& o) {
  auto line = [&](auto&& field_of) {
    for (size_t i = 0; i < rs.columns.size(); ++i) {
      if (i) out << '\t';
      out << field_of(i);
    }
    out << '\n';
  };
  if (o.headers) line([&](size_t i) { return rs.columns[i]; });
  for (const auto& r : rs.rows) line([&](size_t i) { return i < r.size() ? cell_text(r[i]) : std::string(); });
}

}  // namespace

Format parse_format(const std::string& name) {
  if (name == "table") return Format::Table;
  if (name == "json") return Format::Json;
  if (name == "csv") return Format::Csv;
  if (name == "text") return Format::Text;
  throw std::invalid_argument("unknown output format '" + name + "' — use one of: table, json, csv, text");
}

Cell Cell::real(double v) {
  char buf[64];
  // Shortest text that reads back as the same double.
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return {Kind::Real, std::string(buf, res.ptr)};
}

void write(std::ostream& out, const ResultSet& rs, const WriteOptions& options) {
  switch (options.format) {
    case Format::Table:
      write_table(out, rs, options);
      break;
    case Format::Json:
      write_json(out, rs);
      break;
    case Format::Csv:
      write_csv(out, rs, options);
      break;
    case Format::Text:
      write_text(out, rs, options);
      break;
  }
}

}  // namespace skyql::output
