// provider/validate — checks a value against a CloudFormation resource schema (JSON Schema draft-07 subset
// used by CloudFormation: type, enum, const, pattern, min/maxLength, minimum/maximum (exclusive too),
// multipleOf, required, properties, patternProperties, additionalProperties, min/maxProperties, items,
// min/maxItems, uniqueItems, oneOf/anyOf/allOf/not, dependencies, and local "$ref"s "#/definitions/...").
//
// Promises: the first violation, in document order, named by the JSON pointer of the offending value
// ("/AuthParameters/BasicAuthParameters/Username"; "" for the root), with a message a user can act on.
// CloudFormation patterns are ECMAScript-ish; a pattern std::regex cannot compile even after rewriting the
// common non-ECMAScript forms (\A, \Z, \p{..}, (?i)) is not enforced rather than refusing valid input.
// Compiled patterns are cached process-wide; validate() is thread-safe.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace skyql::provider {

struct Violation {
  std::string path;     // JSON pointer into the value
  std::string message;  // e.g. "must match pattern ^[a-z]+$"
  std::string to_string() const;  // "<path>: <message>" ("/" for the root)
};

// `schema` is the whole resource schema (its "definitions" resolve "$ref"s); `value` is checked against
// the root of `schema` (for a resource model: its "properties", "required", "additionalProperties").
std::optional<Violation> validate(const nlohmann::json& schema, const nlohmann::json& value);

// Same, but checks `value` against `subschema`, resolving "$ref"s in `root`.
std::optional<Violation> validate(const nlohmann::json& root, const nlohmann::json& subschema,
                                  const nlohmann::json& value);

// Whether `text` matches the CloudFormation `pattern` (search semantics, as JSON Schema says).
// Patterns that cannot be compiled match everything.
bool pattern_matches(const std::string& pattern, const std::string& text);

}  // namespace skyql::provider
