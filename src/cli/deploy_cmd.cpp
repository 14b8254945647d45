// `skyql deploy build|test|teardown|plan STACK_DIR STACK_ENV ...` and `skyql deploy init NAME`.
#include <iostream>
#include <map>
#include <memory>
#include <ostream>
#include <streambuf>

#include "aws/cloudcontrol.h"
#include "aws/credentials.h"
#include "cli/commands.h"
#include "deploy/deploy.h"
#include "deploy/engine_runner.h"
#include "provider/provider.h"
#include "sql/engine.h"

namespace skyql::cli {
namespace {

struct DeployArgs {
  std::string stack_dir;
  std::string stack_env;
  std::vector<std::string> env;
  std::string env_file;
  bool dry_run = false;
  bool show_queries = false;
  std::string on_failure = "error";
  std::string output_file;
  std::string log_level = "INFO";
  bool strict = false;
  std::string endpoint_url;
  std::string profile;
  std::string region;
};

class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

deploy::LogLevel parse_level(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s == "DEBUG") return deploy::LogLevel::Debug;
  if (s == "INFO") return deploy::LogLevel::Info;
  if (s == "WARNING" || s == "WARN") return deploy::LogLevel::Warning;
  if (s == "ERROR" || s == "CRITICAL") return deploy::LogLevel::Error;
  throw CommandFailure{"--log-level '" + s + "' is not a level — use DEBUG, INFO, WARNING or ERROR"};
}

void run_deploy(deploy::Command command, const char* verb, const DeployArgs& a, const GlobalOptions& global) {
  deploy::Options o;
  o.stack_dir = a.stack_dir;
  o.stack_env = a.stack_env;
  for (const auto& kv : a.env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CommandFailure{"-e '" + kv + "' is not KEY=VALUE — write e.g. -e AWS_REGION=us-east-1"};
    o.vars.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  o.env_file = a.env_file;
  o.dry_run = a.dry_run;
  o.show_queries = a.show_queries;
  o.on_failure = a.on_failure == "rollback" ? deploy::OnFailure::Rollback
                 : a.on_failure == "ignore" ? deploy::OnFailure::Ignore
                                            : deploy::OnFailure::Error;
  o.output_file = a.output_file;
  o.log_level = parse_level(a.log_level);
  o.strict = a.strict;

  auto renderer = deploy::make_jinja_renderer(a.strict);
  // A dry run makes no call at all, so it needs neither the provider nor credentials.
  std::unique_ptr<provider::Store> store;
  std::unique_ptr<sql::Engine> engine;
  std::unique_ptr<deploy::EngineRunner> runner;
  NullBuffer null_buffer;
  std::ostream null_stream(&null_buffer);
  if (!a.dry_run) {
    store = provider::Store::open(global.home.empty() ? provider::default_home() : global.home);
    aws::CredentialOptions co;
    co.profile = a.profile;
    co.region = a.region;
    auto credentials = std::make_shared<aws::CredentialsProvider>(co);
    aws::ClientOptions client_options;
    client_options.endpoint_url = a.endpoint_url;
    auto client = std::make_shared<aws::CloudControlClient>(credentials, client_options);
    sql::EngineOptions eo;
    eo.default_region = credentials->default_region(a.region);
    eo.diagnostics = o.log_level == deploy::LogLevel::Debug ? &std::cerr : &null_stream;
    engine = std::make_unique<sql::Engine>(*store, client, eo);
    runner = std::make_unique<deploy::EngineRunner>(*engine);
  }
  deploy::Summary s;
  try {
    s = deploy::run(command, o, runner.get(), *renderer, std::cout);
  } catch (const deploy::InputError& e) {
    throw CommandFailure{e.what()};
  }
  if (!s.ok) throw CommandFailure{std::string("deploy ") + verb + " failed: " + s.error};
}

void add_stack_command(CLI::App& deploy_cmd, const GlobalOptions& global, deploy::Command command,
                       const char* name, const char* help) {
  auto args = std::make_shared<DeployArgs>();
  auto* cmd = deploy_cmd.add_subcommand(name, help);
  cmd->add_option("STACK_DIR", args->stack_dir, "Stack directory (holds stackql_manifest.yml)")->required();
  cmd->add_option("STACK_ENV", args->stack_env, "Environment (dev, sit, prd, ...)")->required();
  cmd->add_option("-e,--env", args->env, "Variable KEY=VALUE (repeatable)");
  cmd->add_option("--env-file", args->env_file, "Variables file (default .env when present)");
  cmd->add_flag("--dry-run", args->dry_run, "Print what would run; run nothing");
  cmd->add_flag("--show-queries", args->show_queries, "Print every statement as it runs");
  cmd->add_option("--on-failure", args->on_failure, "error (stop), ignore (carry on) or rollback (delete what this run created)")
      ->check(CLI::IsMember({"error", "ignore", "rollback"}));
  cmd->add_option("--output-file", args->output_file, "Write stack exports and elapsed time as JSON");
  cmd->add_option("--log-level", args->log_level, "DEBUG, INFO, WARNING or ERROR");
  cmd->add_flag("--strict", args->strict, "Undefined template variables are errors");
  cmd->add_option("--endpoint-url", args->endpoint_url, "Cloud Control endpoint (e.g. the emulator)");
  cmd->add_option("--profile", args->profile, "AWS profile");
  cmd->add_option("--region", args->region, "Default region for statements that do not name one");
  cmd->callback([args, &global, command, name] { run_deploy(command, name, *args, global); });
}

}  // namespace

void add_deploy_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("deploy", "stackql-deploy compatible stacks: build, test, teardown, plan, init");
  cmd->require_subcommand(1);
  add_stack_command(*cmd, global, deploy::Command::Build, "build", "Create or update the stack's resources");
  add_stack_command(*cmd, global, deploy::Command::Test, "test", "Check every resource is in its desired state");
  add_stack_command(*cmd, global, deploy::Command::Teardown, "teardown", "Delete the stack's resources, newest first");
  add_stack_command(*cmd, global, deploy::Command::Plan, "plan", "Show create / update / no change per resource");

  auto name = std::make_shared<std::string>();
  auto provider_name = std::make_shared<std::string>("aws");
  auto* init = cmd->add_subcommand("init", "Write a starter stack");
  init->add_option("NAME", *name, "New stack directory")->required();
  init->add_option("--provider", *provider_name, "Provider of the starter stack (aws)");
  init->callback([name, provider_name] {
    try {
      deploy::init_stack(*name, *provider_name);
    } catch (const deploy::InputError& e) {
      throw CommandFailure{e.what()};
    }
    std::cout << "created stack " << *name << " (try: skyql deploy plan " << *name << " dev)\n";
  });
}

}  // namespace skyql::cli
