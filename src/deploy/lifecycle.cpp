// The stackql-deploy lifecycle: build, test, teardown, plan (and rollback) over the StatementRunner seam.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "deploy/context.h"
#include "deploy/deploy.h"
#include "deploy/manifest.h"

namespace skyql::deploy {

const char* action_name(Action a) {
  switch (a) {
    case Action::Created: return "created";
    case Action::Updated: return "updated";
    case Action::Unchanged: return "no change";
    case Action::Deleted: return "deleted";
    case Action::Absent: return "absent";
    case Action::Skipped: return "skipped";
    case Action::Exported: return "exported";
    case Action::Ran: return "ran";
    case Action::Failed: return "failed";
    case Action::RolledBack: return "rolled back";
    case Action::WouldCreate: return "create";
    case Action::WouldUpdate: return "update";
    case Action::WouldDelete: return "delete";
    case Action::Tested: return "passed";
  }
  return "?";
}

std::string format_elapsed(double seconds) {
  long long micros = static_cast<long long>(seconds * 1e6 + 0.5);
  long long h = micros / 3600000000LL;
  micros %= 3600000000LL;
  long long m = micros / 60000000LL;
  micros %= 60000000LL;
  return fmt::format("{}:{:02}:{:02}.{:06}", h, m, micros / 1000000, micros % 1000000);
}

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A statement failed: which resource, which anchor, and the AWS (or engine) error.
struct Failure {
  std::string resource;
  std::string anchor;
  std::string message;
  std::string describe() const {
    return "resource '" + resource + "', anchor '" + anchor + "': " + message;
  }
};

// Writes progress lines; every line passes through the masker.
class Log {
 public:
  Log(std::ostream& out, LogLevel level, const Masker& masker) : out_(out), level_(level), masker_(masker) {}
  void write(LogLevel level, const std::string& text) {
    if (level < level_) return;
    out_ << masker_.mask(text) << '\n' << std::flush;
  }
  void info(const std::string& text) { write(LogLevel::Info, text); }
  void debug(const std::string& text) { write(LogLevel::Debug, text); }
  void warn(const std::string& text) { write(LogLevel::Warning, "warning: " + text); }
  void error(const std::string& text) { write(LogLevel::Error, "error: " + text); }
  // One line per resource and step: what ran, what it found, how long it took.
  void step(const std::string& resource, const std::string& step, const std::string& result, double secs) {
    write(LogLevel::Info, fmt::format("  {:<24} {:<14} {:<28} {:>7.3f}s", resource, step, result, secs));
  }
  void query(const std::string& sql) {
    std::string indented;
    std::istringstream in(sql);
    std::string line;
    while (std::getline(in, line)) indented += "      " + line + "\n";
    if (!indented.empty()) indented.pop_back();
    out_ << masker_.mask(indented) << '\n' << std::flush;
  }

