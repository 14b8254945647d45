#include "cli/commands.h"

namespace skyql::cli {

void add_exec_command(CLI::App& app, GlobalOptions& /*global*/) {
  auto* cmd = app.add_subcommand("exec", "(being built)");
  cmd->allow_extras();
  cmd->callback([] { throw CommandFailure{"'exec' is not built yet"}; });
}

}  // namespace skyql::cli
