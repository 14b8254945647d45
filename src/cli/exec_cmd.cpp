// `skyql exec` and `skyql shell`: run awscc SQL against Cloud Control (AWS, any endpoint, or the embedded
// emulator) and print the results.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <editline/readline.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "aws/cloudcontrol.h"
#include "aws/credentials.h"
#include "cli/commands.h"
#include "emulator/emulator.h"
#include "output/output.h"
#include "provider/provider.h"
#include "sql/engine.h"
#include "sql/preprocess.h"
#include "template/template.h"

namespace skyql::cli {
namespace {

struct ExecOptions {
  std::string sql;
  std::string file;
  std::string output = "table";
  bool no_headers = false;
  std::vector<std::string> vars;
  std::string iqldata;
  bool dry_run = false;
  std::string region;
  std::string profile;
  std::string auth;
  std::string ca_bundle;
  std::string endpoint_url;
  bool emulator = false;
  std::string emulator_state;
  int concurrency = 50;
  bool http_log = false;
  bool allow_partial = false;
};

void add_connection_options(CLI::App* cmd, ExecOptions& o) {
  cmd->add_option("-o,--output", o.output, "Output format: table, json, csv or text")->capture_default_str();
  cmd->add_flag("-H,--no-headers", o.no_headers, "Hide column headers");
  cmd->add_option("--var", o.vars, "Template variable k=v for {{ k }} (repeatable)");
  cmd->add_option("--iqldata", o.iqldata, "Template variables from a JSON or YAML file");
  cmd->add_flag("--dry-run", o.dry_run, "Print the API calls each statement would make; make none");
  cmd->add_option("--region", o.region, "Default region when a statement has no WHERE region (else AWS_REGION, profile)");
  cmd->add_option("--profile", o.profile, "AWS profile (credentials/config files)");
  cmd->add_option("--auth", o.auth, "StackQL --auth JSON");
  cmd->add_option("--ca-bundle", o.ca_bundle, "PEM bundle to verify TLS peers with (else AWS_CA_BUNDLE, else the system store)");
  cmd->add_option("--endpoint-url", o.endpoint_url,
                  "Cloud Control endpoint (default AWS_ENDPOINT_URL_CLOUDCONTROL, else AWS); 'embedded' = --emulator");
  cmd->add_flag("--emulator", o.emulator, "Run against the embedded Cloud Control emulator (no AWS account needed)");
  cmd->add_option("--emulator-state", o.emulator_state, "Emulator state directory (default $SKYQL_HOME/emulator)");
  cmd->add_option("--concurrency", o.concurrency, "API calls in flight per statement")->capture_default_str();
  cmd->add_flag("--http-log", o.http_log, "Log requests and responses (redacted) on stderr");
  cmd->add_flag("--allow-partial", o.allow_partial, "A failing region in a fan-out warns instead of failing");
}

nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : node) obj[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return obj;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& item : node) arr.push_back(yaml_to_json(item));
      return arr;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = node.Scalar();
      if (node.Tag() == "!") return s;  // quoted
      if (s == "true" || s == "True") return true;
      if (s == "false" || s == "False") return false;
      if (s == "null" || s == "~") return nullptr;
      try {
        size_t used = 0;
        const long long n = std::stoll(s, &used);
        if (used == s.size()) return n;
        const double d = std::stod(s, &used);
        if (used == s.size()) return d;
      } catch (const std::exception&) {
      }
      return s;
    }
    default:
      return nullptr;
  }
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CommandFailure{std::string("cannot read ") + what + " " + path + ": " + std::strerror(errno)};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

