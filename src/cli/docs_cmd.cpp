// `skyql docs awscc.events.connections` prints a resource's page; `skyql docs --all DIR` writes them all.
#include <cstdio>
#include <memory>

#include "cfn/docs.h"
#include "cli/commands.h"
#include "provider/provider.h"

namespace skyql::cli {
namespace {

struct DocsArgs {
  std::string resource;
  std::string all_dir;
};

}  // namespace

void add_docs_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<DocsArgs>();
  auto* cmd = app.add_subcommand("docs", "Print a resource's documentation page (Markdown), or write them all");
  cmd->add_option("resource", args->resource, "Resource, e.g. awscc.events.connections");
  cmd->add_option("--all", args->all_dir, "Write a page per resource and an index per service into this directory");
  cmd->callback([args, &global] {
    if (args->resource.empty() == args->all_dir.empty()) {
      throw CommandFailure{"give either a resource (skyql docs awscc.events.connections) or --all DIR"};
    }
    auto store = provider::Store::open(global.home.empty() ? provider::default_home() : global.home);
    if (!args->all_dir.empty()) {
      size_t pages = cfn::write_all_pages(*store, args->all_dir);
      std::printf("wrote %zu resource pages and %zu service indexes to %s\n", pages, store->services().size(),
                  args->all_dir.c_str());
      return;
    }
    auto r = store->resolve(args->resource);
    auto text = store->schema_text(r.type_name);
    auto schema = text ? nlohmann::ordered_json::parse(*text) : nlohmann::ordered_json::object();
    std::string page = cfn::resource_page(r, schema);
    std::fwrite(page.data(), 1, page.size(), stdout);
  });
}

}  // namespace skyql::cli
