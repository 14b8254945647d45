#include "cfn/docs.h"

#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "provider/naming.h"

namespace skyql::cfn {
namespace {

using provider::Field;
using provider::Handler;
using provider::Resource;

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string singular(const Resource& r) {
  auto pos = r.type_name.rfind("::");
  return provider::resource_snake_case(pos == std::string::npos ? r.type_name : r.type_name.substr(pos + 2));
}

std::string article(std::string_view word) {
  return !word.empty() && std::string("aeiou").find(word[0]) != std::string::npos ? "an" : "a";
}

std::string schema_table(const std::vector<Field>& fields) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  std::function<nlohmann::ordered_json(const Field&)> one = [&](const Field& f) {
    nlohmann::ordered_json j;
    j["name"] = f.name;
    j["type"] = f.type;
    j["description"] = f.description;
    if (!f.children.empty()) {
      j["children"] = nlohmann::ordered_json::array();
      for (const auto& c : f.children) j["children"].push_back(one(c));
    }
    return j;
  };
  for (const auto& f : fields) out.push_back(one(f));
  return "<SchemaTable fields={" + out.dump(2) + "} />\n";
}

// ---- the stack-deploy manifest: property values templated, $refs expanded once per resource (as StackQL)

class ManifestBuilder {
 public:
  explicit ManifestBuilder(const nlohmann::ordered_json& schema) : schema_(schema) {}

  // Returns a YAML-ready JSON value for `s`: strings become "{{ Key }}" later, objects recurse.
  nlohmann::ordered_json value(const nlohmann::ordered_json& s) {
    if (!s.is_object()) return nullptr;
    if (auto ref = s.find("$ref"); ref != s.end() && !s.contains("type")) {
      const nlohmann::ordered_json* target = resolve(ref->get<std::string>());
      return target ? value(*target) : nlohmann::ordered_json(nullptr);
    }
    std::string type;
    if (auto t = s.find("type"); t != s.end()) {
      if (t->is_string()) {
        type = t->get<std::string>();
      } else if (t->is_array()) {
        for (const auto& m : *t) {
          if (m.is_string() && m != "string") {
            type = m.get<std::string>();
            break;
          }
        }
        if (type.empty()) type = "string";
      }
    } else if (s.contains("properties")) {
      type = "object";
    }
    if (type == "string") return "string";
    if (type == "integer") return 0;
    if (type == "boolean") return false;
    if (type == "array") {
      nlohmann::ordered_json arr = nlohmann::ordered_json::array();
      if (auto items = s.find("items"); items != s.end()) arr.push_back(value(*items));
      return arr;
    }
    if (type == "object") {
      nlohmann::ordered_json obj = nlohmann::ordered_json::object();
      if (auto props = s.find("properties"); props != s.end() && props->is_object()) {
        for (const auto& [k, v] : props->items()) obj[k] = value(v);
      }
      return obj;
    }
    return nullptr;
  }

 private:
  const nlohmann::ordered_json* resolve(const std::string& ref) {
    if (ref.rfind("#/", 0) != 0 || !visited_.insert(ref).second) return nullptr;
    try {
      return &schema_.at(nlohmann::ordered_json::json_pointer(ref.substr(1)));
    } catch (const nlohmann::json::exception&) {
      return nullptr;
    }
  }
  const nlohmann::ordered_json& schema_;
  std::set<std::string> visited_;
};

// Replaces leaf values with "{{ Key }}" placeholders, the key being the nearest property name.
nlohmann::ordered_json templated(const nlohmann::ordered_json& v, const std::string& key) {
  if (v.is_string() || v.is_number() || v.is_boolean()) return "{{ " + key + " }}";
  if (v.is_array()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    if (!v.empty() && v[0].is_string()) return nlohmann::ordered_json::array({"{{ " + key + "[0] }}"});
    for (const auto& e : v) out.push_back(templated(e, key));
    return out;
  }
  if (v.is_object()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& [k, e] : v.items()) out[k] = templated(e, k);
    return out;
  }
  return v;
}

