// verify() refuses what AWS refuses, with AWS's error codes.
#include <gtest/gtest.h>

#include "aws/sigv4.h"

using namespace skyql::aws;

namespace {

const Credentials kCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", {}, "test"};
const auto kNow = std::chrono::system_clock::from_time_t(1440938160);  // 2015-08-30T12:36:00Z

std::optional<std::string> lookup(const std::string& id) {
  if (id == kCreds.access_key_id) return kCreds.secret_access_key;
  return std::nullopt;
}

HttpRequest signed_request(std::chrono::system_clock::time_point at = kNow, const Credentials& creds = kCreds) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Host", "cloudcontrolapi.us-east-1.amazonaws.com"},
               {"Content-Type", "application/x-amz-json-1.0"},
               {"X-Amz-Target", "CloudApiService.GetResource"}};
  r.body = R"({"TypeName":"AWS::S3::Bucket","Identifier":"b"})";
  SigningParams p;
  p.region = "us-east-1";
  p.service = "cloudcontrolapi";
  p.time = at;
  sign(r, creds, p);
  return r;
}

void set_header(HttpRequest& r, const std::string& name, const std::string& value) {
  for (auto& h : r.headers)
    if (h.first == name) h.second = value;
}

TEST(SigV4Verify, AcceptsValidRequest) {
  auto v = verify(signed_request(), lookup, kNow + std::chrono::minutes(3));
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(v.region, "us-east-1");
}

TEST(SigV4Verify, MissingAuthentication) {
  HttpRequest r = signed_request();
  std::erase_if(r.headers, [](const auto& h) { return h.first == "Authorization"; });
  auto v = verify(r, lookup, kNow);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.error_code, "MissingAuthenticationTokenException");
}

TEST(SigV4Verify, MalformedAuthorization) {
  for (const std::string bad : {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/cloudcontrolapi/aws4_request",
                                "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc", "Basic dXNlcjpwYXNz",
                                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, SignedHeaders=host, Signature=abc"}) {
    HttpRequest r = signed_request();
    set_header(r, "Authorization", bad);
    auto v = verify(r, lookup, kNow);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.error_code, "IncompleteSignatureException") << bad;
  }
  HttpRequest r = signed_request();
  std::erase_if(r.headers, [](const auto& h) { return h.first == "X-Amz-Date"; });
  auto v = verify(r, lookup, kNow);
  EXPECT_EQ(v.error_code, "IncompleteSignatureException");
  EXPECT_NE(v.message.find("X-Amz-Date"), std::string::npos);
}

TEST(SigV4Verify, StaleOrFutureRequest) {
  auto v = verify(signed_request(), lookup, kNow + std::chrono::minutes(16));
  EXPECT_EQ(v.error_code, "InvalidSignatureException");
  EXPECT_NE(v.message.find("Signature expired"), std::string::npos);
  v = verify(signed_request(), lookup, kNow - std::chrono::minutes(16));
  EXPECT_EQ(v.error_code, "InvalidSignatureException");
  EXPECT_NE(v.message.find("not yet current"), std::string::npos);
  EXPECT_TRUE(verify(signed_request(), lookup, kNow + std::chrono::minutes(14)).ok);
}

TEST(SigV4Verify, WrongSignatureOrTamperedRequest) {
  HttpRequest r = signed_request();
  r.body += " ";
  EXPECT_EQ(verify(r, lookup, kNow).error_code, "InvalidSignatureException");
  r = signed_request();
  set_header(r, "X-Amz-Target", "CloudApiService.DeleteResource");
  EXPECT_EQ(verify(r, lookup, kNow).error_code, "InvalidSignatureException");
  Credentials wrong = kCreds;
  wrong.secret_access_key = "not-the-secret";
  EXPECT_EQ(verify(signed_request(kNow, wrong), lookup, kNow).error_code, "InvalidSignatureException");
}

TEST(SigV4Verify, UnknownAccessKey) {
  Credentials other = kCreds;
  other.access_key_id = "AKIDUNKNOWN";
  auto v = verify(signed_request(kNow, other), lookup, kNow);
  EXPECT_EQ(v.error_code, "UnrecognizedClientException");
}

TEST(SigV4Verify, SessionTokenIsSigned) {
  Credentials temp = kCreds;
  temp.session_token = "token-123";
  HttpRequest r = signed_request(kNow, temp);
  EXPECT_TRUE(verify(r, lookup, kNow).ok);
  set_header(r, "X-Amz-Security-Token", "token-456");
  EXPECT_EQ(verify(r, lookup, kNow).error_code, "InvalidSignatureException");
}

TEST(SigV4Verify, PresignedQueryExpires) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/things?a=1";
  r.headers = {{"Host", "example.amazonaws.com"}};
  SigningParams p;
  p.region = "us-east-1";
  p.service = "service";
  p.time = kNow;
  presign(r, kCreds, p, std::chrono::seconds(60));
  EXPECT_TRUE(verify(r, lookup, kNow + std::chrono::seconds(30)).ok);
  EXPECT_EQ(verify(r, lookup, kNow + std::chrono::seconds(90)).error_code, "InvalidSignatureException");
}

TEST(SigV4Sign, ResigningReplacesPreviousSignature) {
  HttpRequest r = signed_request();
  SigningParams p;
  p.region = "us-east-1";
  p.service = "cloudcontrolapi";
  p.time = kNow + std::chrono::seconds(5);
  sign(r, kCreds, p);
  int auth = 0, date = 0;
  for (const auto& h : r.headers) {
    auth += h.first == "Authorization";
    date += h.first == "X-Amz-Date";
  }
  EXPECT_EQ(auth, 1);
  EXPECT_EQ(date, 1);
  EXPECT_TRUE(verify(r, lookup, kNow).ok);
}

}  // namespace
