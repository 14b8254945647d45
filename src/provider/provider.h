// provider/ — the resource model of a provider (awscc) and the installed-provider store.
//
// Promises:
//  - A Resource describes one CloudFormation resource type as SQL tables: its columns (snake_case, with
//    nested children), its methods (SQL verb + required params), permissions per handler, and the
//    schema's readOnly / writeOnly / createOnly / required property sets.
//  - A Store opens an installed provider under $SKYQL_HOME and loads one resource without parsing the
//    others (lazy, one SQLite row per resource).
// This layer knows nothing about HTTP, AWS or SQL execution.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace skyql::provider {

// One column (top-level property) or a nested child of one.
struct Field {
  std::string name;        // snake_case SQL name, e.g. "auth_parameters"
  std::string property;    // CloudFormation property name, e.g. "AuthParameters"
  std::string type;        // "string", "integer", "number", "boolean", "object", "array"
  std::string description;
  std::vector<Field> children;
};

// The five Cloud Control handlers a schema may declare.
enum class Handler { Create, Read, Update, Delete, List };
const char* handler_name(Handler h);  // "create", "read", ...

struct Method {
  std::string name;      // "create_resource", "get_resource", ...
  std::string resource;  // table it is reached through: "connections" or "connections_list_only"
  std::string sql_verb;  // "INSERT", "SELECT", "UPDATE", "DELETE"
  std::vector<std::string> required_params;  // e.g. {"data__Identifier", "region"}
};

struct Resource {
  std::string provider = "awscc";
  std::string service;      // "events"
  std::string name;         // "connections"
  std::string type_name;    // "AWS::Events::Connection"
  std::string description;
  std::vector<Field> fields;                    // every top-level property, then "region"
  std::vector<std::string> primary_identifier;  // property names in schema order, e.g. {"Name"}
  std::vector<std::string> read_only;           // JSON pointers as in the schema: "/properties/Arn"
  std::vector<std::string> write_only;
  std::vector<std::string> create_only;
  std::vector<std::string> required;            // top-level required property names
  std::map<Handler, std::vector<std::string>> permissions;  // only the handlers the schema has
  std::optional<nlohmann::json> list_handler_schema;       // handlers.list.handlerSchema, if any

  bool has(Handler h) const { return permissions.count(h) != 0; }
  bool has_list_only() const { return has(Handler::List); }
  std::string list_only_name() const { return name + "_list_only"; }
  std::string full_name() const { return provider + "." + service + "." + name; }
  std::vector<Method> methods() const;
  // Columns of the *_list_only table: the primary identifier fields, then region.
  std::vector<Field> list_only_fields() const;
  // Field by snake_case name or by property name; nullptr when absent.
  const Field* field(const std::string& name_or_property) const;
};

// Thrown for names that do not exist; the message already says "did you mean ...".
struct NotFound : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Serialisation of the model (used by the store and by tests).
nlohmann::json to_json(const Resource& r);
Resource resource_from_json(const nlohmann::json& j);

struct ResourceEntry {
  std::string service;
  std::string name;
  std::string type_name;
  bool list_only = false;
};

// An installed provider: $SKYQL_HOME/providers/<provider>.db (see cfn/registry.h for how it is written).
class Store {
 public:
  // Opens the installed provider; throws std::runtime_error naming the path and the fix
  // ("run: skyql registry pull awscc") when it is not installed.
  static std::unique_ptr<Store> open(const std::string& home, const std::string& provider = "awscc");
  ~Store();

  std::string provider() const { return provider_; }
  std::vector<std::string> providers_installed() const;
  std::vector<std::string> services() const;
  // (service, title) pairs; the title is the CloudFormation namespace, e.g. ("events", "AWS::Events").
  std::vector<std::pair<std::string, std::string>> services_with_titles() const;
  // When the installed provider was generated, e.g. "2026-11-26" (from its meta table).
  std::string version() const;
  std::vector<ResourceEntry> resources(const std::string& service) const;  // throws NotFound
  std::vector<ResourceEntry> all_resources() const;
  // Loads one resource by service and table name ("connections" or "connections_list_only" both give
  // the same Resource). Throws NotFound with the nearest names.
  Resource resource(const std::string& service, const std::string& name) const;
  // Resolves "awscc.events.connections" (or "events.connections"); throws NotFound.
  Resource resolve(const std::string& dotted) const;
  std::optional<Resource> by_type_name(const std::string& type_name) const;
  // The original CloudFormation schema of a type (for validation), parsed on demand.
  std::optional<nlohmann::json> schema(const std::string& type_name) const;
  // The schema's original text (property order preserved), for consumers that need the order.
  std::optional<std::string> schema_text(const std::string& type_name) const;

 private:
  Store() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string provider_;
  std::string home_;
};

// $SKYQL_HOME or ~/.skyql.
std::string default_home();

}  // namespace skyql::provider
