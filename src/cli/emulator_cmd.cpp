// `skyql emulator`: a local Cloud Control API (see emulator/emulator.h) until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <pthread.h>

#include "cli/commands.h"
#include "emulator/emulator.h"

namespace skyql::cli {

namespace {

struct EmulatorArgs {
  emulator::Options options;
  std::vector<std::string> credentials;
  std::vector<std::string> inject_errors;
};

std::string describe_credentials(const emulator::Options& o) {
  std::string s;
  for (const auto& [key, secret] : o.credentials) s += (s.empty() ? "" : ",") + key + ":" + secret;
  return s;
}

void run_emulator(EmulatorArgs& args, const GlobalOptions& global) {
  auto& o = args.options;
  if (!args.credentials.empty()) {
    o.credentials.clear();
    for (const auto& c : args.credentials) {
      auto colon = c.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == c.size())
        throw CommandFailure{"--credentials '" + c + "' is not KEY:SECRET — pass e.g. --credentials test:test"};
      o.credentials.emplace_back(c.substr(0, colon), c.substr(colon + 1));
    }
  }
  for (const auto& spec : args.inject_errors) {
    auto colon = spec.find(':');
    std::string code = colon == std::string::npos ? "" : spec.substr(colon + 1);
    if (colon == 0 || code.empty() || emulator::error_status(code) == 0)
      throw CommandFailure{"--inject-error '" + spec +
                           "' is not OPERATION:ERROR — pass e.g. --inject-error CreateResource:ServiceLimitExceededException"
                           " (OPERATION may be *)"};
    o.inject_errors.emplace_back(spec.substr(0, colon), code);
  }
  if (o.throttle_rate < 0 || o.throttle_rate > 1 || o.fail_rate < 0 || o.fail_rate > 1)
    throw CommandFailure{"--throttle-rate and --fail-rate are shares between 0 and 1, e.g. 0.1"};
  o.home = global.home;

  // Signals are taken synchronously by this thread; the server threads started below inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  emulator::Emulator emu(o);
  emu.start();
  std::printf("skyql emulator listening on %s (account %s, credentials %s, state %s)\n", emu.endpoint().c_str(),
              o.account.c_str(), describe_credentials(o).c_str(),
              o.state_dir.empty() ? "in memory" : o.state_dir.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  emu.stop();
}

}  // namespace

void add_emulator_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<EmulatorArgs>();
  auto& o = args->options;
  auto* cmd = app.add_subcommand("emulator", "Run a local AWS Cloud Control API (for the AWS CLI, SDKs and skyql)");
  cmd->add_option("--host", o.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o.port, "Port (0: any free port)")->capture_default_str();
  cmd->add_option("--state", o.state_dir, "Directory for the SQLite state (default: in memory)");
  cmd->add_option("--account", o.account, "Account id of the resources")->capture_default_str();
  cmd->add_option("--credentials", args->credentials, "Accepted KEY:SECRET pairs (default test:test)");
  cmd->add_option("--inject-error", args->inject_errors,
                  "OPERATION:ERROR — every call of OPERATION (or *) fails with that Cloud Control error");
  cmd->add_option("--latency-ms", o.latency_ms, "Delay added to every request")->capture_default_str();
  cmd->add_option("--async-ms", o.async_ms, "Time a mutation stays IN_PROGRESS (0: completes at once)")
      ->capture_default_str();
  cmd->add_option("--throttle-rate", o.throttle_rate, "Share of requests refused with ThrottlingException")
      ->capture_default_str();
  cmd->add_option("--fail-rate", o.fail_rate, "Share of requests failing (HandlerInternalFailure, FAILED events)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of the fault generator (reproducible runs)")->capture_default_str();
  cmd->add_option("--threads", o.threads, "HTTP worker threads")->capture_default_str();
  cmd->callback([args, &global] { run_emulator(*args, global); });
}

}  // namespace skyql::cli
