#!/usr/bin/env bash
# Cold `skyql exec "DESCRIBE awscc.ec2.instances"` with the full provider installed:
# median wall time (hyperfine) and peak RSS (/usr/bin/time -v). Usage: bench/describe_cold.sh [path/to/skyql]
set -euo pipefail
SKYQL=${1:-build/skyql}
SHARED=${SKYQL_SHARED_DIR:-$(dirname "$0")/../../shared}
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT
"$SKYQL" --home "$HOME_DIR" registry pull awscc --from "$SHARED/cfn/CloudformationSchema.zip" >/dev/null
STMT='DESCRIBE awscc.ec2.instances'
hyperfine -N --warmup 5 --runs 100 --export-json "$HOME_DIR/h.json" "$SKYQL --home $HOME_DIR exec '$STMT'" >/dev/null
python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f'describe_cold median_ms={r[\"median\"]*1000:.2f} mean_ms={r[\"mean\"]*1000:.2f}')" "$HOME_DIR/h.json"
/usr/bin/time -v "$SKYQL" --home "$HOME_DIR" exec "$STMT" 2>"$HOME_DIR/t.txt" >/dev/null
awk -F: '/Maximum resident/ {printf "describe_cold peak_rss_mb=%.1f\n", $2/1024}' "$HOME_DIR/t.txt"
