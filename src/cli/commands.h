// Internal to cli/: each subcommand adds itself to the app and runs from its callback.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace skyql::cli {

// Options shared by every subcommand.
struct GlobalOptions {
  std::string home;  // --home / $SKYQL_HOME / ~/.skyql
};

void add_registry_command(CLI::App& app, GlobalOptions& global);  // registry_cmd.cpp
void add_docs_command(CLI::App& app, GlobalOptions& global);      // docs_cmd.cpp
void add_exec_command(CLI::App& app, GlobalOptions& global);      // exec_cmd.cpp (and `shell`)
void add_emulator_command(CLI::App& app, GlobalOptions& global);  // emulator_cmd.cpp
void add_deploy_command(CLI::App& app, GlobalOptions& global);    // deploy_cmd.cpp

// Raised by a subcommand to end with a message and an exit code (1 unless said otherwise).
struct CommandFailure {
  std::string message;
  int exit_code = 1;
};

}  // namespace skyql::cli
