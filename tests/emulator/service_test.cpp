// The Cloud Control operations without HTTP: validation, generation, patches, idempotency, asynchrony.
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "emulator/emulator.h"
#include "test_schemas.h"

using nlohmann::json;
using skyql::emulator::Emulator;
using skyql::emulator::Options;

namespace {

constexpr const char* kConnection = "AWS::Events::Connection";

Options test_options() {
  Options o;
  o.schema_source = skyql::emulator::testing::schema_from_zip;
  return o;
}

json basic_connection(const std::string& name = "my-conn") {
  return {{"Name", name},
          {"Description", "d"},
          {"AuthorizationType", "BASIC"},
          {"AuthParameters", {{"BasicAuthParameters", {{"Username", "user"}, {"Password", "secret-pw"}}}}}};
}

json create(Emulator& e, const json& desired, const std::string& token = "") {
  json req = {{"TypeName", kConnection}, {"DesiredState", desired.dump()}};
  if (!token.empty()) req["ClientToken"] = token;
  auto r = e.call("CreateResource", req);
  EXPECT_EQ(r.status, 200) << r.body.dump();
  return r.body;
}

json get_props(Emulator& e, const std::string& id) {
  auto r = e.call("GetResource", {{"TypeName", kConnection}, {"Identifier", id}});
  EXPECT_EQ(r.status, 200) << r.body.dump();
  return json::parse(r.body["ResourceDescription"]["Properties"].get<std::string>());
}

Emulator::Reply patch(Emulator& e, const std::string& id, const json& ops) {
  return e.call("UpdateResource", {{"TypeName", kConnection}, {"Identifier", id}, {"PatchDocument", ops.dump()}});
}

}  // namespace

TEST(Service, CreateGeneratesReadOnlyAndHidesWriteOnly) {
  Emulator e(test_options());
  json ev = create(e, basic_connection())["ProgressEvent"];
  EXPECT_EQ(ev["OperationStatus"], "IN_PROGRESS");
  EXPECT_EQ(ev["Identifier"], "my-conn");
  EXPECT_TRUE(ev.contains("RetryAfter"));
  auto status = e.call("GetResourceRequestStatus", {{"RequestToken", ev["RequestToken"]}});
  EXPECT_EQ(status.body["ProgressEvent"]["OperationStatus"], "SUCCESS");
  json props = get_props(e, "my-conn");
  ASSERT_TRUE(props.contains("Arn"));
  EXPECT_EQ(props["Arn"].get<std::string>().rfind("arn:aws:events:us-east-1:123456789012:connection/my-conn/", 0), 0u)
      << props["Arn"];
  EXPECT_EQ(props["SecretArn"].get<std::string>().rfind("arn:aws:secretsmanager:us-east-1:123456789012:secret:", 0), 0u)
      << props["SecretArn"];
  EXPECT_FALSE(props["AuthParameters"]["BasicAuthParameters"].contains("Password"));
  EXPECT_EQ(props["AuthParameters"]["BasicAuthParameters"]["Username"], "user");
}

