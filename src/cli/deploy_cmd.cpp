#include "cli/commands.h"

namespace skyql::cli {

void add_deploy_command(CLI::App& app, GlobalOptions& /*global*/) {
  auto* cmd = app.add_subcommand("deploy", "(being built)");
  cmd->allow_extras();
  cmd->callback([] { throw CommandFailure{"'deploy' is not built yet"}; });
}

}  // namespace skyql::cli
