// `skyql registry pull <provider> [--from PATH_OR_URL] [--types FILE]` and `skyql registry list`.
#include <cstdio>
#include <memory>

#include "cfn/registry.h"
#include "cli/commands.h"
#include "provider/provider.h"

namespace skyql::cli {
namespace {

struct PullArgs {
  std::string provider;
  std::string from;
  std::string types;
};

std::string home_of(const GlobalOptions& global) {
  return global.home.empty() ? provider::default_home() : global.home;
}

}  // namespace

void add_registry_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("registry", "Install providers (generated from AWS's CloudFormation schemas)");
  cmd->require_subcommand(1);

  auto args = std::make_shared<PullArgs>();
  auto* pull = cmd->add_subcommand("pull", "Generate and install a provider from CloudFormation schemas");
  pull->add_option("provider", args->provider, "Provider to install (awscc)")->required();
  pull->add_option("--from", args->from,
                   "CloudformationSchema.zip, a folder of aws-*.json, or an http(s) URL (default: AWS's download)");
  pull->add_option("--types", args->types, "Keep only the type names listed in this file (one per line)");
  pull->callback([args, &global] {
    if (args->provider != "awscc") {
      throw CommandFailure{"unknown provider '" + args->provider + "' — the only provider is awscc"};
    }
    cfn::PullOptions options;
    options.provider = args->provider;
    options.from = args->from;
    options.types_file = args->types;
    options.home = home_of(global);
    cfn::PullReport report;
    try {
      report = cfn::pull(options);
    } catch (const cfn::PullError& e) {
      throw CommandFailure{e.what()};
    }
    for (const auto& s : report.skipped) std::fprintf(stderr, "skyql: skipped %s\n", s.c_str());
    if (!report.types_missing.empty()) {
      std::fprintf(stderr, "skyql: %zu type(s) listed in %s are not in the schemas (first: %s)\n",
                   report.types_missing.size(), args->types.c_str(), report.types_missing.front().c_str());
    }
    std::printf("installed %s: %zu services, %zu resources (%zu with _list_only), %zu schemas skipped -> %s\n",
                args->provider.c_str(), report.services, report.resources, report.list_only, report.skipped.size(),
                report.path.c_str());
  });

  auto* list = cmd->add_subcommand("list", "List installed providers");
  list->callback([&global] {
    std::string home = home_of(global);
    auto store = provider::Store::open(home, "awscc");
    for (const auto& p : store->providers_installed()) std::printf("%s\n", p.c_str());
  });
}

}  // namespace skyql::cli
