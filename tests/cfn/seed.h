// Facts of the seed page (StackQL's doc page of awscc.events.connections), parsed for golden tests.
#pragma once

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace skyql::testing {

struct SeedMethod {
  std::string name, resource, verb, params;
};

struct SeedFacts {
  nlohmann::json get_fields;   // SchemaTable of the "get" tab
  nlohmann::json list_fields;  // SchemaTable of the "list" tab
  std::vector<SeedMethod> methods;
  std::map<std::string, std::vector<std::string>> permissions;  // "Create" -> [...]
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline SeedFacts parse_seed(const std::string& page) {
  SeedFacts f;
  std::vector<nlohmann::json> tables;
  const std::string open = "<SchemaTable fields={";
  for (size_t pos = page.find(open); pos != std::string::npos; pos = page.find(open, pos + 1)) {
    size_t start = pos + open.size();
    size_t end = page.find("} />", start);
    tables.push_back(nlohmann::json::parse(page.substr(start, end - start)));
  }
  if (tables.size() >= 2) {
    f.get_fields = tables[0];
    f.list_fields = tables[1];
  }
  std::regex row(
      "<td><CopyableCode code=\"([a-z_]+)\" /></td>\\s*<td><code>([a-z_]+)</code></td>\\s*<td><code>([A-Z]+)</code></td>"
      "\\s*<td><CopyableCode code=\"([^\"]*)\" /></td>");
  for (std::sregex_iterator it(page.begin(), page.end(), row), e; it != e; ++it) {
    f.methods.push_back({(*it)[1], (*it)[2], (*it)[3], (*it)[4]});
  }
  std::regex perm("### (Create|Read|Update|Delete|List)\n```json\n([^`]*)```");
  for (std::sregex_iterator it(page.begin(), page.end(), perm), e; it != e; ++it) {
    std::vector<std::string> list;
    std::stringstream ss((*it)[2].str());
    std::string line;
    while (std::getline(ss, line)) {
      while (!line.empty() && (line.back() == ',' || line.back() == ' ')) line.pop_back();
      if (!line.empty()) list.push_back(line);
    }
    f.permissions[(*it)[1]] = list;
  }
  return f;
}

}  // namespace skyql::testing
