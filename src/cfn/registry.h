// cfn/registry — `skyql registry pull`: CloudFormation schemas in, an installed provider out.
//
// Promises:
//  - Reads AWS's schema archive (a zip, from a path or an http(s) URL) or a folder of aws-*.json.
//  - Writes $SKYQL_HOME/providers/<provider>.db, a SQLite file with one row per resource (the
//    generated model JSON and the original schema text) and index tables, so a statement loads one
//    resource without parsing the others. The file is built under a temporary name and renamed into
//    place: a failed or interrupted pull leaves the previous provider untouched.
//  - Bad input stops the pull with one line naming the file and the fix (corrupt zip, a schema that
//    is not valid JSON, unreachable URL, unwritable home) and installs nothing. A schema whose
//    `$ref` does not resolve is skipped and reported; the rest is installed.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace skyql::cfn {

inline constexpr const char* kDefaultSchemaUrl =
    "https://schema.cloudformation.us-east-1.amazonaws.com/CloudformationSchema.zip";

struct PullOptions {
  std::string provider = "awscc";
  std::string from;        // path (zip or folder) or http(s) URL; empty = kDefaultSchemaUrl
  std::string types_file;  // optional: keep only the type names listed (one per line)
  std::string home;        // provider home ($SKYQL_HOME)
};

struct PullReport {
  std::string path;  // the installed database
  size_t schemas_read = 0;
  size_t filtered_out = 0;  // not listed in --types
  size_t services = 0;
  size_t resources = 0;
  size_t list_only = 0;
  std::vector<std::string> skipped;  // "aws-x-y.json: why", one per skipped schema
  std::vector<std::string> types_missing;  // listed in --types but absent from the input
};

// Thrown for input or environment problems; the message is one line with the fix.
struct PullError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

PullReport pull(const PullOptions& options);

}  // namespace skyql::cfn
