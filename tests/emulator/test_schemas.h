// Schemas for the emulator's unit tests, read straight from the shared CloudFormation zip.
#pragma once

#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace skyql::emulator::testing {

inline std::string zip_path() { return std::string(SKYQL_SHARED_DIR) + "/cfn/CloudformationSchema.zip"; }

inline std::string run_command(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  return out;
}

// "AWS::Events::Connection" -> the zip member "aws-events-connection.json".
inline std::optional<nlohmann::json> schema_from_zip(const std::string& type_name) {
  std::string file;
  for (size_t i = 0; i < type_name.size(); ++i) {
    if (type_name.compare(i, 2, "::") == 0) {
      file += '-';
      ++i;
    } else {
      file += static_cast<char>(std::tolower(static_cast<unsigned char>(type_name[i])));
    }
  }
  for (char c : file)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return std::nullopt;
  std::string text = run_command("unzip -p '" + zip_path() + "' '" + file + ".json' 2>/dev/null");
  if (text.empty()) return std::nullopt;
  return nlohmann::json::parse(text);
}

}  // namespace skyql::emulator::testing
