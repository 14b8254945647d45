#include "cli/cli.h"

int main(int argc, char** argv) { return skyql::cli::run(argc, argv); }
