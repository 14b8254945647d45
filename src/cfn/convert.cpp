#include "cfn/convert.h"

#include <set>

#include "provider/naming.h"

namespace skyql::cfn {
namespace {

using Json = nlohmann::ordered_json;
using provider::Field;

// StackQL's pages show children down to three levels below a column.
constexpr int kMaxChildDepth = 3;
// Bound on $ref -> $ref chains, so a definition that points at itself cannot loop.
constexpr int kMaxRefChain = 32;

class Converter {
 public:
  explicit Converter(const Json& schema) : schema_(schema) {}

  // The schema a local "$ref" points to; throws ConversionError when it does not resolve.
  const Json& resolve_ref(const std::string& ref, const std::string& where) const {
    if (ref.rfind("#/", 0) != 0 && ref != "#") {
      throw ConversionError("unresolvable $ref '" + ref + "' at " + where + " (only local #/ references are supported)");
    }
    try {
      const Json& target = schema_.at(Json::json_pointer(ref.substr(1)));
      return target;
    } catch (const Json::exception&) {
      throw ConversionError("unresolvable $ref '" + ref + "' at " + where);
    }
  }

  // Follows $ref chains to the schema that carries the content.
  const Json& deref(const Json& s, const std::string& where, std::string* last_ref = nullptr) const {
    const Json* cur = &s;
    for (int i = 0; i < kMaxRefChain && cur->is_object(); ++i) {
      auto it = cur->find("$ref");
      if (it == cur->end() || !it->is_string()) return *cur;
      if (last_ref) *last_ref = it->get<std::string>();
      cur = &resolve_ref(it->get<std::string>(), where);
    }
    if (cur->is_object() && cur->contains("$ref")) throw ConversionError("$ref cycle at " + where);
    return *cur;
  }

  // Checks every $ref outside `handlers` (handler schemas point into another document).
  void check_refs(const Json& node, const std::string& where) const {
    if (node.is_object()) {
      for (const auto& [k, v] : node.items()) {
        if (where.empty() && k == "handlers") continue;
        if (k == "$ref" && v.is_string()) {
          resolve_ref(v.get<std::string>(), where.empty() ? "/" : where);
        } else {
          check_refs(v, where + "/" + k);
        }
      }
    } else if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) check_refs(node[i], where + "/" + std::to_string(i));
    }
  }

  static std::string description_of(const Json& s) {
    auto it = s.find("description");
    return it != s.end() && it->is_string() ? it->get<std::string>() : std::string();
  }

  static std::string type_of(const Json& s) {
    auto it = s.find("type");
    if (it != s.end()) {
      if (it->is_string()) return it->get<std::string>();
      if (it->is_array()) {
        // As StackQL: a union resolves to its non-string member ("string" only if that is all).
        for (const auto& t : *it) {
          if (t.is_string() && t.get<std::string>() != "string") return t.get<std::string>();
        }
        return "string";
      }
    }
    return "";
  }

  // Type of a property: its own, else its $ref target's, else inferred from its shape.
  std::string field_type(const Json& prop, const Json& target) const {
    std::string t = type_of(prop);
    if (t.empty()) t = type_of(target);
    if (!t.empty()) return t;
    if (target.contains("properties")) return "object";
    if (target.contains("items")) return "array";
    for (const char* combo : {"oneOf", "anyOf", "allOf"}) {
      auto it = target.find(combo);
      if (it == target.end() || !it->is_array()) continue;
      for (const auto& alt : *it) {
        std::string at = type_of(deref(alt, combo));
        if (!at.empty()) return at;
        if (alt.contains("properties")) return "object";
      }
    }
    // Without any type information a value is passed through as text.
    return "string";
  }

  std::vector<Field> fields_of(const Json& object_schema, const std::string& where, int depth,
                               const std::set<std::string>& visited) const {
    std::vector<Field> out;
    auto props = object_schema.find("properties");
    if (props == object_schema.end() || !props->is_object()) return out;
    std::set<std::string> level = visited;  // refs expanded by ancestors and earlier siblings
    for (const auto& [pname, prop] : props->items()) {
      const std::string here = where + "/" + pname;
      std::string ref;
      const Json& target = deref(prop, here, &ref);
      Field f;
      f.name = provider::column_name(pname);
      f.property = pname;
      f.type = field_type(prop, target);
      f.description = prop.contains("description") ? description_of(prop) : description_of(target);
      // Where do the children come from: the object itself, or an array's items.
      const Json* container = &target;
      if (f.type == "array") {
        auto items = target.find("items");
        container = nullptr;
        if (items != target.end() && items->is_object()) {
          std::string item_ref;
          const Json& item = deref(*items, here + "/items", &item_ref);
          if (item.contains("properties")) {
            container = &item;
            ref = item_ref;
          }
        }
      }
      if (container && container->contains("properties") && depth < kMaxChildDepth) {
        if (ref.empty() || level.insert(ref).second) {
          f.children = fields_of(*container, here, depth + 1, level);
        }
      }
      out.push_back(std::move(f));
    }
    return out;
  }

 private:
  const Json& schema_;
};

std::vector<std::string> string_list(const Json& s, const char* key) {
  std::vector<std::string> out;
  auto it = s.find(key);
  if (it == s.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

provider::Resource convert_schema(const std::string& file_name, const Json& schema) {
  if (!schema.is_object()) throw ConversionError("schema is not a JSON object");
  auto type_it = schema.find("typeName");
  if (type_it == schema.end() || !type_it->is_string()) throw ConversionError("schema has no typeName");
  provider::Resource r;
  r.type_name = type_it->get<std::string>();
  r.service = provider::service_name(file_name);
  if (r.service.empty()) throw ConversionError("file name does not follow aws-<service>-<resource>.json");
  r.name = provider::resource_name(r.type_name);
  r.description = schema.value("description", std::string());

  Converter conv(schema);
  conv.check_refs(schema, "");
  r.fields = conv.fields_of(schema, "/properties", 0, {});
  r.fields.push_back({"region", "", "string", "AWS region.", {}});

  for (auto id : string_list(schema, "primaryIdentifier")) {
    const std::string prefix = "/properties/";
    if (id.rfind(prefix, 0) == 0) id = id.substr(prefix.size());
    r.primary_identifier.push_back(id);
  }
  r.read_only = string_list(schema, "readOnlyProperties");
  r.write_only = string_list(schema, "writeOnlyProperties");
  r.create_only = string_list(schema, "createOnlyProperties");
  r.required = string_list(schema, "required");

  if (auto handlers = schema.find("handlers"); handlers != schema.end() && handlers->is_object()) {
    const std::pair<const char*, provider::Handler> known[] = {
        {"create", provider::Handler::Create}, {"read", provider::Handler::Read},
        {"update", provider::Handler::Update}, {"delete", provider::Handler::Delete},
        {"list", provider::Handler::List}};
    for (const auto& [key, h] : known) {
      auto it = handlers->find(key);
      if (it == handlers->end()) continue;
      r.permissions[h] = string_list(*it, "permissions");
      if (h == provider::Handler::List) {
        if (auto hs = it->find("handlerSchema"); hs != it->end()) {
          r.list_handler_schema = nlohmann::json::parse(hs->dump());
        }
      }
    }
  }
  return r;
}

}  // namespace skyql::cfn
