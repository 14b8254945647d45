// cfn/docs — a resource's documentation page (Markdown, in the layout of StackQL's provider docs),
// generated from the same model the SQL layer uses, plus the original schema for the manifest.
//
// Promises: the page carries the overview (name, type, description, id), the fields of the get and
// list views with nested children and types, the methods with required params, SELECT / INSERT
// (required, all, stack-deploy manifest) / UPDATE / DELETE examples and each handler's permissions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/provider.h"

namespace skyql::cfn {

std::string resource_page(const provider::Resource& r, const nlohmann::ordered_json& schema);
std::string service_index_page(const std::string& provider, const std::string& service,
                               const std::vector<provider::ResourceEntry>& resources);
// Writes DIR/<service>/<resource>/index.md and DIR/<service>/index.md for every resource; returns
// the number of resource pages written. Throws std::runtime_error naming a path it cannot write.
size_t write_all_pages(const provider::Store& store, const std::string& dir);

}  // namespace skyql::cfn