TEST(Service, ErrorsAsAwsNamesThem) {
  Emulator e(test_options());
  create(e, basic_connection());
  auto r = e.call("CreateResource", {{"TypeName", kConnection}, {"DesiredState", basic_connection().dump()}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code, "AlreadyExistsException");
  r = e.call("GetResource", {{"TypeName", kConnection}, {"Identifier", "nope"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code, "ResourceNotFoundException");
  r = e.call("GetResource", {{"TypeName", "AWS::Nope::Thing"}, {"Identifier", "x"}});
  EXPECT_EQ(r.error_code, "TypeNotFoundException");
  json bad = basic_connection("other");
  bad["AuthParameters"]["BasicAuthParameters"]["Username"] = "";
  r = e.call("CreateResource", {{"TypeName", kConnection}, {"DesiredState", bad.dump()}});
  EXPECT_EQ(r.error_code, "InvalidRequestException");
  EXPECT_NE(r.body["Message"].get<std::string>().find("#/AuthParameters/BasicAuthParameters/Username"),
            std::string::npos)
      << r.body;
  json ro = basic_connection("ro");
  ro["Arn"] = "arn:aws:events:us-east-1:123456789012:connection/ro/x";
  r = e.call("CreateResource", {{"TypeName", kConnection}, {"DesiredState", ro.dump()}});
  EXPECT_EQ(r.error_code, "InvalidRequestException");
  EXPECT_NE(r.body["Message"].get<std::string>().find("#/Arn"), std::string::npos) << r.body;
  r = patch(e, "my-conn", json::array({{{"op", "replace"}, {"path", "/Name"}, {"value", "renamed"}}}));
  EXPECT_EQ(r.error_code, "NotUpdatableException");
  r = e.call("CancelResourceRequest", {{"RequestToken", "no-such-token"}});
  EXPECT_EQ(r.error_code, "RequestTokenNotFoundException");
}

TEST(Service, UnsupportedActionForMissingHandler) {
  // AWS::CloudFormation::Stack-like types without a list handler are rare; fabricate one.
  Options o = test_options();
  o.schema_source = [](const std::string& t) -> std::optional<json> {
    if (t != "Test::Only::Create") return std::nullopt;
    return json{{"typeName", t},
                {"properties", {{"Name", {{"type", "string"}}}}},
                {"primaryIdentifier", {"/properties/Name"}},
                {"handlers", {{"create", {{"permissions", json::array()}}}}}};
  };
  Emulator e(o);
  auto r = e.call("ListResources", {{"TypeName", "Test::Only::Create"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.error_code, "UnsupportedActionException");
}

TEST(Service, JsonPatchEdgeCases) {
  Emulator e(test_options());
  create(e, basic_connection());
  // ~1 and ~0 escapes reach keys with '/' and '~' (rejected by the schema, which proves the key was built).
  auto r = patch(e, "my-conn", json::array({{{"op", "add"}, {"path", "/a~1b~0c"}, {"value", 1}}}));
  EXPECT_EQ(r.error_code, "InvalidRequestException");
  EXPECT_NE(r.body["Message"].get<std::string>().find("#/a~1b~0c"), std::string::npos) << r.body;
  // A failing test op refuses the whole patch.
  r = patch(e, "my-conn",
            json::array({{{"op", "test"}, {"path", "/Description"}, {"value", "wrong"}},
                         {{"op", "replace"}, {"path", "/Description"}, {"value", "new"}}}));
  EXPECT_EQ(r.error_code, "InvalidRequestException");
  EXPECT_EQ(get_props(e, "my-conn")["Description"], "d");
  // Removing a missing path is an error, not a no-op.
  r = patch(e, "my-conn", json::array({{{"op", "remove"}, {"path", "/KmsKeyIdentifier"}}}));
  EXPECT_EQ(r.error_code, "InvalidRequestException");
  // test + copy + move + deep replace in one document, then validated.
  r = patch(e, "my-conn",
            json::array({{{"op", "test"}, {"path", "/Description"}, {"value", "d"}},
                         {{"op", "copy"}, {"from", "/Description"}, {"path", "/KmsKeyIdentifier"}},
                         {{"op", "replace"}, {"path", "/AuthParameters/BasicAuthParameters/Username"}, {"value", "u2"}},
                         {{"op", "move"}, {"from", "/KmsKeyIdentifier"}, {"path", "/Description"}}}));
  EXPECT_EQ(r.status, 200) << r.body;
  json props = get_props(e, "my-conn");
  EXPECT_EQ(props["Description"], "d");
  EXPECT_FALSE(props.contains("KmsKeyIdentifier"));
  EXPECT_EQ(props["AuthParameters"]["BasicAuthParameters"]["Username"], "u2");
  // A patch leaving the model invalid is refused with the path.
  r = patch(e, "my-conn", json::array({{{"op", "replace"}, {"path", "/AuthorizationType"}, {"value", "NOPE"}}}));
  EXPECT_EQ(r.error_code, "InvalidRequestException");
  EXPECT_NE(r.body["Message"].get<std::string>().find("#/AuthorizationType"), std::string::npos);
  // Changing a generated readOnly value is refused.
  r = patch(e, "my-conn", json::array({{{"op", "replace"}, {"path", "/Arn"}, {"value", "x"}}}));
  EXPECT_EQ(r.error_code, "InvalidRequestException");
  // writeOnly values are kept: a test against the stored password passes.
  r = patch(e, "my-conn",
            json::array({{{"op", "test"}, {"path", "/AuthParameters/BasicAuthParameters/Password"}, {"value", "secret-pw"}},
                         {{"op", "replace"}, {"path", "/Description"}, {"value", "pw kept"}}}));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST(Service, ClientTokenIdempotencyAndConflict) {
  Emulator e(test_options());
  json first = create(e, basic_connection(), "token-1");
  json again = create(e, basic_connection(), "token-1");
  EXPECT_EQ(first["ProgressEvent"]["RequestToken"], again["ProgressEvent"]["RequestToken"]);
  auto r = e.call("CreateResource",
                  {{"TypeName", kConnection}, {"DesiredState", basic_connection("x2").dump()}, {"ClientToken", "token-1"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code, "ClientTokenConflictException");
}

TEST(Service, AsyncMutationsConcurrencyAndCancel) {
  Options o = test_options();
  o.async_ms = 300;
  Emulator e(o);
  json ev = create(e, basic_connection())["ProgressEvent"];
  std::string token = ev["RequestToken"];
  // Not visible until done.
  auto r = e.call("GetResource", {{"TypeName", kConnection}, {"Identifier", "my-conn"}});
  EXPECT_EQ(r.error_code, "ResourceNotFoundException");
  r = e.call("GetResourceRequestStatus", {{"RequestToken", token}});
  EXPECT_EQ(r.body["ProgressEvent"]["OperationStatus"], "IN_PROGRESS");
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  r = e.call("GetResourceRequestStatus", {{"RequestToken", token}});
  EXPECT_EQ(r.body["ProgressEvent"]["OperationStatus"], "SUCCESS");
  EXPECT_FALSE(r.body["ProgressEvent"].contains("RetryAfter"));
  r = e.call("CancelResourceRequest", {{"RequestToken", token}});
  EXPECT_EQ(r.error_code, "ConcurrentModificationException");

  json upd = patch(e, "my-conn", json::array({{{"op", "replace"}, {"path", "/Description"}, {"value", "x"}}})).body;
  r = patch(e, "my-conn", json::array({{{"op", "replace"}, {"path", "/Description"}, {"value", "y"}}}));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code, "ConcurrentOperationException");
  r = e.call("CancelResourceRequest", {{"RequestToken", upd["ProgressEvent"]["RequestToken"]}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body["ProgressEvent"]["OperationStatus"], "CANCEL_IN_PROGRESS");
  r = e.call("GetResourceRequestStatus", {{"RequestToken", upd["ProgressEvent"]["RequestToken"]}});
  EXPECT_EQ(r.body["ProgressEvent"]["OperationStatus"], "CANCEL_COMPLETE");
  EXPECT_EQ(get_props(e, "my-conn")["Description"], "d");  // cancelled update left no trace

  r = e.call("ListResourceRequests",
             {{"ResourceRequestStatusFilter", {{"Operations", {"UPDATE"}}, {"OperationStatuses", {"CANCEL_COMPLETE"}}}}});
  ASSERT_EQ(r.body["ResourceRequestStatusSummaries"].size(), 1u) << r.body;
  r = e.call("ListResourceRequests", {{"ResourceRequestStatusFilter", {{"Operations", {"CREATE"}}}}});
  ASSERT_EQ(r.body["ResourceRequestStatusSummaries"].size(), 1u) << r.body;
}

TEST(Service, ListPaginatesPerRegion) {
  Emulator e(test_options());
  for (int i = 0; i < 45; ++i)
    e.call("CreateResource", {{"TypeName", kConnection}, {"DesiredState", basic_connection("c" + std::to_string(i)).dump()}});
  e.call("CreateResource", {{"TypeName", kConnection}, {"DesiredState", basic_connection("west").dump()}}, "us-west-2");
  std::set<std::string> seen;
  json req = {{"TypeName", kConnection}};
  int pages = 0;
  while (true) {
    auto r = e.call("ListResources", req);
    ASSERT_EQ(r.status, 200) << r.body;
    ++pages;
    for (const auto& d : r.body["ResourceDescriptions"]) {
      seen.insert(d["Identifier"].get<std::string>());
      EXPECT_EQ(d["Properties"].get<std::string>().find("secret-pw"), std::string::npos);
    }
    if (!r.body.contains("NextToken")) break;
    req["NextToken"] = r.body["NextToken"];
  }
  EXPECT_EQ(pages, 3);  // 20 + 20 + 5
  EXPECT_EQ(seen.size(), 45u);
  EXPECT_FALSE(seen.count("west"));
  auto r = e.call("ListResources", {{"TypeName", kConnection}, {"MaxResults", 100}}, "us-west-2");
  ASSERT_EQ(r.body["ResourceDescriptions"].size(), 1u);
  r = e.call("ListResources", {{"TypeName", kConnection}, {"MaxResults", 101}});
  EXPECT_EQ(r.status, 400);
  r = e.call("ListResources", {{"TypeName", kConnection}, {"NextToken", "garbage"}});
  EXPECT_EQ(r.error_code, "InvalidRequestException");
}

TEST(Service, StatePersistsAcrossRestarts) {
  auto dir = std::filesystem::temp_directory_path() / ("skyql-emu-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Options o = test_options();
  o.state_dir = dir.string();
  o.async_ms = 200;
  std::string token;
  {
    Emulator e(o);
    create(e, basic_connection("kept"));
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    token = create(e, basic_connection("in-flight"))["ProgressEvent"]["RequestToken"];
  }
  Emulator e(o);
  EXPECT_EQ(get_props(e, "kept")["Name"], "kept");
  EXPECT_FALSE(get_props(e, "kept")["AuthParameters"]["BasicAuthParameters"].contains("Password"));
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  auto r = e.call("GetResourceRequestStatus", {{"RequestToken", token}});
  EXPECT_EQ(r.body["ProgressEvent"]["OperationStatus"], "SUCCESS");  // the restart carried it on
  EXPECT_EQ(get_props(e, "in-flight")["Name"], "in-flight");
  std::filesystem::remove_all(dir);
}

TEST(Service, ListHandlerNeedingParentProperties) {
  // AWS::EKS::Nodegroup-style: the list handler requires ClusterName in ResourceModel.
  Options o = test_options();
  Emulator e(o);
  auto schema = skyql::emulator::testing::schema_from_zip("AWS::EKS::Nodegroup");
  ASSERT_TRUE(schema);
  ASSERT_TRUE((*schema)["handlers"]["list"].contains("handlerSchema")) << (*schema)["handlers"]["list"];
  auto r = e.call("ListResources", {{"TypeName", "AWS::EKS::Nodegroup"}});
  EXPECT_EQ(r.error_code, "InvalidRequestException");
  EXPECT_NE(r.body["Message"].get<std::string>().find("ClusterName"), std::string::npos) << r.body;
  r = e.call("ListResources", {{"TypeName", "AWS::EKS::Nodegroup"}, {"ResourceModel", R"({"ClusterName":"c1"})"}});
  EXPECT_EQ(r.status, 200) << r.body;
}