templating::Json template_context(const ExecOptions& o) {
  templating::Json ctx = templating::Json::object();
  if (!o.iqldata.empty()) {
    const std::string text = read_file(o.iqldata, "--iqldata file");
    nlohmann::json data;
    try {
      data = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
      try {
        data = yaml_to_json(YAML::Load(text));
      } catch (const std::exception& e) {
        throw CommandFailure{"--iqldata " + o.iqldata + " is neither JSON nor YAML: " + e.what()};
      }
    }
    if (!data.is_object()) throw CommandFailure{"--iqldata " + o.iqldata + " must hold an object of variables"};
    for (auto& [k, v] : data.items()) ctx[k] = v;
  }
  for (const auto& kv : o.vars) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw CommandFailure{"--var " + kv + ": expected name=value"};
    ctx[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return ctx;
}

bool has_template(const std::string& s) {
  return s.find("{{") != std::string::npos || s.find("{%") != std::string::npos;
}

std::string render(const std::string& sql, const ExecOptions& o, const std::string& name) {
  if (o.vars.empty() && o.iqldata.empty() && !has_template(sql)) return sql;
  try {
    templating::Environment env(templating::Options{true});
    return env.render(sql, template_context(o), name);
  } catch (const templating::TemplateError& e) {
    throw CommandFailure{std::string(e.what()) + " — pass it with --var name=value or --iqldata FILE"};
  }
}

std::optional<int> terminal_width() {
  if (!isatty(STDOUT_FILENO)) return std::nullopt;
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 120;
}

// What a run needs: the provider, an optional embedded emulator, the client, the engine.
struct Runtime {
  std::unique_ptr<provider::Store> store;
  std::unique_ptr<emulator::Emulator> emu;
  std::unique_ptr<sql::Engine> engine;
  output::WriteOptions write;
};

std::unique_ptr<Runtime> make_runtime(const ExecOptions& o, const GlobalOptions& global) {
  auto rt = std::make_unique<Runtime>();
  const std::string home = global.home.empty() ? provider::default_home() : global.home;
  rt->store = provider::Store::open(home);
  try {
    rt->write.format = output::parse_format(o.output);
  } catch (const std::exception& e) {
    throw CommandFailure{std::string("--output: ") + e.what()};
  }
  rt->write.headers = !o.no_headers;
  rt->write.max_width = terminal_width();

  std::shared_ptr<aws::CredentialsProvider> creds;
  aws::ClientOptions client_options;
  client_options.max_concurrency = std::max(1, o.concurrency);
  client_options.max_concurrency_per_region = std::max(1, o.concurrency);
  client_options.http_log = o.http_log;
  if (!o.ca_bundle.empty()) client_options.ca_bundle = o.ca_bundle;
  const bool embedded = o.emulator || o.endpoint_url == "embedded";
  if (embedded) {
    emulator::Options eo;
    eo.port = 0;
    eo.home = home;
    eo.state_dir = o.emulator_state.empty() ? home + "/emulator" : o.emulator_state;
    rt->emu = std::make_unique<emulator::Emulator>(eo);
    rt->emu->start();
    client_options.endpoint_url = rt->emu->endpoint();
    creds = aws::CredentialsProvider::fixed(aws::Credentials{"test", "test", "", {}, "embedded emulator"});
  } else {
    client_options.endpoint_url = o.endpoint_url;
    aws::CredentialOptions credential_options;
    credential_options.profile = o.profile;
    credential_options.auth_json = o.auth;
    credential_options.region = o.region;
    creds = std::make_shared<aws::CredentialsProvider>(credential_options);
  }
  sql::EngineOptions eo;
  eo.default_region = creds->default_region(o.region);
  if (eo.default_region.empty() && embedded) eo.default_region = "us-east-1";
  eo.dry_run = o.dry_run;
  eo.allow_partial = o.allow_partial;
  eo.concurrency = std::max(1, o.concurrency);
  eo.diagnostics = &std::cerr;
  eo.diagnostics_tty = isatty(STDERR_FILENO);
  auto client = std::make_shared<aws::CloudControlClient>(creds, client_options);
  rt->engine = std::make_unique<sql::Engine>(*rt->store, client, eo);
  return rt;
}

void print(const sql::StatementResult& r, const output::WriteOptions& w) {
  if (!r.returns_rows) return;
  output::write(std::cout, r.result, w);
  std::cout.flush();
}

void run_exec(const ExecOptions& o, const GlobalOptions& global) {
  if (o.sql.empty() == o.file.empty()) {
    throw CommandFailure{"give the SQL as an argument or with -f FILE (one of them)"};
  }
  const std::string source = o.file.empty() ? o.sql : read_file(o.file, "SQL file");
  const std::string script = render(source, o, o.file.empty() ? "<exec>" : o.file);
  auto rt = make_runtime(o, global);
  const auto statements = sql::split_statements(script);
  for (size_t i = 0; i < statements.size(); ++i) {
    try {
      print(rt->engine->execute_statement(statements[i]), rt->write);
    } catch (const sql::SqlError& e) {
      const std::string where = statements.size() > 1 ? "statement " + std::to_string(i + 1) + ": " : "";
      throw CommandFailure{where + e.what()};
    }
  }
}

// ---- shell ---------------------------------------------------------------------------------------

sql::Engine* g_completion_engine = nullptr;
std::vector<std::string> g_candidates;

char* completion_entry(const char* text, int state) {
  static size_t index;
  if (state == 0) index = 0;
  const size_t n = std::strlen(text);
  while (index < g_candidates.size()) {
    const std::string& c = g_candidates[index++];
    if (c.compare(0, n, text) == 0) return strdup(c.c_str());
  }
  return nullptr;
}

// Completes awscc.<service>.<resource> names by their dots, and column names of resources already
// named on the line.
char** complete(const char* text, int, int) {
  rl_attempted_completion_over = 1;
  g_candidates.clear();
  if (!g_completion_engine) return nullptr;
  const std::string word = text;
  const auto first = word.find('.');
  if (first == std::string::npos) {
    static const char* keywords[] = {"SELECT", "FROM", "WHERE", "INSERT", "INTO", "UPDATE", "SET", "DELETE",
                                     "AND", "region", "data__Identifier", "data__PatchDocument", "SHOW",
                                     "DESCRIBE", "awscc.", "RETURNING", "/*+ AWAIT */", "GROUP BY", "ORDER BY"};
    for (const char* k : keywords) g_candidates.emplace_back(k);
    // Columns of every resource on the line.
    const std::string line = rl_line_buffer ? rl_line_buffer : "";
    size_t pos = 0;
    while ((pos = line.find("awscc.", pos)) != std::string::npos) {
      size_t end = pos;
      while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '_' ||
                                   line[end] == '.'))
        ++end;
      for (auto& c : g_completion_engine->columns(line.substr(pos, end - pos))) g_candidates.push_back(c);
      pos = end;
    }
  } else {
    const auto second = word.find('.', first + 1);
    if (second == std::string::npos) {
      for (const auto& s : g_completion_engine->services()) g_candidates.push_back("awscc." + s + ".");
    } else {
      const std::string service = word.substr(first + 1, second - first - 1);
      for (const auto& r : g_completion_engine->resources(service))
        g_candidates.push_back("awscc." + service + "." + r);
    }
  }
  if (first != std::string::npos) rl_completion_append_character = '\0';
  return rl_completion_matches(text, completion_entry);
}

