#include "cli/commands.h"

namespace skyql::cli {

void add_emulator_command(CLI::App& app, GlobalOptions& /*global*/) {
  auto* cmd = app.add_subcommand("emulator", "(being built)");
  cmd->allow_extras();
  cmd->callback([] { throw CommandFailure{"'emulator' is not built yet"}; });
}

}  // namespace skyql::cli
