#include "cli/cli.h"

#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "provider/provider.h"

namespace skyql::cli {

int run(int argc, char** argv) {
  CLI::App app{"skyql — query, deploy and manage AWS resources with SQL (StackQL awscc dialect)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "skyql 0.1.0");
  GlobalOptions global;
  app.add_option("--home", global.home, "Provider and state directory (default $SKYQL_HOME or ~/.skyql)");

  add_registry_command(app, global);
  add_docs_command(app, global);
  add_exec_command(app, global);
  add_emulator_command(app, global);
  add_deploy_command(app, global);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const CommandFailure& f) {
    if (!f.message.empty()) std::fprintf(stderr, "skyql: %s\n", f.message.c_str());
    return f.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "skyql: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace skyql::cli
