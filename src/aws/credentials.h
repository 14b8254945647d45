// aws/credentials — who we are: the AWS CLI's credential chain, in its order.
// environment -> profile (credentials/config files; credential_process; role_arn + source_profile via
// STS AssumeRole) ; StackQL's --auth JSON for awscc. Temporary credentials are cached until shortly
// before they expire. With none found, the error lists every source tried, in order.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aws/sigv4.h"

namespace skyql::aws {

struct CredentialOptions {
  std::string profile;        // --profile; else AWS_PROFILE; else "default"
  std::string auth_json;      // StackQL --auth JSON, e.g. {"awscc":{"type":"aws_signing_v4",...}}
  std::string sts_endpoint;   // override for AssumeRole (tests); else AWS_ENDPOINT_URL_STS / regional
  std::string region;         // --region: also the region STS is called in for role assumption
  std::string ca_bundle;      // --ca-bundle for STS; else AWS_CA_BUNDLE / the profile's ca_bundle
};

class CredentialsProvider {
 public:
  explicit CredentialsProvider(CredentialOptions options = {});
  // Fixed credentials (tests, emulator clients).
  static std::shared_ptr<CredentialsProvider> fixed(Credentials creds);
  // Resolves (and caches) credentials; throws std::runtime_error listing the sources tried.
  Credentials get();
  // Default region: explicit -> AWS_REGION -> AWS_DEFAULT_REGION -> profile region; empty if none.
  std::string default_region(const std::string& explicit_region = "") const;
  // The profile the chain reads: --profile, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
  std::string profile_name() const;

 private:
  CredentialOptions options_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
  Credentials resolve();
  bool fixed_ = false;
};

}  // namespace skyql::aws
