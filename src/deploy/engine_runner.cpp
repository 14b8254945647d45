#include "deploy/engine_runner.h"

#include <regex>

#include "aws/cloudcontrol.h"
#include "sql/engine.h"
#include "sql/preprocess.h"

namespace skyql::deploy {
namespace {

// Leading whitespace and comments (but not /*+ hints, which stay) are skipped to find the verb.
std::string first_keyword(const std::string& sql) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      i = sql.find('\n', i);
      if (i == std::string::npos) return "";
    } else if (sql.compare(i, 2, "/*") == 0) {
      size_t end = sql.find("*/", i + 2);
      if (end == std::string::npos) return "";
      i = end + 2;
    } else {
      break;
    }
  }
  size_t j = i;
  while (j < sql.size() && std::isalpha(static_cast<unsigned char>(sql[j]))) ++j;
  std::string word = sql.substr(i, j - i);
  for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return word;
}

bool has_await_hint(const std::string& sql) {
  static const std::regex hint(R"(/\*\+[^*]*\bAWAIT\b[^*]*\*/)", std::regex::icase);
  return std::regex_search(sql, hint);
}

// The AWS error code when the engine's message carries one ("... ValidationException: ...").
std::string error_code(const std::string& message) {
  static const std::regex code(R"(\b([A-Z][A-Za-z]+(Exception|Failure|Error|NotFound|Conflict)|AlreadyExists|NotFound|Throttling|InvalidRequest|NotStabilized|NotUpdatable|ServiceLimitExceeded|ResourceConflict|HandlerInternalFailure|GeneralServiceException)\b)");
  std::smatch m;
  if (std::regex_search(message, m, code)) return m[1];
  return "";
}

}  // namespace

std::string with_await(const std::string& sql) {
  std::string verb = first_keyword(sql);
  if ((verb == "INSERT" || verb == "UPDATE" || verb == "DELETE" || verb == "REPLACE") && !has_await_hint(sql))
    return "/*+ AWAIT */ " + sql;
  return sql;
}

output::ResultSet EngineRunner::run(const std::string& sql) {
  output::ResultSet last;
  bool have_rows = false;
  for (const auto& statement : sql::split_statements(sql)) {
    try {
      sql::StatementResult r = engine_.execute_statement(with_await(statement));
      if (r.returns_rows || !have_rows) {
        last = std::move(r.result);
        have_rows = r.returns_rows;
      }
    } catch (const aws::CloudControlError& e) {
      throw StatementError(e.code + ": " + e.aws_message, e.code);
    } catch (const StatementError&) {
      throw;
    } catch (const std::exception& e) {
      throw StatementError(e.what(), error_code(e.what()));
    }
  }
  return last;
}

}  // namespace skyql::deploy
