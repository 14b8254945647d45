// cfn/convert — one CloudFormation resource schema -> one provider::Resource (StackQL awscc rules).
//
// Promises:
//  - Columns are the top-level properties in schema order (snake_cased by provider/naming), then
//    `region`. Each keeps its type, description and nested children, with `$ref`s resolved.
//  - Children stop three levels below a column, and a `$ref` is expanded at most once along a path
//    and among siblings (as StackQL's pages show), so recursive definitions terminate.
//  - A type union like ["string","object"] becomes its first non-string member.
//  - Every local `$ref` of the schema (outside `handlers`) must resolve, else ConversionError names it.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "provider/provider.h"

namespace skyql::cfn {

struct ConversionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `file_name` is the schema's file name (aws-events-connection.json): it gives the service.
provider::Resource convert_schema(const std::string& file_name, const nlohmann::ordered_json& schema);

}  // namespace skyql::cfn
