// provider/naming — how CloudFormation names become SQL names, following StackQL's awscc provider.
//
// Promises (each rule is what StackQL's generator does, so queries written for StackQL work here):
//  - column_name("ArnForPolicy") == "arn_for_policy", ("OAuthParameters") == "oauth_parameters",
//    ("ClientID") == "client_id", ("EC2InboundPermissions") == "e_c2_inbound_permissions".
//  - resource_name("AWS::Events::EventBus") == "event_buses", ("DBInstance") == "db_instances",
//    ("DHCPOptions") == "dhcp_options", ("EC2Fleet") == "ec2fleets".
//  - service_name("aws-events-connection.json") == "events".
#pragma once

#include <string>
#include <string_view>

namespace skyql::provider {

// Snake-cased SQL column name of a CloudFormation property name.
std::string column_name(std::string_view property);
// Snake case of a type's last part ("DBInstance" -> "db_instance"), without pluralising.
std::string resource_snake_case(std::string_view type_last_part);
// English plural of a snake_case resource name, on its last word ("event_bus" -> "event_buses").
std::string pluralize(std::string_view word);
// Table name of a type name or of its last part: "AWS::Events::Connection" -> "connections".
std::string resource_name(std::string_view type_name);
// Service of a schema file name: the second dash-separated field, "" when there is none.
std::string service_name(std::string_view file_name);

}  // namespace skyql::provider
