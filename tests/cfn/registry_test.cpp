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

namespace skyql::cfn {
namespace {

// Bad input: one-line error, previous provider intact, nothing half-installed.
class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("bad");
    // A small good provider installed first, from a folder of three schemas of the real archive.
    good_ = dir_ / "good";
    fs::create_directories(good_);
    for (const char* f : {"aws-events-connection.json", "aws-s3-bucket.json", "aws-ec2-vpc.json"}) extract(f, good_);
    home_ = dir_ / "home";
    PullOptions o;
    o.from = good_.string();
    o.home = home_.string();
    ASSERT_EQ(pull(o).resources, 3u);
    db_ = home_ / "providers" / "awscc.db";
    before_ = fs::file_size(db_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void extract(const std::string& name, const fs::path& to) {
    ASSERT_EQ(std::system(("unzip -q -o " + kZip + " " + name + " -d " + to.string()).c_str()), 0);
  }
  std::string fails(const std::string& from, const std::string& home = "") {
    PullOptions o;
    o.from = from;
    o.home = home.empty() ? home_.string() : home;
    try {
      pull(o);
    } catch (const PullError& e) {
      return e.what();
    }
    return "no error";
  }
  void expect_intact() {
    EXPECT_EQ(fs::file_size(db_), before_);
    auto store = provider::Store::open(home_.string());
    EXPECT_EQ(store->all_resources().size(), 3u);
    for (const auto& e : fs::directory_iterator(home_ / "providers")) {
      EXPECT_EQ(e.path().filename(), "awscc.db") << "left behind: " << e.path();
    }
  }
  fs::path dir_, good_, home_, db_;
  uintmax_t before_ = 0;
};

TEST_F(BadInput, CorruptZip) {
  std::ifstream in(kZip, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir_ / "truncated.zip", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  auto msg = fails((dir_ / "truncated.zip").string());
  EXPECT_NE(msg.find("truncated.zip"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  expect_intact();
}

TEST_F(BadInput, SchemaWithInvalidJsonStopsThePull) {
  fs::path src = dir_ / "src";
  fs::copy(good_, src);
  std::ofstream(src / "aws-foo-bar.json") << "{\"typeName\": \"AWS::Foo::Bar\", ";
  auto msg = fails(src.string());
  EXPECT_NE(msg.find("aws-foo-bar.json is not valid JSON"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  expect_intact();
}

TEST_F(BadInput, UnresolvableRefSkipsThatSchemaOnly) {
  fs::path src = dir_ / "src";
  fs::copy(good_, src);
  std::ofstream(src / "aws-foo-bar.json")
      << R"({"typeName": "AWS::Foo::Bar", "description": "x", "properties": {"A": {"$ref": "#/definitions/Missing"}},
            "primaryIdentifier": ["/properties/A"], "additionalProperties": false})";
  PullOptions o;
  o.from = src.string();
  o.home = home_.string();
  auto report = pull(o);
  EXPECT_EQ(report.resources, 3u);
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_NE(report.skipped[0].find("aws-foo-bar.json: unresolvable $ref '#/definitions/Missing' at /properties/A"),
            std::string::npos)
      << report.skipped[0];
}

TEST_F(BadInput, UnwritableHome) {
  std::ofstream(dir_ / "file") << "x";
  auto msg = fails(good_.string(), (dir_ / "file").string());
  EXPECT_NE(msg.find("pass --home or set SKYQL_HOME"), std::string::npos) << msg;
  expect_intact();
}

TEST_F(BadInput, UnreachableUrl) {
  auto msg = fails("http://127.0.0.1:1/CloudformationSchema.zip");
  EXPECT_NE(msg.find("cannot download http://127.0.0.1:1/"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  expect_intact();
}

}  // namespace
}  // namespace skyql::cfn