const char* kShellHelp =
    "Statements end with ';' and may span lines. awscc.<service>.<resource> names complete with TAB.\n"
    "  .help               this text\n"
    "  .output FORMAT      table | json | csv | text\n"
    "  .headers on|off     show or hide column headers\n"
    "  .dryrun on|off      plan API calls instead of making them\n"
    "  .quit / .exit       leave (or Ctrl-D)\n"
    "Examples:\n"
    "  SHOW SERVICES IN awscc LIKE '%event%';\n"
    "  DESCRIBE awscc.events.connections;\n"
    "  SELECT region, name FROM awscc.events.connections_list_only WHERE region = 'us-east-1';\n";

bool shell_command(const std::string& line, Runtime& rt) {
  std::istringstream in(line);
  std::string cmd, arg;
  in >> cmd >> arg;
  if (cmd == ".quit" || cmd == ".exit") return false;
  if (cmd == ".help") {
    std::cout << kShellHelp;
  } else if (cmd == ".output" || cmd == ".mode") {
    try {
      rt.write.format = output::parse_format(arg);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << '\n';
    }
  } else if (cmd == ".headers") {
    rt.write.headers = arg != "off";
  } else if (cmd == ".dryrun") {
    rt.engine->options().dry_run = arg != "off";
  } else {
    std::cerr << "error: unknown command " << cmd << " — .help lists the commands\n";
  }
  return true;
}

void run_shell(const ExecOptions& o, const GlobalOptions& global) {
  auto rt = make_runtime(o, global);
  const std::string home = global.home.empty() ? provider::default_home() : global.home;
  const std::string history = home + "/shell_history";
  const bool interactive = isatty(STDIN_FILENO);
  using_history();
  read_history(history.c_str());
  g_completion_engine = rt->engine.get();
  rl_attempted_completion_function = complete;
  rl_completer_word_break_characters = const_cast<char*>(" \t\n,()=;'\"");
  if (interactive) std::cout << "skyql shell — .help for help, .quit to leave\n";

  std::string pending;
  for (;;) {
    const char* prompt = pending.empty() ? "skyql> " : "  ...> ";
    std::string line;
    if (interactive) {
      char* raw = readline(prompt);
      if (!raw) break;
      line = raw;
      std::free(raw);
    } else if (!std::getline(std::cin, line)) {
      break;
    }
    if (pending.empty()) {
      const auto start = line.find_first_not_of(" \t");
      if (start == std::string::npos) continue;
      if (line[start] == '.') {
        if (interactive) add_history(line.c_str());
        if (!shell_command(line.substr(start), *rt)) break;
        continue;
      }
    }
    pending += (pending.empty() ? "" : "\n") + line;
    const auto last = pending.find_last_not_of(" \t\r\n");
    if (last == std::string::npos || pending[last] != ';') continue;
    if (interactive) add_history(pending.c_str());
    try {
      const std::string script = render(pending, o, "<shell>");
      for (const auto& statement : sql::split_statements(script)) print(rt->engine->execute_statement(statement), rt->write);
    } catch (const sql::SqlError& e) {
      std::cerr << "error: " << e.what() << '\n';
    } catch (const CommandFailure& f) {
      std::cerr << "error: " << f.message << '\n';
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << '\n';
    }
    pending.clear();
  }
  if (!pending.empty()) std::cerr << "error: unfinished statement (missing ';'): " << pending << '\n';
  if (interactive) {
    std::cout << '\n';
    write_history(history.c_str());
  }
  g_completion_engine = nullptr;
}

}  // namespace

void add_exec_command(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ExecOptions>();
  auto* exec = app.add_subcommand("exec", "Run awscc SQL statements (separated by ';') and print the results");
  exec->add_option("sql", options->sql, "SQL statement(s)");
  exec->add_option("-f,--file", options->file, "Read the SQL from a file (.iql)");
  add_connection_options(exec, *options);
  exec->callback([options, &global] { run_exec(*options, global); });

  auto shell_options = std::make_shared<ExecOptions>();
  auto* shell = app.add_subcommand("shell", "Interactive SQL shell (line editing, history, TAB completion)");
  add_connection_options(shell, *shell_options);
  shell->callback([shell_options, &global] { run_shell(*shell_options, global); });
}

}  // namespace skyql::cli