std::string yaml_scalar(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "null";
  if (!v.is_string()) return v.dump();
  const std::string s = v.get<std::string>();
  bool plain = !s.empty() && s.find_first_of(":{}[],&*#?|<>=!%@`'\"\n") == std::string::npos && s.front() != ' ' &&
               s.back() != ' ' && s.front() != '-' && s != "null" && s != "true" && s != "false";
  if (plain) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

void yaml(std::ostringstream& out, const nlohmann::ordered_json& v, int indent);

// Writes a value that follows "key:" (inline scalar or nested block).
void yaml_after_key(std::ostringstream& out, const nlohmann::ordered_json& v, int indent) {
  if ((v.is_object() || v.is_array()) && !v.empty()) {
    out << "\n";
    yaml(out, v, indent);
  } else if (v.is_object()) {
    out << " {}\n";
  } else if (v.is_array()) {
    out << " []\n";
  } else {
    out << " " << yaml_scalar(v) << "\n";
  }
}

void yaml(std::ostringstream& out, const nlohmann::ordered_json& v, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [k, e] : v.items()) {
      out << pad << k << ":";
      yaml_after_key(out, e, indent + 2);
    }
  } else if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_object() && !e.empty()) {
        // "- key: value" with the rest of the map aligned under the first key.
        std::ostringstream inner;
        yaml(inner, e, indent + 2);
        std::string text = inner.str();
        out << pad << "- " << text.substr(static_cast<size_t>(indent + 2));
      } else if (e.is_array() && !e.empty()) {
        out << pad << "-\n";
        yaml(out, e, indent + 2);
      } else {
        out << pad << "-";
        yaml_after_key(out, e, indent + 2);
      }
    }
  }
}

std::string manifest(const Resource& r, const nlohmann::ordered_json& schema) {
  ManifestBuilder b(schema);
  std::set<std::string> read_only(r.read_only.begin(), r.read_only.end());
  nlohmann::ordered_json props = nlohmann::ordered_json::array();
  if (auto p = schema.find("properties"); p != schema.end()) {
    for (const auto& [k, v] : p->items()) {
      if (read_only.count("/properties/" + k)) continue;
      props.push_back({{"name", k}, {"value", templated(b.value(v), k)}});
    }
  }
  nlohmann::ordered_json doc;
  doc["version"] = 1;
  doc["name"] = "stack name";
  doc["description"] = "stack description";
  doc["providers"] = nlohmann::ordered_json::array({"aws"});
  doc["globals"] = nlohmann::ordered_json::array({{{"name", "region"}, {"value", "{{ vars.AWS_REGION }}"}}});
  doc["resources"] = nlohmann::ordered_json::array({{{"name", singular(r)}, {"props", props}}});
  std::ostringstream out;
  yaml(out, doc, 0);
  return out.str();
}

// Properties a user writes: everything but read-only ones (required only, when asked and known).
std::vector<std::string> insert_properties(const Resource& r, bool required_only) {
  std::set<std::string> read_only(r.read_only.begin(), r.read_only.end());
  std::set<std::string> required(r.required.begin(), r.required.end());
  std::vector<std::string> out;
  for (const auto& f : r.fields) {
    if (f.property.empty() || read_only.count("/properties/" + f.property)) continue;
    if (required_only && !required.empty() && !required.count(f.property)) continue;
    out.push_back(f.property);
  }
  return out;
}

std::string identifier_placeholder(const Resource& r) {
  std::vector<std::string> ids;
  for (const auto& id : r.primary_identifier) ids.push_back("<" + id + ">");
  return join(ids, "|");
}

}  // namespace

