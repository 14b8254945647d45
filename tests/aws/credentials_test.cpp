// The credential chain, from files and scripts this test writes; STS is a loopback server.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "aws/credentials.h"
#include "loopback_server.h"

using namespace skyql::aws;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kAwsEnv = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE", "HOME", "MY_KEY", "MY_SECRET"};

CredentialOptions with_profile(const std::string& profile, const std::string& sts = "") {
  CredentialOptions o;
  o.profile = profile;
  o.sts_endpoint = sts;
  return o;
}

CredentialOptions with_auth(const std::string& json) {
  CredentialOptions o;
  o.auth_json = json;
  return o;
}

// Each test gets a clean AWS environment and its own ~/.aws.
class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& n : kAwsEnv) {
      const char* v = std::getenv(n.c_str());
      saved_.push_back(v ? std::optional<std::string>(v) : std::nullopt);
      unsetenv(n.c_str());
    }
    dir_ = fs::temp_directory_path() / ("skyql-creds-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / ".aws");
    setenv("HOME", dir_.c_str(), 1);
  }
  void TearDown() override {
    for (size_t i = 0; i < kAwsEnv.size(); ++i) {
      if (saved_[i]) setenv(kAwsEnv[i].c_str(), saved_[i]->c_str(), 1);
      else unsetenv(kAwsEnv[i].c_str());
    }
    fs::remove_all(dir_);
  }
  void write(const fs::path& rel, const std::string& text) {
    std::ofstream(dir_ / rel) << text;
  }
  std::string path(const std::string& rel) const { return (dir_ / rel).string(); }

  fs::path dir_;
  std::vector<std::optional<std::string>> saved_;
};

TEST_F(CredentialsTest, EnvironmentComesFirst) {
  write(".aws/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n");
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  setenv("AWS_SESSION_TOKEN", "envtoken", 1);
  auto c = CredentialsProvider().get();
  EXPECT_EQ(c.access_key_id, "ENVKEY");
  EXPECT_EQ(c.session_token, "envtoken");
  EXPECT_EQ(c.source, "environment");
}

TEST_F(CredentialsTest, ExplicitProfileBeatsEnvironmentButAwsProfileDoesNot) {
  write(".aws/credentials", "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = devsecret\n");
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  EXPECT_EQ(CredentialsProvider(with_profile("dev")).get().access_key_id, "DEVKEY");
  setenv("AWS_PROFILE", "dev", 1);
  EXPECT_EQ(CredentialsProvider().get().access_key_id, "ENVKEY");
  unsetenv("AWS_ACCESS_KEY_ID");
  EXPECT_EQ(CredentialsProvider().get().access_key_id, "DEVKEY");
}

TEST_F(CredentialsTest, ProfilesFromBothFilesAndCustomPaths) {
  write("creds.ini", "# comment\n[default]\naws_access_key_id=DEFKEY\naws_secret_access_key=defsecret\n"
                     "aws_session_token = deftoken\n");
  write("config.ini", "[default]\nregion = eu-west-1\n[profile cfg]\naws_access_key_id = CFGKEY\n"
                      "aws_secret_access_key = cfgsecret\nregion = ap-south-1\ns3 =\n  max_concurrent_requests = 4\n");
  setenv("AWS_SHARED_CREDENTIALS_FILE", path("creds.ini").c_str(), 1);
  setenv("AWS_CONFIG_FILE", path("config.ini").c_str(), 1);
  auto d = CredentialsProvider().get();
  EXPECT_EQ(d.access_key_id, "DEFKEY");
  EXPECT_EQ(d.session_token, "deftoken");
  CredentialsProvider cfg(with_profile("cfg"));
  EXPECT_EQ(cfg.get().access_key_id, "CFGKEY");
  EXPECT_EQ(cfg.default_region(), "ap-south-1");
  EXPECT_EQ(CredentialsProvider().default_region(), "eu-west-1");
}

TEST_F(CredentialsTest, DefaultRegionChain) {
  write(".aws/config", "[profile p]\nregion = us-west-1\n");
  CredentialsProvider p(with_profile("p"));
  EXPECT_EQ(p.default_region(), "us-west-1");
  setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
  EXPECT_EQ(p.default_region(), "eu-central-1");
  setenv("AWS_REGION", "eu-north-1", 1);
  EXPECT_EQ(p.default_region(), "eu-north-1");
  EXPECT_EQ(p.default_region("sa-east-1"), "sa-east-1");
}