 private:
  std::ostream& out_;
  LogLevel level_;
  const Masker& masker_;
};

struct StackResource {
  const Resource* res = nullptr;
  std::map<std::string, Anchor> anchors;
  std::string iql_path;
  bool has(const std::string& a) const { return anchors.count(a) != 0; }
};

enum class CheckKind { Exists, State, Gone };

struct Assessment {
  bool exists = false;
  bool correct = false;
  std::optional<output::ResultSet> exports_rows;  // from the exports proxy, reused when nothing changed
};

std::string cell_text(const output::Cell& c) { return c.kind == output::Cell::Kind::Null ? "" : c.text; }

std::optional<size_t> column_index(const output::ResultSet& rs, const std::string& name) {
  for (size_t i = 0; i < rs.columns.size(); ++i)
    if (rs.columns[i] == name) return i;
  for (size_t i = 0; i < rs.columns.size(); ++i) {
    if (rs.columns[i].size() == name.size() &&
        std::equal(name.begin(), name.end(), rs.columns[i].begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return i;
  }
  return std::nullopt;
}

class Deployer {
 public:
  Deployer(Command command, const Options& options, StatementRunner* runner, Renderer& renderer, std::ostream& out)
      : command_(command), opt_(options), runner_(runner), renderer_(renderer), log_(out, options.log_level, masker_) {}

  Summary run() {
    auto start = Clock::now();
    load();
    validate();
    if (!opt_.dry_run && !runner_) throw std::logic_error("deploy: no statement runner");
    static const char* names[] = {"build", "test", "teardown", "plan"};
    log_.info(fmt::format("{} of stack '{}' in environment '{}'{}", names[static_cast<int>(command_)], stack_name_,
                          opt_.stack_env, opt_.dry_run ? " (dry run: no statement runs)" : ""));
    try {
      switch (command_) {
        case Command::Build: build(); break;
        case Command::Test: test(); break;
        case Command::Teardown: teardown(); break;
        case Command::Plan: plan(); break;
      }
      if ((command_ == Command::Build || command_ == Command::Test) && summary_.ok) collect_stack_exports();
    } catch (const Failure& f) {
      fail(f);
    }
    summary_.elapsed_seconds = since(start);
    print_summary();
    if (!opt_.output_file.empty() && (command_ == Command::Build || command_ == Command::Test)) write_output_file();
    return summary_;
  }

 private:
  // ---- loading and validation: everything that can be wrong with the input, before any statement ----

  void load() {
    manifest_ = load_manifest(opt_.stack_dir);
    stack_name_ = !manifest_.name.empty() ? manifest_.name
                                          : std::filesystem::path(opt_.stack_dir).filename().string();
    for (const auto& r : manifest_.resources) {
      StackResource sr;
      sr.res = &r;
      bool inline_sql = (r.type == "query" || r.type == "command") && r.sql;
      if (r.type != "script" && !inline_sql) {
        sr.iql_path = opt_.stack_dir + "/resources/" + r.file;
        std::ifstream in(sr.iql_path);
        if (!in)
          throw InputError(manifest_.path + ":" + std::to_string(r.line) + ": resource '" + r.name +
                           "' needs the query file " + sr.iql_path + ", which does not exist (or set 'file:')");
        std::stringstream ss;
        ss << in.rdbuf();
        sr.anchors = parse_iql(ss.str(), sr.iql_path);
      }
      stack_.push_back(std::move(sr));
    }
    Variables vars = load_variables(opt_);
    global_ctx_ = render_globals(renderer_, manifest_, vars, stack_name_, opt_.stack_env, masker_);
  }

  [[noreturn]] void missing_anchor(const StackResource& sr, const std::string& what) {
    throw InputError(sr.iql_path + ": resource '" + sr.res->name + "' (type " + sr.res->type + ") needs " + what);
  }

  void validate() {
    for (const auto& sr : stack_) {
      const Resource& r = *sr.res;
      // A prop without a value for this environment is found now, not halfway through the stack.
      for (const auto& p : r.props) {
        if (!p.value && !p.values.empty() && !p.values.count(opt_.stack_env))
          throw InputError(manifest_.path + ":" + std::to_string(p.line) + ": prop '" + p.name + "' of resource '" +
                           r.name + "' has no value for environment '" + opt_.stack_env + "' — add values." +
                           opt_.stack_env + ".value or a plain 'value'");
      }
      if (r.type == "resource" || r.type == "multi") {
        bool checks = sr.has("exists") || sr.has("statecheck") || sr.has("exports");
        if ((command_ == Command::Build || command_ == Command::Plan) && !sr.has("create") && !sr.has("createorupdate"))
          missing_anchor(sr, "a /*+ create */ or /*+ createorupdate */ anchor");
        if ((command_ == Command::Build || command_ == Command::Plan) && !sr.has("createorupdate") && !checks)
          missing_anchor(sr, "an /*+ exists */, /*+ statecheck */ or /*+ exports */ anchor to tell whether it exists");
        if (command_ == Command::Test && !checks && !sr.has("createorupdate"))
          missing_anchor(sr, "an /*+ exists */, /*+ statecheck */ or /*+ exports */ anchor to test");
        if (command_ == Command::Build && opt_.on_failure == OnFailure::Rollback && !sr.has("delete"))
          missing_anchor(sr, "a /*+ delete */ anchor for --on-failure rollback");
        if (!r.exports.empty() && !sr.has("exports"))
          missing_anchor(sr, "an /*+ exports */ anchor for its exports");
      } else if (r.type == "query") {
        if (!r.sql && !sr.has("exports")) missing_anchor(sr, "an /*+ exports */ anchor (or inline 'sql')");
      } else if (r.type == "command") {
        if (!r.sql && !sr.has("command")) missing_anchor(sr, "a /*+ command */ anchor (or inline 'sql')");
      } else if (r.type == "script") {
        if (!r.run)
          throw InputError(manifest_.path + ":" + std::to_string(r.line) + ": script resource '" + r.name +
                           "' needs a 'run' command");
      }
    }
  }

  // ---- context ----

  Json context_for(const Resource& r) {
    auto& token = tokens_[r.name];
    if (token.empty()) token = uuid4();
    return resource_context(renderer_, manifest_, r, global_ctx_, opt_.stack_env, token, masker_);
  }

  bool included(const Resource& r, const Json& ctx) {
    if (!r.condition) return true;
    std::string where = manifest_.path + ":" + std::to_string(r.line) + " (resource '" + r.name + "', if)";
    std::string expr = renderer_.render(*r.condition, ctx, where);
    bool yes = renderer_.truthy(expr, ctx, where);
    if (!yes) log_.step(r.name, "if", "false: skipped", 0);
    return yes;
  }

  std::string render(const StackResource& sr, const std::string& anchor, Json ctx) {
    const Resource& r = *sr.res;
    Json self = ctx.contains(r.name) && ctx[r.name].is_object() ? ctx[r.name] : Json::object();
    ctx["this"] = self;
    if (anchor == "sql") return renderer_.render(*r.sql, ctx, manifest_.path + " (resource '" + r.name + "', sql)");
    const Anchor& a = sr.anchors.at(anchor);
    return renderer_.render(a.sql, ctx, sr.iql_path + ":" + std::to_string(a.line) + " [" + anchor + "]");
  }

  // ---- statements ----

  output::ResultSet exec(const StackResource& sr, const std::string& anchor, const std::string& sql) {
    if (opt_.show_queries || opt_.log_level == LogLevel::Debug) log_.query(sql);
    try {
      return runner_->run(sql);
    } catch (const StatementError& e) {
      throw Failure{sr.res->name, anchor, e.what()};
    }
  }

  static bool evaluate(CheckKind kind, const output::ResultSet& rs, Json* fields, const std::string& resource,
                       const std::string& anchor) {
    if (auto ci = column_index(rs, "count")) {
      long long n = 0;
      if (!rs.rows.empty()) {
        try {
          n = std::stoll(cell_text(rs.rows[0][*ci]));
        } catch (...) {
          throw Failure{resource, anchor, "the count column is not a number: '" + cell_text(rs.rows[0][*ci]) + "'"};
        }
      }
      if (kind == CheckKind::Exists && n > 1)
        throw Failure{resource, anchor, fmt::format("counted {} matching resources, expected 0 or 1", n)};
      return kind == CheckKind::Gone ? n == 0 : n >= 1;
    }
    bool found = !rs.rows.empty() && !rs.rows[0].empty() && !cell_text(rs.rows[0][0]).empty();
    if (found && kind == CheckKind::Exists && fields) {
      for (size_t i = 0; i < rs.columns.size(); ++i) (*fields)[rs.columns[i]] = cell_text(rs.rows[0][i]);
    }
    return kind == CheckKind::Gone ? !found : found;
  }

  // Runs a check anchor with its retries; `ctx` gains this.<field> for an exists query that returns fields.
  bool check(const StackResource& sr, const std::string& anchor, CheckKind kind, Json& ctx,
             std::optional<int> retries = std::nullopt, std::optional<int> delay = std::nullopt) {
    const Resource& r = *sr.res;
    const Anchor& a = sr.anchors.at(anchor);
    int attempts = std::max(1, retries.value_or(a.retries));
    int wait = delay.value_or(a.retry_delay);
    std::string step = kind == CheckKind::Gone ? "post-delete" : anchor;
    auto t = Clock::now();
    std::string sql = render(sr, anchor, ctx);
    if (opt_.dry_run) {
      log_.step(r.name, step, "dry run", 0);
      log_.query(sql);
      return kind == CheckKind::Gone;
    }
    for (int i = 1;; ++i) {
      output::ResultSet rs;
      try {
        rs = runner_->run(sql);
        if (opt_.show_queries || opt_.log_level == LogLevel::Debug) log_.query(sql);
      } catch (const StatementError& e) {
        // Cloud Control's "not found" during a check means: not there.
        if (e.code != "ResourceNotFoundException" && std::string(e.what()).find("NotFound") == std::string::npos) {
          if (opt_.show_queries) log_.query(sql);
          throw Failure{r.name, anchor, e.what()};
        }
      }
      Json fields = Json::object();
      bool ok = evaluate(kind, rs, &fields, r.name, anchor);
      if (ok && !fields.empty()) {
        if (!ctx.contains(r.name) || !ctx[r.name].is_object()) ctx[r.name] = Json::object();
        for (auto it = fields.begin(); it != fields.end(); ++it) ctx[r.name][it.key()] = it.value();
      }
      if (ok || i >= attempts) {
        static const char* yes[] = {"exists", "in desired state", "gone"};
        static const char* no[] = {"does not exist", "not in desired state", "still exists"};
        std::string result = ok ? yes[static_cast<int>(kind)] : no[static_cast<int>(kind)];
        if (i > 1) result += fmt::format(" ({} tries)", i);
        log_.step(r.name, step, result, since(t));
        return ok;
      }
      log_.debug(fmt::format("  {} {}: attempt {}/{} not yet, retrying in {}s", r.name, step, i, attempts, wait));
      std::this_thread::sleep_for(std::chrono::seconds(wait));
    }
  }

  // Runs a mutation anchor with its retries. Returns false when errors are ignored (multi) and it failed.
  bool mutate(const StackResource& sr, const std::string& anchor, const Json& ctx, const std::string& step_name,
              bool ignore_errors = false) {
    const Resource& r = *sr.res;
    const Anchor& a = sr.anchors.at(anchor);
    std::string sql = render(sr, anchor, ctx);
    auto t = Clock::now();
    if (opt_.dry_run) {
      log_.step(r.name, step_name, "dry run", 0);
      log_.query(sql);
      return true;
    }
    int attempts = std::max(1, a.retries);
    for (int i = 1;; ++i) {
      try {
        exec(sr, anchor, sql);
        log_.step(r.name, step_name, i > 1 ? fmt::format("done ({} tries)", i) : "done", since(t));
        return true;
      } catch (const Failure& f) {
        if (i < attempts) {
          log_.warn(fmt::format("{} {} attempt {}/{} failed: {}; retrying in {}s", r.name, step_name, i, attempts,
                                f.message, a.retry_delay));
          std::this_thread::sleep_for(std::chrono::seconds(a.retry_delay));
          continue;
        }
        if (ignore_errors) {
          log_.step(r.name, step_name, "failed (ignored: multi)", since(t));
          log_.warn(f.describe());
          return false;
        }
        log_.step(r.name, step_name, "failed", since(t));
        throw;
      }
    }
  }

  output::ResultSet run_exports_query(const StackResource& sr, const std::string& anchor, const Json& ctx) {
    const Resource& r = *sr.res;
    std::string sql = render(sr, anchor, ctx);
    int attempts = anchor == "sql" ? 1 : std::max(1, sr.anchors.at(anchor).retries);
    int wait = anchor == "sql" ? 0 : sr.anchors.at(anchor).retry_delay;
    for (int i = 1;; ++i) {
      output::ResultSet rs = exec(sr, "exports", sql);
      if (!rs.rows.empty() || i >= attempts) return rs;
      log_.debug(fmt::format("  {} exports: no row yet, retrying in {}s", r.name, wait));
      std::this_thread::sleep_for(std::chrono::seconds(wait));
    }
  }

  void set_export(const Resource& r, const std::string& alias, const Json& value) {
    if (std::find(r.protected_names.begin(), r.protected_names.end(), alias) != r.protected_names.end())
      masker_.add_json(value);
    global_ctx_[alias] = value;
    if (!global_ctx_.contains(r.name) || !global_ctx_[r.name].is_object()) global_ctx_[r.name] = Json::object();
    global_ctx_[r.name][alias] = value;
    log_.debug(fmt::format("  {} export {} = {}", r.name, alias, value.is_string() ? value.get<std::string>() : value.dump()));
  }

  void apply_exports(const StackResource& sr, const output::ResultSet& rs) {
    const Resource& r = *sr.res;
    if (r.exports.empty()) return;
    if (rs.rows.size() != 1)
      throw Failure{r.name, "exports", fmt::format("returned {} rows; an exports query must return exactly one row",
                                                   rs.rows.size())};
    for (const auto& e : r.exports) {
      auto ci = column_index(rs, e.column);
      if (!ci) {
        std::string cols;
        for (const auto& c : rs.columns) cols += (cols.empty() ? "" : ", ") + c;
        throw Failure{r.name, "exports", "has no column '" + e.column + "' (columns: " + cols + ")"};
      }
      set_export(r, e.alias, cell_text(rs.rows[0][*ci]));
    }
  }

  void exports_placeholder(const Resource& r, const std::string& text) {
    for (const auto& e : r.exports) set_export(r, e.alias, text);
  }

  void do_exports(const StackResource& sr, const Json& ctx, const std::optional<output::ResultSet>& cached) {
    const Resource& r = *sr.res;
    bool have_query = sr.has("exports") || (r.type == "query" && r.sql);
    // As stackql-deploy: an exports query runs only for a resource that declares exports.
    if (!have_query || r.exports.empty()) return;
    auto t = Clock::now();
    std::string anchor = sr.has("exports") ? "exports" : "sql";
    if (opt_.dry_run) {
      log_.step(r.name, "exports", "dry run", 0);
      log_.query(render(sr, anchor, ctx));
      exports_placeholder(r, "<evaluated>");
      return;
    }
    output::ResultSet rs = cached ? *cached : run_exports_query(sr, anchor, ctx);
    apply_exports(sr, rs);
    std::string names;
    for (const auto& e : r.exports) names += (names.empty() ? "" : ", ") + e.alias;
    log_.step(r.name, "exports", names.empty() ? "ran" : names, since(t));
  }

  // The existence / desired-state decision, as stackql-deploy makes it.
  Assessment assess(const StackResource& sr, Json& ctx) {
    const Resource& r = *sr.res;
    Assessment s;
    if (sr.has("statecheck")) {
      if (sr.has("exists")) {
        s.exists = check(sr, "exists", CheckKind::Exists, ctx);
      } else {
        s.exists = s.correct = check(sr, "statecheck", CheckKind::State, ctx);
      }
      if (s.exists && !s.correct) {
        if (r.skip_validation) {
          log_.step(r.name, "statecheck", "skipped (skip_validation)", 0);
          s.correct = true;
        } else {
          s.correct = check(sr, "statecheck", CheckKind::State, ctx, 1, 0);
        }
      }
    } else if (sr.has("exports")) {
      // exports as the desired-state proxy: a row means the resource is there as wanted.
      if (opt_.dry_run) {
        log_.step(r.name, "exports proxy", "dry run", 0);
        log_.query(render(sr, "exports", ctx));
      } else {
        auto t = Clock::now();
        output::ResultSet rs;
        try {
          rs = exec(sr, "exports", render(sr, "exports", ctx));
        } catch (const Failure&) {
          rs = {};  // an error here only means "not (yet) there"
        }
        s.exists = s.correct = !rs.rows.empty();
        log_.step(r.name, "exports proxy", s.exists ? "in desired state" : "no row", since(t));
        if (s.exists) s.exports_rows = rs;
      }
      if (!s.exists && sr.has("exists")) s.exists = check(sr, "exists", CheckKind::Exists, ctx);
    } else if (sr.has("exists")) {
      s.exists = s.correct = check(sr, "exists", CheckKind::Exists, ctx);
    }
    return s;
  }

  // After create/update: the desired state must hold (statecheck, else exports proxy, else exists).
  void confirm(const StackResource& sr, Json& ctx) {
    const Resource& r = *sr.res;
    if (opt_.dry_run) return;
    bool ok = true;
    std::string anchor;
    if (sr.has("statecheck")) {
      anchor = "statecheck";
      ok = check(sr, "statecheck", CheckKind::State, ctx);
    } else if (sr.has("exports")) {
      anchor = "exports";
      auto t = Clock::now();
      ok = !run_exports_query(sr, "exports", ctx).rows.empty();
      log_.step(r.name, "exports proxy", ok ? "in desired state" : "no row", since(t));
    } else if (sr.has("exists")) {
      anchor = "exists";
      ok = check(sr, "exists", CheckKind::Exists, ctx);
    }
    if (!ok) throw Failure{r.name, anchor, "the resource is not in the desired state after the change (checked with " + anchor + ")"};
  }

  // ---- build ----

  void build() {
    for (size_t i = 0; i < stack_.size(); ++i) {
      const StackResource& sr = stack_[i];
      const Resource& r = *sr.res;
      auto t = Clock::now();
      Json ctx;
      try {
        try {
          ctx = context_for(r);
          if (!included(r, ctx)) {
            record(r.name, Action::Skipped, t);
            continue;
          }
          Action action = build_one(i, ctx);
          record(r.name, action, t);
          ctx_of_[i] = ctx;
        } catch (const InputError& e) {
          // Once the run has started, a template that cannot render (e.g. an export a failed resource
          // never produced) fails this resource like any other error, so rollback still happens.
          throw Failure{r.name, "template", e.what()};
        }
      } catch (const Failure& f) {
        record(r.name, Action::Failed, t);
        if (opt_.on_failure == OnFailure::Ignore) {
          log_.error(f.describe() + " (ignored: --on-failure ignore)");
          ignored_failures_.push_back(f.describe());
          continue;
        }
        if (opt_.on_failure == OnFailure::Rollback) {
          // The failing resource may exist after all (a create that failed late); roll it back too.
          if (in_create_ == i && sr.has("exists") && !opt_.dry_run) {
            try {
              if (check(sr, "exists", CheckKind::Exists, ctx)) created_.push_back(i), ctx_of_[i] = ctx;
            } catch (const Failure&) {
            }
          }
          fail(f);
          rollback();
          return;
        }
        throw;
      }
    }
  }

  Action build_one(size_t i, Json& ctx) {
    const StackResource& sr = stack_[i];
    const Resource& r = *sr.res;
    if (r.type == "script") return run_script(sr, ctx);
    if (r.type == "query") {
      do_exports(sr, ctx, std::nullopt);
      return Action::Exported;
    }
    if (r.type == "command") {
      if (r.sql) {
        std::string sql = render(sr, "sql", ctx);
        auto t = Clock::now();
        if (opt_.dry_run) {
          log_.step(r.name, "command", "dry run", 0);
          log_.query(sql);
        } else {
          exec(sr, "sql", sql);
          log_.step(r.name, "command", "done", since(t));
        }
      } else {
        mutate(sr, "command", ctx, "command");
      }
      do_exports(sr, ctx, std::nullopt);
      return Action::Ran;
    }
    bool ignore = r.type == "multi";
    if (sr.has("createorupdate")) {
      bool existed = false;
      if (sr.has("exists")) existed = check(sr, "exists", CheckKind::Exists, ctx);
      in_create_ = i;
      mutate(sr, "createorupdate", ctx, "createorupdate", ignore);
      in_create_ = SIZE_MAX;
      if (!existed && !opt_.dry_run) created_.push_back(i);
      if (sr.has("exports") && !opt_.dry_run) confirm(sr, ctx);
      do_exports(sr, ctx, std::nullopt);
      return existed ? Action::Updated : Action::Created;
    }
    Assessment s = assess(sr, ctx);
    Action action = Action::Unchanged;
    if (!s.exists) {
      in_create_ = i;
      bool ok = mutate(sr, "create", ctx, "create", ignore);
      in_create_ = SIZE_MAX;
      if (ok && !opt_.dry_run) created_.push_back(i);
      action = Action::Created;
      if (ok) confirm(sr, ctx);
    } else if (!s.correct) {
      if (!sr.has("update")) {
        log_.warn("resource '" + r.name + "' is not in the desired state and has no /*+ update */ anchor; left as is");
      } else {
        bool ok = mutate(sr, "update", ctx, "update", ignore);
        action = Action::Updated;
        if (ok) confirm(sr, ctx);
      }
    }
    do_exports(sr, ctx, action == Action::Unchanged ? s.exports_rows : std::nullopt);
    return action;
  }

  Action run_script(const StackResource& sr, const Json& ctx) {
    const Resource& r = *sr.res;
    std::string script = renderer_.render(*r.run, ctx, manifest_.path + " (resource '" + r.name + "', run)");
    auto t = Clock::now();
    if (opt_.dry_run) {
      log_.step(r.name, "script", "dry run", 0);
      log_.query(script);
      exports_placeholder(r, "<evaluated>");
      return Action::Ran;
    }
    std::string output;
    FILE* p = popen(script.c_str(), "r");
    if (!p) throw Failure{r.name, "run", "cannot start the script"};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
    int status = pclose(p);
    if (status != 0) throw Failure{r.name, "run", fmt::format("the script exited with status {}", WEXITSTATUS(status))};
    if (!r.exports.empty()) {
      Json out = Json::parse(output, nullptr, false);
      if (!out.is_object()) throw Failure{r.name, "run", "exports need the script to print one JSON object"};
      for (const auto& e : r.exports) {
        if (!out.contains(e.column)) throw Failure{r.name, "run", "the script's JSON has no '" + e.column + "'"};
        const Json& v = out[e.column];
        set_export(r, e.alias, v.is_string() ? v : Json(v.dump()));
      }
    }
    log_.step(r.name, "script", "done", since(t));
    return Action::Ran;
  }

  // Deletes what this run created, newest first; reports each.
  void rollback() {
    if (created_.empty()) {
      log_.info("rollback: this run created nothing; nothing to delete");
      return;
    }
    log_.info(fmt::format("rollback: deleting {} resource(s) this run created, newest first", created_.size()));
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      const StackResource& sr = stack_[*it];
      Json ctx = ctx_of_[*it];
      auto t = Clock::now();
      try {
        // A resource that failed before its exports ran may need them for its delete statement.
        if (sr.has("exports") && !sr.res->exports.empty()) {
          try {
            apply_exports(sr, run_exports_query(sr, "exports", ctx));
            ctx = context_for(*sr.res);
            for (auto f = ctx_of_[*it].begin(); f != ctx_of_[*it].end(); ++f)
              if (!ctx.contains(f.key())) ctx[f.key()] = f.value();
          } catch (const Failure&) {
          }
        }
        delete_and_confirm(sr, ctx);
        summary_.rolled_back.push_back(sr.res->name);
        record(sr.res->name, Action::RolledBack, t);
      } catch (const Failure& f) {
        log_.error("rollback of '" + sr.res->name + "' failed: " + f.describe());
        summary_.error += "; rollback of '" + sr.res->name + "' failed: " + f.message;
      }
    }
  }

  void delete_and_confirm(const StackResource& sr, Json& ctx) {
    mutate(sr, "delete", ctx, "delete", sr.res->type == "multi");
    if (opt_.dry_run) return;
    const Anchor& d = sr.anchors.at("delete");
    bool gone = true;
    if (sr.has("exists")) {
      gone = check(sr, "exists", CheckKind::Gone, ctx, d.postdelete_retries, d.postdelete_retry_delay);
    } else if (sr.has("statecheck")) {
      Json c = ctx;
      gone = !check(sr, "statecheck", CheckKind::State, c, 1, 0);
    }
    if (!gone) throw Failure{sr.res->name, "delete", "the resource still exists after the delete"};
  }

  // ---- test ----

  void test() {
    for (const auto& sr : stack_) {
      const Resource& r = *sr.res;
      auto t = Clock::now();
      Json ctx = context_for(r);
      if (!included(r, ctx)) {
        record(r.name, Action::Skipped, t);
        continue;
      }
      if (r.type == "script" || r.type == "command") {
        record(r.name, Action::Skipped, t);
        continue;
      }
      if (r.type == "query") {
        do_exports(sr, ctx, std::nullopt);
        record(r.name, Action::Exported, t);
        continue;
      }
      if (!sr.has("exists") && !sr.has("statecheck") && !sr.has("exports")) {
        record(r.name, Action::Skipped, t);
        continue;
      }
      Assessment s = assess(sr, ctx);
      if (!opt_.dry_run) {
        if (!s.exists) {
          record(r.name, Action::Failed, t);
          throw Failure{r.name, sr.has("exists") ? "exists" : sr.has("statecheck") ? "statecheck" : "exports",
                        "the resource does not exist"};
        }
        if (!s.correct) {
          record(r.name, Action::Failed, t);
          throw Failure{r.name, "statecheck", "the resource is not in the desired state"};
        }
      }
      do_exports(sr, ctx, s.exports_rows);
      record(r.name, Action::Tested, t);
    }
  }

  // ---- teardown ----

  void teardown() {
    std::vector<Json> ctxs(stack_.size());
    std::vector<bool> present(stack_.size(), false), skip(stack_.size(), false);
    // Collect exports first, in order: later resources' deletes may need earlier resources' values.
    for (size_t i = 0; i < stack_.size(); ++i) {
      const StackResource& sr = stack_[i];
      const Resource& r = *sr.res;
      Json ctx = context_for(r);
      if (r.type == "script" || r.type == "command" || !included(r, ctx)) {
        skip[i] = true;
        ctxs[i] = ctx;
        continue;
      }
      // Only resources with exports need looking at now; the delete phase checks existence itself.
      bool here = true;
      if ((r.type == "resource" || r.type == "multi") && sr.has("exists") && !r.exports.empty() && !opt_.dry_run)
        here = check(sr, "exists", CheckKind::Exists, ctx);
      present[i] = here;
      if (here && (sr.has("exports") || (r.type == "query" && r.sql)) && !r.exports.empty()) {
        if (opt_.dry_run) {
          exports_placeholder(r, "<evaluated>");
        } else {
          try {
            apply_exports(sr, run_exports_query(sr, sr.has("exports") ? "exports" : "sql", ctx));
          } catch (const Failure& f) {
            log_.debug("  " + r.name + " exports unavailable: " + f.message);
            exports_placeholder(r, "<unknown>");
          }
        }
      } else {
        exports_placeholder(r, "<unknown>");
      }
      ctxs[i] = ctx;
    }
    for (size_t k = stack_.size(); k-- > 0;) {
      const StackResource& sr = stack_[k];
      const Resource& r = *sr.res;
      auto t = Clock::now();
      if (skip[k] || r.type == "query") {
        record(r.name, Action::Skipped, t);
        continue;
      }
      // Re-render with everything collected (later resources' exports included).
      Json ctx = context_for(r);
      for (auto f = ctxs[k].begin(); f != ctxs[k].end(); ++f)
        if (!ctx.contains(f.key()) || (f.value().is_object() && f.key() == r.name)) ctx[f.key()] = f.value();
      if (!sr.has("delete")) {
        log_.warn("resource '" + r.name + "' has no /*+ delete */ anchor; not deleted");
        record(r.name, Action::Skipped, t);
        continue;
      }
      bool here = sr.has("exists") ? check(sr, "exists", CheckKind::Exists, ctx) : true;
      if (!here && !opt_.dry_run) {
        record(r.name, Action::Absent, t);
        continue;
      }
      delete_and_confirm(sr, ctx);
      record(r.name, opt_.dry_run ? Action::WouldDelete : Action::Deleted, t);
    }
  }

  // ---- plan: the build's decisions and statements, with only read statements run ----

  void plan() {
    for (const auto& sr : stack_) {
      const Resource& r = *sr.res;
      auto t = Clock::now();
      Json ctx = context_for(r);
      if (!included(r, ctx)) {
        record(r.name, Action::Skipped, t);
        continue;
      }
      ResourceOutcome o;
      o.resource = r.name;
      if (r.type == "script") {
        o.action = Action::Ran;
        o.statements.push_back(masker_.mask(renderer_.render(*r.run, ctx, manifest_.path)));
        exports_placeholder(r, "<evaluated>");
      } else if (r.type == "query") {
        if (!opt_.dry_run) do_exports(sr, ctx, std::nullopt); else exports_placeholder(r, "<evaluated>");
        o.action = Action::Exported;
      } else if (r.type == "command") {
        o.action = Action::Ran;
        o.statements.push_back(masker_.mask(render(sr, r.sql ? "sql" : "command", ctx)));
        exports_placeholder(r, "<evaluated>");
      } else if (sr.has("createorupdate")) {
        bool existed = sr.has("exists") && !opt_.dry_run && check(sr, "exists", CheckKind::Exists, ctx);
        o.action = existed ? Action::WouldUpdate : Action::WouldCreate;
        o.statements.push_back(masker_.mask(render(sr, "createorupdate", ctx)));
        exports_placeholder(r, "<evaluated>");
      } else {
        Assessment s = opt_.dry_run ? Assessment{} : assess(sr, ctx);
        if (!s.exists) {
          o.action = Action::WouldCreate;
          o.statements.push_back(masker_.mask(render(sr, "create", ctx)));
          exports_placeholder(r, "<evaluated>");
        } else if (!s.correct) {
          o.action = Action::WouldUpdate;
          if (sr.has("update")) {
            o.statements.push_back(masker_.mask(render(sr, "update", ctx)));
          } else {
            log_.warn("resource '" + r.name + "' is not in the desired state and has no /*+ update */ anchor");
          }
          // Exports of an existing resource are real even before its update.
          if (sr.has("exports")) {
            try {
              do_exports(sr, ctx, std::nullopt);
            } catch (const Failure&) {
              exports_placeholder(r, "<evaluated>");
            }
          }
        } else {
          o.action = Action::Unchanged;
          do_exports(sr, ctx, s.exports_rows);
        }
      }
      for (auto& st : o.statements) {
        size_t b = st.find_first_not_of(" \t\r\n");
        st = b == std::string::npos ? "" : st.substr(b);
      }
      o.seconds = since(t);
      log_.info(fmt::format("plan: {} {}", r.name, action_name(o.action)));
      for (const auto& s : o.statements) log_.query(s);
      summary_.resources.push_back(std::move(o));
    }
  }

  // ---- results ----

  void record(const std::string& name, Action a, Clock::time_point t) {
    summary_.resources.push_back({name, a, since(t), {}});
  }

  void fail(const Failure& f) {
    summary_.ok = false;
    summary_.error = f.describe();
    log_.error(f.describe());
  }

  void collect_stack_exports() {
    for (const auto& name : manifest_.exports) {
      if (!global_ctx_.contains(name) && !ignored_failures_.empty()) {
        log_.warn("stack export '" + name + "' is missing (a failure was ignored)");
        continue;
      }
      if (!global_ctx_.contains(name)) {
        fail(Failure{"(stack)", "exports", "stack export '" + name + "' is not a variable of the stack"});
        return;
      }
      summary_.exports[name] = global_ctx_[name];
    }
  }

  void print_summary() {
    std::map<Action, int> counts;
    for (const auto& o : summary_.resources) counts[o.action]++;
    std::string parts;
    for (const auto& [a, n] : counts) parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, action_name(a));
    if (!summary_.rolled_back.empty()) {
      std::string names;
      for (const auto& n : summary_.rolled_back) names += (names.empty() ? "" : ", ") + n;
      log_.write(LogLevel::Error, "rolled back (deleted, newest first): " + names);
    }
    if (!ignored_failures_.empty())
      log_.write(LogLevel::Error, fmt::format("{} failure(s) ignored (--on-failure ignore)", ignored_failures_.size()));
    if (!summary_.exports.empty()) {
      log_.info("stack exports:");
      for (auto it = summary_.exports.begin(); it != summary_.exports.end(); ++it)
        log_.info(fmt::format("  {} = {}", it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump()));
    }
    static const char* names[] = {"build", "test", "teardown", "plan"};
    log_.write(LogLevel::Error, fmt::format("{} {} in {:.2f}s{}{}", names[static_cast<int>(command_)],
                                            summary_.ok ? "succeeded" : "FAILED", summary_.elapsed_seconds,
                                            parts.empty() ? "" : ": ", parts));
  }

  void write_output_file() {
    Json out = Json::object();
    out["stack_name"] = stack_name_;
    out["stack_env"] = opt_.stack_env;
    for (auto it = summary_.exports.begin(); it != summary_.exports.end(); ++it) out[it.key()] = it.value();
    out["elapsed_time"] = format_elapsed(summary_.elapsed_seconds);
    out["elapsed_seconds"] = summary_.elapsed_seconds;
    if (!summary_.ok) out["error"] = summary_.error;
    std::ofstream f(opt_.output_file);
    if (!f) throw InputError(opt_.output_file + ": cannot write the output file");
    f << out.dump(2) << '\n';
  }

  Command command_;
  const Options& opt_;
  StatementRunner* runner_;
  Renderer& renderer_;
  Masker masker_;
  Log log_;
  Manifest manifest_;
  std::string stack_name_;
  std::vector<StackResource> stack_;
  Json global_ctx_;
  std::map<std::string, std::string> tokens_;
  std::vector<size_t> created_;
  std::map<size_t, Json> ctx_of_;
  size_t in_create_ = SIZE_MAX;
  std::vector<std::string> ignored_failures_;
  Summary summary_;
};

}  // namespace

Summary run(Command command, const Options& options, StatementRunner* runner, Renderer& renderer, std::ostream& out) {
  Deployer d(command, options, runner, renderer, out);
  return d.run();
}

}  // namespace skyql::deploy