std::string resource_page(const Resource& r, const nlohmann::ordered_json& schema) {
  std::ostringstream md;
  const std::string id = r.full_name();
  const std::string one = singular(r);
  md << "---\ntitle: " << r.name << "\nhide_title: false\nhide_table_of_contents: false\nkeywords:\n  - " << r.name
     << "\n  - " << r.service
     << "\n  - aws\n  - stackql\n  - infrastructure-as-code\n  - configuration-as-data\n  - cloud inventory\n"
        "description: Query, deploy and manage AWS resources using SQL\ncustom_edit_url: null\n"
        "image: /img/stackql-aws-provider-featured-image.png\n---\n\n"
        "import CopyableCode from '@site/src/components/CopyableCode/CopyableCode';\n"
        "import Tabs from '@theme/Tabs';\nimport TabItem from '@theme/TabItem';\n"
        "import SchemaTable from '@site/src/components/SchemaTable/SchemaTable';\n\n";
  md << "Creates, updates, deletes or gets " << article(one) << " <code>" << one << "</code> resource or lists <code>"
     << r.name << "</code> in a region\n\n";
  md << "## Overview\n<table>\n<tbody>\n<tr><td><b>Name</b></td><td><code>" << r.name
     << "</code></td></tr>\n<tr><td><b>Type</b></td><td>Resource</td></tr>\n<tr><td><b>Description</b></td><td>"
     << r.description << "</td></tr>\n<tr><td><b>Id</b></td><td><CopyableCode code=\"" << id
     << "\" /></td></tr>\n</tbody>\n</table>\n\n";

  md << "## Fields\n<Tabs\n    defaultValue=\"get\"\n    values={[\n        { label: 'get (all properties)', value: 'get' }";
  if (r.has_list_only()) md << ",\n        { label: 'list (identifiers only)', value: 'list' }";
  md << "\n    ]}\n>\n<TabItem value=\"get\">\n\n" << schema_table(r.fields) << "</TabItem>\n";
  if (r.has_list_only()) md << "<TabItem value=\"list\">\n\n" << schema_table(r.list_only_fields()) << "</TabItem>\n";
  md << "</Tabs>\n\n";
  std::string doc_name = "aws-resource-" + lower(r.type_name.substr(r.type_name.find("::") + 2));
  for (size_t p; (p = doc_name.find("::")) != std::string::npos;) doc_name.replace(p, 2, "-");
  md << "For more information, see <a href=\"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
     << doc_name << ".html\"><code>" << r.type_name << "</code></a>.\n\n";

  md << "## Methods\n\n<table>\n<tbody>\n  <tr>\n    <th>Name</th>\n    <th>Resource</th>\n    <th>Accessible by</th>\n"
        "    <th>Required Params</th>\n  </tr>\n";
  for (const auto& m : r.methods()) {
    md << "  <tr>\n    <td><CopyableCode code=\"" << m.name << "\" /></td>\n    <td><code>" << m.resource
       << "</code></td>\n    <td><code>" << m.sql_verb << "</code></td>\n    <td><CopyableCode code=\""
       << join(m.required_params, ", ") << "\" /></td>\n  </tr>\n";
  }
  md << "</tbody>\n</table>\n\n";

  std::vector<std::string> get_cols = {"region"};
  for (const auto& f : r.fields) {
    if (f.name != "region") get_cols.push_back(f.name);
  }
  std::vector<std::string> list_cols = {"region"};
  for (const auto& f : r.list_only_fields()) {
    if (f.name != "region") list_cols.push_back(f.name);
  }
  if (r.has(Handler::Read) || r.has_list_only()) {
    md << "## `SELECT` examples\n\n<Tabs\n    defaultValue=\"" << (r.has(Handler::Read) ? "get" : "list")
       << "\"\n    values={[\n";
    if (r.has(Handler::Read)) md << "        { label: 'get (all properties)', value: 'get' }";
    if (r.has(Handler::Read) && r.has_list_only()) md << ",\n";
    if (r.has_list_only()) md << "        { label: 'list (identifiers only)', value: 'list' }";
    md << "\n    ]}\n>\n";
    if (r.has(Handler::Read)) {
      md << "<TabItem value=\"get\">\n\nGets all properties from " << article("individual") << " individual <code>" << one
         << "</code>.\n```sql\nSELECT\n" << join(get_cols, ",\n") << "\nFROM " << id
         << "\nWHERE region = 'us-east-1' AND data__Identifier = '" << identifier_placeholder(r)
         << "';\n```\n</TabItem>\n";
    }
    if (r.has_list_only()) {
      md << "<TabItem value=\"list\">\n\nLists all <code>" << r.name << "</code> in a region.\n```sql\nSELECT\n"
         << join(list_cols, ",\n") << "\nFROM " << id << "_list_only\nWHERE region = 'us-east-1';\n```\n</TabItem>\n";
    }
    md << "</Tabs>\n\n";
  }

  if (r.has(Handler::Create)) {
    auto req = insert_properties(r, true);
    auto all = insert_properties(r, false);
    md << "## `INSERT` example\n\nUse the following StackQL query and manifest file to create a new <code>" << one
       << "</code> resource, using [__`stack-deploy`__](https://pypi.org/project/stack-deploy/).\n\n"
          "<Tabs\n    defaultValue=\"required\"\n    values={[\n      { label: 'Required Properties', value: 'required', },\n"
          "      { label: 'All Properties', value: 'all', },\n      { label: 'Manifest', value: 'manifest', },\n    ]\n}>\n"
          "<TabItem value=\"required\">\n\n```sql\n/*+ create */\nINSERT INTO "
       << id << " (\n " << join(req, ",\n ") << ",\n region\n)\nSELECT \n'{{ " << join(req, " }}',\n '{{ ")
       << " }}',\n'{{ region }}';\n```\n</TabItem>\n<TabItem value=\"all\">\n\n```sql\n/*+ create */\nINSERT INTO " << id
       << " (\n " << join(all, ",\n ") << ",\n region\n)\nSELECT \n '{{ " << join(all, " }}',\n '{{ ")
       << " }}',\n '{{ region }}';\n```\n</TabItem>\n<TabItem value=\"manifest\">\n\n```yaml\n"
       << manifest(r, schema) << "\n```\n</TabItem>\n</Tabs>\n\n";
  }

  if (r.has(Handler::Update)) {
    std::set<std::string> fixed(r.read_only.begin(), r.read_only.end());
    fixed.insert(r.create_only.begin(), r.create_only.end());
    std::vector<std::string> patch;
    for (const auto& f : r.fields) {
      if (f.property.empty() || fixed.count("/properties/" + f.property) || f.type == "object") continue;
      patch.push_back("    \"" + f.property + "\": " + f.name);
    }
    md << "## `UPDATE` example\n\n```sql\n/*+ update */\nUPDATE " << id
       << "\nSET data__PatchDocument = string('{{ {\n" << join(patch, ",\n")
       << "\n} | generate_patch_document }}')\nWHERE region = '{{ region }}'\nAND data__Identifier = '"
       << identifier_placeholder(r) << "';\n```\n\n\n";
  }
  if (r.has(Handler::Delete)) {
    md << "## `DELETE` example\n\n```sql\n/*+ delete */\nDELETE FROM " << id << "\nWHERE data__Identifier = '"
       << identifier_placeholder(r) << "'\nAND region = 'us-east-1';\n```\n\n";
  }

  if (!r.permissions.empty()) {
    md << "## Permissions\n\nTo operate on the <code>" << r.name
       << "</code> resource, the following permissions are required:\n";
    const std::pair<Handler, const char*> order[] = {{Handler::Create, "Create"}, {Handler::Read, "Read"},
                                                     {Handler::Update, "Update"}, {Handler::Delete, "Delete"},
                                                     {Handler::List, "List"}};
    for (const auto& [h, title] : order) {
      auto it = r.permissions.find(h);
      if (it == r.permissions.end()) continue;
      md << "\n### " << title << "\n```json\n" << join(it->second, ",\n") << "\n```\n";
    }
  }
  return md.str();
}