TEST_F(CredentialsTest, CredentialProcessIsCachedUntilExpiry) {
  auto in_one_hour = std::chrono::system_clock::now() + std::chrono::hours(1);
  std::string exp = format_amz_date(in_one_hour);  // 20261126T070000Z -> ISO 8601 below
  std::string iso = exp.substr(0, 4) + "-" + exp.substr(4, 2) + "-" + exp.substr(6, 2) + "T" + exp.substr(9, 2) + ":" +
                    exp.substr(11, 2) + ":" + exp.substr(13, 2) + "Z";
  write("proc.sh", "#!/bin/sh\necho run >> " + path("runs.txt") + "\n"
                   "echo '{\"Version\": 1, \"AccessKeyId\": \"PROCKEY\", \"SecretAccessKey\": \"procsecret\", "
                   "\"SessionToken\": \"proctoken\", \"Expiration\": \"'\"$1\"'\"}'\n");
  fs::permissions(dir_ / "proc.sh", fs::perms::owner_all);
  write(".aws/config", "[profile fresh]\ncredential_process = " + path("proc.sh") + " " + iso +
                           "\n[profile stale]\ncredential_process = " + path("proc.sh") + " 2000-01-01T00:00:00Z\n");
  auto runs = [&] {
    std::ifstream in(path("runs.txt"));
    int n = 0;
    std::string line;
    while (std::getline(in, line)) ++n;
    return n;
  };
  CredentialsProvider fresh(with_profile("fresh"));
  auto c = fresh.get();
  EXPECT_EQ(c.access_key_id, "PROCKEY");
  EXPECT_EQ(c.session_token, "proctoken");
  EXPECT_NEAR(std::chrono::duration<double>(c.expiration - in_one_hour).count(), 0, 1.5);
  fresh.get();
  fresh.get();
  EXPECT_EQ(runs(), 1) << "unexpired credentials must come from the cache";
  CredentialsProvider stale(with_profile("stale"));
  stale.get();
  stale.get();
  EXPECT_EQ(runs(), 3) << "expired credentials must be fetched again";
}

TEST_F(CredentialsTest, CredentialProcessFailureIsReported) {
  write(".aws/config", "[profile bad]\ncredential_process = /bin/false\n");
  try {
    CredentialsProvider(with_profile("bad")).get();
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("credential_process of profile 'bad' failed"), std::string::npos) << e.what();
  }
}

struct StsCall {
  std::map<std::string, std::string> form;
  std::string verify_error;
};

std::map<std::string, std::string> parse_form(const std::string& body) {
  std::map<std::string, std::string> out;
  httplib::Params params;
  httplib::detail::parse_query_text(body, params);
  for (const auto& [k, v] : params) out[k] = v;
  return out;
}

TEST_F(CredentialsTest, AssumeRoleThroughStsIsCached) {
  std::vector<StsCall> calls;
  std::mutex m;
  skyql::testing::LoopbackServer sts([&](const httplib::Request& req, httplib::Response& res) {
    StsCall call;
    call.form = parse_form(req.body);
    auto v = verify(skyql::testing::to_signable(req), [](const std::string& id) -> std::optional<std::string> {
      if (id == "BASEKEY") return "basesecret";
      return std::nullopt;
    });
    if (!v.ok) call.verify_error = v.error_code;
    if (v.ok && v.region != "eu-west-2") call.verify_error = "region " + v.region;
    {
      std::lock_guard lock(m);
      calls.push_back(call);
    }
    res.set_content(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
        "<AssumedRoleUser><AssumedRoleId>AROA:sess</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/R/sess</Arn>"
        "</AssumedRoleUser><Credentials><AccessKeyId>ASIAROLEKEY</AccessKeyId><SecretAccessKey>role/secret+x</SecretAccessKey>"
        "<SessionToken>FwoGZXIvYXdzE&amp;token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
        "</AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>",
        "text/xml");
  });
  write(".aws/credentials", "[base]\naws_access_key_id = BASEKEY\naws_secret_access_key = basesecret\n");
  write(".aws/config", "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = base\n"
                       "external_id = ext-42\nrole_session_name = sess\nduration_seconds = 900\nregion = eu-west-2\n");
  CredentialsProvider p(with_profile("admin", sts.url()));
  auto c = p.get();
  EXPECT_EQ(c.access_key_id, "ASIAROLEKEY");
  EXPECT_EQ(c.secret_access_key, "role/secret+x");
  EXPECT_EQ(c.session_token, "FwoGZXIvYXdzE&token");
  EXPECT_NE(c.source.find("assume role"), std::string::npos);
  p.get();
  ASSERT_EQ(calls.size(), 1u) << "temporary credentials must be cached";
  EXPECT_EQ(calls[0].verify_error, "");
  EXPECT_EQ(calls[0].form["Action"], "AssumeRole");
  EXPECT_EQ(calls[0].form["Version"], "2011-06-15");
  EXPECT_EQ(calls[0].form["RoleArn"], "arn:aws:iam::123456789012:role/R");
  EXPECT_EQ(calls[0].form["ExternalId"], "ext-42");
  EXPECT_EQ(calls[0].form["RoleSessionName"], "sess");
  EXPECT_EQ(calls[0].form["DurationSeconds"], "900");

  // The STS endpoint may also come from the environment.
  setenv("AWS_ENDPOINT_URL_STS", sts.url().c_str(), 1);
  CredentialsProvider(with_profile("admin")).get();
  EXPECT_EQ(calls.size(), 2u);
}

