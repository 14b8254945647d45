// Runs tests/sql/*.test (sqllogictest-like, DuckDB flavour) against the engine and an in-process Cloud
// Control emulator reached over real HTTP with real SigV4.
//
// File format (records separated by blank lines; '#' starts a comment line):
//   statement ok                      the SQL that follows must succeed
//   statement error <text>            ... must fail with an error containing <text>
//   query <types> [rowsort]           ... must return len(<types>) columns and exactly the rows after
//   <sql>                             "----" (cells separated by a tab or " | "; NULL for null,
//   ----                              (empty) for ''). EXPLAIN QUERY PLAN compares only the detail column.
//   <rows>
//   stderr <text>                     progress/warnings of the previous statement contain <text>
//   emulator key=value ...            restart the emulator (fresh state): latency_ms, async_ms, fail_rate,
//                                     throttle_rate, seed
//   option key=value                  engine options: default_region, dry_run, allow_partial, concurrency
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "aws/cloudcontrol.h"
#include "aws/credentials.h"
#include "emulator/emulator.h"
#include "provider/provider.h"
#include "sql/engine.h"

namespace fs = std::filesystem;
using namespace skyql;

namespace {

std::vector<std::string> test_files() {
  std::vector<std::string> out;
  const fs::path dir = fs::path(SKYQL_SOURCE_DIR) / "tests" / "sql";
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".test") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> out;
  const std::string sep = line.find('\t') != std::string::npos ? "\t" : " | ";
  size_t start = 0;
  for (;;) {
    const auto at = line.find(sep, start);
    out.push_back(trim(line.substr(start, at == std::string::npos ? std::string::npos : at - start)));
    if (at == std::string::npos) break;
    start = at + sep.size();
  }
  return out;
}

std::string cell_text(const output::Cell& c) {
  if (c.kind == output::Cell::Kind::Null) return "NULL";
  if (c.text.empty()) return "(empty)";
  return c.text;
}

struct Harness {
  std::unique_ptr<provider::Store> store = provider::Store::open(SKYQL_TEST_HOME);
  emulator::Options emulator_options;
  std::unique_ptr<emulator::Emulator> emu;
  sql::EngineOptions engine_options;
  std::unique_ptr<sql::Engine> engine;
  std::ostringstream diagnostics;

  Harness() {
    emulator_options.port = 0;
    emulator_options.home = SKYQL_TEST_HOME;
    engine_options.concurrency = 50;
    engine_options.diagnostics = &diagnostics;
    restart();
  }

  void restart() {
    engine.reset();
    if (emu) emu->stop();
    emu = std::make_unique<emulator::Emulator>(emulator_options);
    emu->start();
    rebuild_engine();
  }

  void rebuild_engine() {
    aws::ClientOptions co;
    co.endpoint_url = emu->endpoint();
    co.max_concurrency = 64;
    co.max_concurrency_per_region = 64;
    auto creds = aws::CredentialsProvider::fixed(aws::Credentials{"test", "test", "", {}, "test"});
    auto client = std::make_shared<aws::CloudControlClient>(creds, co);
    engine = std::make_unique<sql::Engine>(*store, client, engine_options);
  }
};

class SqlLogic : public ::testing::TestWithParam<std::string> {};

