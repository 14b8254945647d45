#include "cli/commands.h"

namespace skyql::cli {

void add_registry_command(CLI::App& app, GlobalOptions& /*global*/) {
  auto* cmd = app.add_subcommand("registry", "(being built)");
  cmd->allow_extras();
  cmd->callback([] { throw CommandFailure{"'registry' is not built yet"}; });
}

}  // namespace skyql::cli