TEST_F(CredentialsTest, AssumeRoleRefusedByStsNamesTheError) {
  skyql::testing::LoopbackServer sts([](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed to assume"
                    "</Message></Error></ErrorResponse>",
                    "text/xml");
  });
  write(".aws/credentials", "[base]\naws_access_key_id = BASEKEY\naws_secret_access_key = basesecret\n");
  write(".aws/config", "[profile admin]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\n");
  try {
    CredentialsProvider(with_profile("admin", sts.url())).get();
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("AccessDenied: not allowed to assume"), std::string::npos) << msg;
    EXPECT_NE(msg.find("arn:aws:iam::1:role/R"), std::string::npos) << msg;
  }
}

TEST_F(CredentialsTest, NoCredentialsListsSourcesInOrder) {
  try {
    CredentialsProvider().get();
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    size_t env = msg.find("environment variables"), role = msg.find("role_arn"),
           shared = msg.find("shared credentials file"), proc = msg.find("credential_process"),
           config = msg.find("config file");
    ASSERT_NE(env, std::string::npos) << msg;
    ASSERT_NE(shared, std::string::npos) << msg;
    ASSERT_NE(proc, std::string::npos) << msg;
    ASSERT_NE(config, std::string::npos) << msg;
    EXPECT_LT(env, role);
    EXPECT_LT(role, shared);
    EXPECT_LT(shared, proc);
    EXPECT_LT(proc, config);
  }
}

TEST_F(CredentialsTest, MissingNamedProfileIsAnError) {
  try {
    CredentialsProvider(with_profile("ghost")).get();
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("profile 'ghost' not found"), std::string::npos) << e.what();
  }
}

TEST_F(CredentialsTest, StackqlAuthJson) {
  setenv("MY_KEY", "AUTHKEY", 1);
  setenv("MY_SECRET", "authsecret", 1);
  CredentialsProvider p(with_auth(R"({"awscc":{"type":"aws_signing_v4","keyIDenvvar":"MY_KEY","credentialsenvvar":"MY_SECRET"}})"));
  auto c = p.get();
  EXPECT_EQ(c.access_key_id, "AUTHKEY");
  EXPECT_EQ(c.secret_access_key, "authsecret");
  CredentialsProvider wrong(with_auth(R"({"awscc":{"type":"basic"}})"));
  EXPECT_THROW(wrong.get(), std::runtime_error);
  unsetenv("MY_SECRET");
  try {
    CredentialsProvider(with_auth(R"({"awscc":{"type":"aws_signing_v4","keyIDenvvar":"MY_KEY","credentialsenvvar":"MY_SECRET"}})")).get();
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("MY_SECRET"), std::string::npos) << e.what();
  }
}

TEST_F(CredentialsTest, FixedCredentials) {
  auto p = CredentialsProvider::fixed({"AK", "SK", "", {}, ""});
  EXPECT_EQ(p->get().access_key_id, "AK");
  EXPECT_EQ(p->get().source, "fixed");
}

}  // namespace
