#include "cfn/registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cfn/convert.h"
#include "provider/provider.h"
#include "seed.h"

namespace skyql::cfn {
namespace {

namespace fs = std::filesystem;

const std::string kShared = SKYQL_SHARED_DIR;
const std::string kZip = kShared + "/cfn/CloudformationSchema.zip";
const std::string kTypes = kShared + "/cfn/cloud-control-supported-types.txt";

fs::path make_temp_dir(const std::string& tag) {
  fs::path dir = fs::temp_directory_path() / ("skyql-cfn-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Field as the seed page shows it: name, type, description, children.
nlohmann::json seed_shape(const provider::Field& f) {
  nlohmann::json j = {{"name", f.name}, {"type", f.type}, {"description", f.description}};
  if (!f.children.empty()) {
    for (const auto& c : f.children) j["children"].push_back(seed_shape(c));
  }
  return j;
}

nlohmann::json seed_shape(const std::vector<provider::Field>& fields) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : fields) out.push_back(seed_shape(f));
  return out;
}

class FullArchive : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    home_ = new fs::path(make_temp_dir("full"));
    PullOptions o;
    o.from = kZip;
    o.home = home_->string();
    report_ = new PullReport(pull(o));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*home_);
    delete home_;
    delete report_;
  }
  static fs::path* home_;
  static PullReport* report_;
};
fs::path* FullArchive::home_ = nullptr;
PullReport* FullArchive::report_ = nullptr;

TEST_F(FullArchive, ConvertsEverySchemaWithoutFailure) {
  std::cout << "full archive: " << report_->schemas_read << " schemas -> " << report_->services << " services, "
            << report_->resources << " resources, " << report_->list_only << " with _list_only\n";
  for (const auto& s : report_->skipped) ADD_FAILURE() << s;
  EXPECT_EQ(report_->schemas_read, 1665u);
  EXPECT_EQ(report_->resources, 1665u);
  EXPECT_GT(report_->services, 250u);
  EXPECT_GT(report_->list_only, 1300u);
  EXPECT_TRUE(fs::exists(*home_ / "providers" / "awscc.db"));
}

TEST_F(FullArchive, EventsConnectionsMatchesSeedPage) {
  auto store = provider::Store::open(home_->string());
  auto r = store->resolve("awscc.events.connections");
  auto seed = testing::parse_seed(testing::read_text(kShared + "/seed/awscc-events-connections.md"));
  ASSERT_FALSE(seed.get_fields.empty());
  EXPECT_EQ(seed_shape(r.fields), seed.get_fields);
  EXPECT_EQ(seed_shape(r.list_only_fields()), seed.list_fields);

  auto methods = r.methods();
  ASSERT_EQ(methods.size(), seed.methods.size());
  for (size_t i = 0; i < methods.size(); ++i) {
    std::string params;
    for (const auto& p : methods[i].required_params) params += (params.empty() ? "" : ", ") + p;
    EXPECT_EQ(methods[i].name, seed.methods[i].name);
    EXPECT_EQ(methods[i].resource, seed.methods[i].resource);
    EXPECT_EQ(methods[i].sql_verb, seed.methods[i].verb);
    EXPECT_EQ(params, seed.methods[i].params);
  }
  ASSERT_EQ(seed.permissions.size(), 5u);
  const std::map<std::string, provider::Handler> handlers = {{"Create", provider::Handler::Create},
                                                             {"Read", provider::Handler::Read},
                                                             {"Update", provider::Handler::Update},
                                                             {"Delete", provider::Handler::Delete},
                                                             {"List", provider::Handler::List}};
  for (const auto& [title, list] : seed.permissions) EXPECT_EQ(r.permissions.at(handlers.at(title)), list) << title;
  EXPECT_EQ(r.primary_identifier, std::vector<std::string>{"Name"});
  EXPECT_EQ(r.create_only, std::vector<std::string>{"/properties/Name"});
  EXPECT_EQ(r.read_only.front(), "/properties/Arn");
  EXPECT_EQ(r.write_only.size(), 7u);
}

TEST_F(FullArchive, StoreLoadsOneResourceAndNamesNearMisses) {
  auto store = provider::Store::open(home_->string());
  EXPECT_EQ(store->resource("ec2", "instances").type_name, "AWS::EC2::Instance");
  EXPECT_EQ(store->resource("ec2", "instances_list_only").name, "instances");
  EXPECT_TRUE(store->by_type_name("AWS::S3::Bucket").has_value());
  auto schema = store->schema("AWS::Events::Connection");
  ASSERT_TRUE(schema.has_value());
  EXPECT_EQ((*schema)["typeName"], "AWS::Events::Connection");
  try {
    store->resolve("awscc.events.conections");
    FAIL() << "expected NotFound";
  } catch (const provider::NotFound& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean awscc.events.connections"), std::string::npos) << e.what();
  }
  try {
    store->resolve("awscc.evnts.connections");
    FAIL() << "expected NotFound";
  } catch (const provider::NotFound& e) {
    EXPECT_NE(std::string(e.what()).find("awscc.events"), std::string::npos) << e.what();
  }
  EXPECT_THROW(store->resolve("aws.events.connections"), provider::NotFound);
}

TEST(Registry, SupportedTypesOnly) {
  fs::path home = make_temp_dir("types");
  PullOptions o;
  o.from = kZip;
  o.types_file = kTypes;
  o.home = home.string();
  auto report = pull(o);
  std::cout << "supported types: " << report.services << " services, " << report.resources << " resources, "
            << report.list_only << " with _list_only, " << report.types_missing.size() << " listed types absent\n";
  EXPECT_TRUE(report.skipped.empty());
  EXPECT_EQ(report.resources + report.types_missing.size(), 1304u);
  EXPECT_EQ(report.resources + report.filtered_out, 1665u);
  fs::remove_all(home);
}

}  // namespace
}  // namespace skyql::cfn
