#include "provider/naming.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace skyql::provider {
namespace {

using Cases = std::vector<std::pair<const char*, const char*>>;

TEST(Naming, TableNamesFollowStackQL) {
  const Cases cases = {
      {"AWS::Events::Connection", "connections"},
      {"AWS::IAM::Policy", "policies"},
      {"AWS::Kendra::Index", "indices"},
      {"AWS::Lambda::Alias", "aliases"},
      {"AWS::Events::EventBus", "event_buses"},
      {"AWS::RDS::DBInstance", "db_instances"},
      {"AWS::EC2::IPAMPool", "ipam_pools"},
      {"AWS::EC2::DHCPOptions", "dhcp_options"},
      {"AWS::EC2::EC2Fleet", "ec2fleets"},
      {"AWS::EC2::LocalGatewayRouteTableVPCAssociation", "local_gateway_route_tablevpc_associations"},
      {"AWS::EC2::VPCDHCPOptionsAssociation", "vpcdhcp_options_associations"},
      {"AWS::EC2::SnapshotBlockPublicAccess", "snapshot_block_public_accesses"},
      {"AWS::EC2::VPCEndpointServicePermissions", "vpc_endpoint_service_permissions"},
      {"AWS::EC2::VPCBlockPublicAccessOptions", "vpc_block_public_access_options"},
      {"AWS::EC2::IPAMResourceDiscovery", "ipam_resource_discoveries"},
      {"AWS::EC2::SecurityGroupIngress", "security_group_ingresses"},
      {"AWS::EC2::EIP", "eips"},
      {"AWS::EC2::VPCCidrBlock", "vpc_cidr_blocks"},
      {"AWS::EC2::NetworkInsightsAccessScopeAnalysis", "network_insights_access_scope_analyses"},
      {"AWS::Glue::SchemaVersionMetadata", "schema_version_metadata"},
      {"AWS::Glue::Schema", "schemas"},
      {"AWS::Glue::Registry", "registries"},
      {"AWS::AppSync::GraphQLApi", "graphql_apis"},
      {"AWS::AppMesh::Mesh", "meshes"},
      {"AWS::BedrockAgentCore::Harness", "harnesses"},
      {"AWS::Synthetics::Canary", "canaries"},
      {"AWS::KMS::Key", "keys"},
      {"AWS::SES::EmailIdentity", "email_identities"},
      {"AWS::EMR::Studio", "studios"},
      {"AWS::BedrockAgentCore::Memory", "memories"},
      {"AWS::CloudFormation::Macro", "macros"},
      {"AWS::Amplify::Branch", "branches"},
      {"AWS::MediaLive::Multiplex", "multiplexes"},
      {"AWS::WorkSpacesWeb::UserSettings", "user_settings"},
      {"AWS::Shield::DRTAccess", "drt_accesses"},
      {"AWS::S3::StorageLens", "storage_lens"},
      {"AWS::Lambda::Function", "functions"},
      {"AWS::S3::Bucket", "buckets"},
      {"AWS::CloudFront::CloudFrontOriginAccessIdentity", "cloud_front_origin_access_identities"},
      {"AWS::Comprehend::Flywheel", "flywheels"},
      {"AWS::IoT::Dimension", "dimensions"},
      {"AWS::Pinpoint::Campaign", "campaigns"},
      {"AWS::ApiGateway::Resource", "resources"},
      {"AWS::IVS::StreamKey", "stream_keys"},
  };
  for (const auto& [type, table] : cases) EXPECT_EQ(resource_name(type), table) << type;
}

TEST(Naming, ColumnNamesFollowStackQLAcronyms) {
  const Cases cases = {
      {"ArnForPolicy", "arn_for_policy"},
      {"KmsKeyIdentifier", "kms_key_identifier"},
      {"OAuthParameters", "oauth_parameters"},
      {"OAuthHttpParameters", "oauth_http_parameters"},
      {"ClientID", "client_id"},
      {"EC2InboundPermissions", "e_c2_inbound_permissions"},
      {"EC2ManagedInstance", "e_c2_managed_instance"},
      {"DBInstanceIdentifier", "db_instance_identifier"},
      {"VPCId", "vpc_id"},
      {"DHCPOptionsId", "dhcp_options_id"},
      {"IpamPoolId", "ipam_pool_id"},
      {"Ipv6CidrBlock", "ipv6_cidr_block"},
      {"IPv6Address", "ipv6_address"},
      {"SSESpecification", "sse_specification"},
      {"KMSKeyId", "kms_key_id"},
      {"CACertificateIdentifier", "ca_certificate_identifier"},
      {"RoleARN", "role_arn"},
      {"CallbackURLs", "callback_urls"},
      {"S3Bucket", "s3_bucket"},
      {"Name", "name"},
      {"SecretArn", "secret_arn"},
      {"IsValueSecret", "is_value_secret"},
      {"TTL", "ttl"},
      {"ApiKeyAuthParameters", "api_key_auth_parameters"},
  };
  for (const auto& [prop, col] : cases) EXPECT_EQ(column_name(prop), col) << prop;
}

TEST(Naming, PluralizeWords) {
  const Cases cases = {
      {"status", "statuses"}, {"analysis", "analyses"}, {"matrix", "matrices"}, {"person", "people"},
      {"data", "data"},       {"metadata", "metadata"}, {"series", "series"},   {"life", "lives"},
      {"box", "boxes"},       {"quiz", "quizzes"},      {"policies", "policies"},
  };
  for (const auto& [word, plural] : cases) EXPECT_EQ(pluralize(word), plural) << word;
}

TEST(Naming, ServiceIsSecondDashField) {
  EXPECT_EQ(service_name("aws-events-connection.json"), "events");
  EXPECT_EQ(service_name("aws-ec2-vpc.json"), "ec2");
  EXPECT_EQ(service_name("alexa-ask-skill.json"), "ask");
  EXPECT_EQ(service_name("aws-s3express-bucketpolicy.json"), "s3express");
  EXPECT_EQ(service_name("nodash.json"), "");
}

}  // namespace
}  // namespace skyql::provider