std::string service_index_page(const std::string& provider, const std::string& service,
                               const std::vector<provider::ResourceEntry>& resources) {
  std::ostringstream md;
  md << "---\ntitle: " << service << "\nhide_title: false\nhide_table_of_contents: false\nkeywords:\n  - " << service
     << "\n  - aws\n  - stackql\ndescription: Query, deploy and manage AWS resources using SQL\ncustom_edit_url: null\n"
        "---\n\nThe "
     << service << " service documentation.\n\n:::info Service Summary\n\n<div class=\"row\">\n<div "
     << "class=\"providerDocColumn\">\n<span>total resources:&nbsp;<b>" << resources.size()
     << "</b></span><br />\n</div>\n</div>\n\n:::\n\n## Resources\n";
  for (const auto& e : resources) {
    md << "- [" << provider << "." << service << "." << e.name << "](" << e.name << "/index.md) — <code>"
       << e.type_name << "</code>\n";
  }
  return md.str();
}

size_t write_all_pages(const provider::Store& store, const std::string& dir) {
  namespace fs = std::filesystem;
  auto write = [](const fs::path& path, const std::string& text) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (ec || !out) throw std::runtime_error("cannot write " + path.string() + " — check the directory is writable");
  };
  size_t pages = 0;
  for (const auto& service : store.services()) {
    auto entries = store.resources(service);
    write(fs::path(dir) / service / "index.md", service_index_page(store.provider(), service, entries));
    for (const auto& e : entries) {
      auto r = store.resource(e.service, e.name);
      auto text = store.schema_text(e.type_name);
      auto schema = text ? nlohmann::ordered_json::parse(*text) : nlohmann::ordered_json::object();
      write(fs::path(dir) / service / e.name / "index.md", resource_page(r, schema));
      ++pages;
    }
  }
  return pages;
}

}  // namespace skyql::cfn
