// cli/ — the `skyql` command line: subcommands exec, shell, registry, docs, emulator, deploy.
// Every error reaches the user as one line on stderr ("skyql: <what> — <how to fix>") and exit code 1.
#pragma once

namespace skyql::cli {

int run(int argc, char** argv);

}  // namespace skyql::cli