TEST_P(SqlLogic, Runs) {
  const fs::path path = fs::path(SKYQL_SOURCE_DIR) / "tests" / "sql" / (GetParam() + ".test");
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);

  Harness h;
  int checks = 0;
  size_t i = 0;
  const auto block = [&](bool stop_at_dashes) {  // lines up to a blank line (or ----)
    std::string sql;
    while (i < lines.size() && !trim(lines[i]).empty() && !(stop_at_dashes && trim(lines[i]) == "----")) {
      sql += (sql.empty() ? "" : "\n") + lines[i];
      ++i;
    }
    return sql;
  };
  while (i < lines.size()) {
    const std::string line = trim(lines[i]);
    const size_t line_no = i + 1;
    ++i;
    if (line.empty() || line[0] == '#') continue;
    const std::string where = path.filename().string() + ":" + std::to_string(line_no);
    std::istringstream words(line);
    std::string directive;
    words >> directive;
    if (directive == "option" || directive == "emulator") {
      std::string kv;
      while (words >> kv) {
        const auto eq = kv.find('=');
        ASSERT_NE(eq, std::string::npos) << where;
        const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        if (directive == "option") {
          if (k == "default_region") h.engine_options.default_region = v == "none" ? "" : v;
          else if (k == "dry_run") h.engine_options.dry_run = v == "1";
          else if (k == "allow_partial") h.engine_options.allow_partial = v == "1";
          else if (k == "concurrency") h.engine_options.concurrency = std::stoi(v);
          else FAIL() << where << ": unknown option " << k;
        } else {
          if (k == "latency_ms") h.emulator_options.latency_ms = std::stoi(v);
          else if (k == "async_ms") h.emulator_options.async_ms = std::stoi(v);
          else if (k == "fail_rate") h.emulator_options.fail_rate = std::stod(v);
          else if (k == "throttle_rate") h.emulator_options.throttle_rate = std::stod(v);
          else if (k == "seed") h.emulator_options.seed = std::stoull(v);
          else FAIL() << where << ": unknown emulator option " << k;
        }
      }
      if (directive == "option") h.rebuild_engine();
      else h.restart();
    } else if (directive == "stderr") {
      const std::string expected = trim(line.substr(6));
      EXPECT_NE(h.diagnostics.str().find(expected), std::string::npos)
          << where << ": stderr lacks \"" << expected << "\"; it was:\n" << h.diagnostics.str();
      ++checks;
    } else if (directive == "statement") {
      std::string kind;
      words >> kind;
      const std::string sql = block(false);
      h.diagnostics.str("");
      if (kind == "ok") {
        try {
          h.engine->execute(sql);
        } catch (const std::exception& e) {
          ADD_FAILURE() << where << ": " << sql << "\nfailed: " << e.what();
        }
      } else if (kind == "error") {
        const std::string expected = trim(line.substr(line.find("error") + 5));
        try {
          h.engine->execute(sql);
          ADD_FAILURE() << where << ": " << sql << "\nsucceeded; expected an error containing: " << expected;
        } catch (const std::exception& e) {
          EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
              << where << ": error was: " << e.what() << "\nexpected it to contain: " << expected;
        }
      } else {
        FAIL() << where << ": statement ok|error";
      }
      ++checks;
    } else if (directive == "query") {
      std::string types, mode;
      words >> types >> mode;
      const std::string sql = block(true);
      ASSERT_TRUE(i < lines.size() && trim(lines[i]) == "----") << where << ": query needs ---- and rows";
      ++i;
      std::vector<std::vector<std::string>> expected;
      while (i < lines.size() && !trim(lines[i]).empty()) expected.push_back(split_cells(lines[i++]));
      h.diagnostics.str("");
      std::vector<sql::StatementResult> results;
      try {
        results = h.engine->execute(sql);
      } catch (const std::exception& e) {
        ADD_FAILURE() << where << ": " << sql << "\nfailed: " << e.what();
        continue;
      }
      ASSERT_FALSE(results.empty()) << where;
      const auto& rs = results.back().result;
      const bool plan = sql.find("EXPLAIN QUERY PLAN") != std::string::npos;
      std::vector<std::vector<std::string>> actual;
      for (const auto& row : rs.rows) {
        std::vector<std::string> cells;
        if (plan) {
          cells.push_back(cell_text(row.back()));
        } else {
          for (const auto& c : row) cells.push_back(cell_text(c));
        }
        actual.push_back(cells);
      }
      if (!plan) {
        EXPECT_EQ(rs.columns.size(), types.size()) << where << ": column count";
      }
      if (mode == "rowsort") {
        std::sort(actual.begin(), actual.end());
        std::sort(expected.begin(), expected.end());
      }
      std::ostringstream got;
      for (const auto& r : actual) {
        for (size_t k = 0; k < r.size(); ++k) got << (k ? " | " : "") << r[k];
        got << '\n';
      }
      EXPECT_EQ(actual, expected) << where << ": " << sql << "\ngot:\n" << got.str();
      ++checks;
    } else {
      FAIL() << where << ": unknown directive " << directive;
    }
  }
  EXPECT_GT(checks, 0) << "no checks in " << path;
}

INSTANTIATE_TEST_SUITE_P(Files, SqlLogic, ::testing::ValuesIn(test_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
