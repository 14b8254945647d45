#!/usr/bin/env bash
# GetResource requests per second against `skyql emulator` on loopback, with SigV4 checked on every request
# and keep-alive connections, plus latency percentiles (wrk --latency).
# The request is signed once by botocore (signatures stay valid for 15 minutes), so wrk only replays it:
# the emulator still verifies the full signature each time.
# Usage: bench/emulator_getresource.sh [SKYQL_BIN] [duration_s=10] [connections=16] [wrk_threads=2]
set -euo pipefail
BIN=${1:-${SKYQL_BIN:-build/skyql}}
DURATION=${2:-10}
CONNECTIONS=${3:-16}
THREADS=${4:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN" emulator --port 0 ${EMULATOR_ARGS:-} > "$WORK/out" 2> "$WORK/err" &
PID=$!
for _ in $(seq 100); do grep -q http "$WORK/out" 2>/dev/null && break; sleep 0.1; done
ENDPOINT=$(grep -o 'http://[0-9.:]*' "$WORK/out")
[ -n "$ENDPOINT" ] || { cat "$WORK/err" >&2; exit 1; }

python3 - "$ENDPOINT" "$WORK/get.lua" <<'PY'
import json, sys
import boto3, botocore.auth, botocore.awsrequest, botocore.credentials
endpoint, lua = sys.argv[1], sys.argv[2]
c = boto3.client("cloudcontrol", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
c.create_resource(TypeName="AWS::Events::Connection", DesiredState=json.dumps({
    "Name": "bench", "AuthorizationType": "BASIC",
    "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}}))
body = json.dumps({"TypeName": "AWS::Events::Connection", "Identifier": "bench"})
req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
    "X-Amz-Target": "CloudApiService.GetResource", "Content-Type": "application/x-amz-json-1.0"})
botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "cloudcontrolapi", "us-east-1").add_auth(req)
headers = dict(req.headers.items())
headers["Host"] = endpoint.split("//")[1]
with open(lua, "w") as f:
    f.write('wrk.method = "POST"\nwrk.body = %s\n' % json.dumps(body))
    for k, v in headers.items():
        f.write('wrk.headers[%s] = %s\n' % (json.dumps(k), json.dumps(v)))
    f.write('''
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d errors=%d rps=%.0f p50_ms=%.3f p99_ms=%.3f\\n", summary.requests, errors,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
''')
# A replayed request must be accepted (200), or the benchmark measures refusals.
import urllib.request
r = urllib.request.urlopen(urllib.request.Request(endpoint + "/", data=body.encode(), headers=headers, method="POST"))
assert r.status == 200, r.status
PY

wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/get.lua" "$ENDPOINT/"
