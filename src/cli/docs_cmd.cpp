#include "cli/commands.h"

namespace skyql::cli {

void add_docs_command(CLI::App& app, GlobalOptions& /*global*/) {
  auto* cmd = app.add_subcommand("docs", "(being built)");
  cmd->allow_extras();
  cmd->callback([] { throw CommandFailure{"'docs' is not built yet"}; });
}

}  // namespace skyql::cli
