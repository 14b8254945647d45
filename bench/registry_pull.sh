#!/usr/bin/env bash
# Time of a full `skyql registry pull awscc` from the local archive (all 1,665 schemas, and the
# Cloud Control supported subset). Usage: bench/registry_pull.sh [path/to/skyql]
set -euo pipefail
SKYQL=${1:-build/skyql}
SHARED=${SKYQL_SHARED_DIR:-$(dirname "$0")/../../shared}
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT
hyperfine -N --warmup 1 --runs 5 \
  "$SKYQL --home $HOME_DIR registry pull awscc --from $SHARED/cfn/CloudformationSchema.zip" \
  "$SKYQL --home $HOME_DIR registry pull awscc --from $SHARED/cfn/CloudformationSchema.zip --types $SHARED/cfn/cloud-control-supported-types.txt"
/usr/bin/time -v "$SKYQL" --home "$HOME_DIR" registry pull awscc --from "$SHARED/cfn/CloudformationSchema.zip" 2>&1 >/dev/null |
  awk -F: '/Maximum resident/ {printf "registry_pull peak_rss_mb=%.1f\n", $2/1024}'
ls -l "$HOME_DIR/providers/awscc.db" | awk '{printf "provider_db_bytes=%s\n", $5}'
