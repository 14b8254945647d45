#!/usr/bin/env bash
# skyql's main job on its embedded default: install what is missing, build, install the awscc provider from
# the CloudFormation schemas, then run the seed page's lifecycle for awscc.events.connections against the
# embedded Cloud Control emulator (no AWS account needed): INSERT with AWAIT, SELECT, UPDATE, SELECT, DELETE.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

shared=${SKYQL_SHARED_DIR:-../shared}
export SKYQL_HOME=${SKYQL_HOME:-$PWD/.skyql}
skyql=build/skyql
# A fresh emulator state each run, so the demo always starts from an empty account.
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
run() { echo; echo "\$ skyql $*" | cut -c1-160; "$skyql" "$@"; }

run registry pull awscc --from "$shared/cfn/CloudformationSchema.zip" \
                        --types "$shared/cfn/cloud-control-supported-types.txt"
run exec "SHOW METHODS IN awscc.events.connections"
run exec "DESCRIBE awscc.events.connections"
"$skyql" docs awscc.events.connections > "$SKYQL_HOME/events-connections.md"
echo; echo "(docs page written to $SKYQL_HOME/events-connections.md: $(wc -l < "$SKYQL_HOME/events-connections.md") lines)"

emu=(--emulator --emulator-state "$state")
run exec "${emu[@]}" "/*+ create, AWAIT */
INSERT INTO awscc.events.connections (Name, Description, AuthorizationType, AuthParameters, region)
SELECT 'skyql-demo', 'created by the quickstart', 'API_KEY',
       '{\"ApiKeyAuthParameters\": {\"ApiKeyName\": \"x-api-key\", \"ApiKeyValue\": \"s3cr3t\"}}', 'us-east-1'
RETURNING Identifier, Operation, OperationStatus"
run exec "${emu[@]}" "SELECT region, name, arn, description, authorization_type
FROM awscc.events.connections WHERE region = 'us-east-1' AND data__Identifier = 'skyql-demo'"
run exec "${emu[@]}" "/*+ update, AWAIT */
UPDATE awscc.events.connections
SET data__PatchDocument = string('[{\"op\": \"replace\", \"path\": \"/Description\", \"value\": \"updated by the quickstart\"}]')
WHERE region = 'us-east-1' AND data__Identifier = 'skyql-demo'
RETURNING Identifier, Operation, OperationStatus"
run exec "${emu[@]}" -o json "SELECT name, description FROM awscc.events.connections
WHERE region = 'us-east-1' AND data__Identifier = 'skyql-demo'"
run exec "${emu[@]}" "/*+ delete, AWAIT */
DELETE FROM awscc.events.connections WHERE data__Identifier = 'skyql-demo' AND region = 'us-east-1'
RETURNING Identifier, Operation, OperationStatus"
run exec "${emu[@]}" "SELECT region, name FROM awscc.events.connections_list_only WHERE region = 'us-east-1'"
echo; echo "quickstart: done — the connection was created, read, updated, read and deleted."
