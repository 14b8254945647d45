#include "cfn/docs.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "seed.h"

namespace skyql::cfn {
namespace {

const std::string kShared = SKYQL_SHARED_DIR;

// The provider installed by the `provider_install` fixture.
std::unique_ptr<provider::Store> open_store() { return provider::Store::open(SKYQL_TEST_HOME); }

std::string page_of(const provider::Store& store, const std::string& dotted) {
  auto r = store.resolve(dotted);
  return resource_page(r, nlohmann::ordered_json::parse(*store.schema_text(r.type_name)));
}

TEST(Docs, EventsConnectionsCarriesEverySeedFact) {
  auto store = open_store();
  const std::string seed_page = testing::read_text(kShared + "/seed/awscc-events-connections.md");
  const std::string page = page_of(*store, "awscc.events.connections");
  auto want = testing::parse_seed(seed_page);
  auto got = testing::parse_seed(page);
  EXPECT_EQ(got.get_fields, want.get_fields);
  EXPECT_EQ(got.list_fields, want.list_fields);
  ASSERT_EQ(got.methods.size(), want.methods.size());
  for (size_t i = 0; i < got.methods.size(); ++i) {
    EXPECT_EQ(got.methods[i].name, want.methods[i].name);
    EXPECT_EQ(got.methods[i].resource, want.methods[i].resource);
    EXPECT_EQ(got.methods[i].verb, want.methods[i].verb);
    EXPECT_EQ(got.methods[i].params, want.methods[i].params);
  }
  EXPECT_EQ(got.permissions, want.permissions);
  // The examples (SELECT, INSERT tabs and manifest, UPDATE, DELETE) match the seed page line for line.
  EXPECT_EQ(page, seed_page);
}

TEST(Docs, AllWritesAPagePerResourceAndServiceIndexes) {
  auto store = open_store();
  auto dir = std::filesystem::temp_directory_path() / ("skyql-docs-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  size_t pages = write_all_pages(*store, dir.string());
  EXPECT_EQ(pages, store->all_resources().size());
  EXPECT_TRUE(std::filesystem::exists(dir / "events" / "index.md"));
  EXPECT_TRUE(std::filesystem::exists(dir / "ec2" / "instances" / "index.md"));
  auto index = testing::read_text((dir / "events" / "index.md").string());
  EXPECT_NE(index.find("awscc.events.connections"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace skyql::cfn
