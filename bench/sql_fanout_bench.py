#!/usr/bin/env python3
"""SQL engine benchmarks against `skyql emulator --latency-ms 100` (see docs/BENCHMARKS.md, "SQL engine").

1. 17-region `*_list_only` query vs the same query on one region (target: within 1.5x).
2. `SELECT *` over 200 resources of one region vs the ideal: list pages + 4 rounds of 50 concurrent GETs,
   each round one latency (target: within 1.5x).
3. The same work with the AWS CLI (`aws cloudcontrol`), as a ratio, in the same run.

Usage: bench/sql_fanout_bench.py [--skyql build/skyql] [--home DIR] [--cli-gets N]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
           "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
           "ap-southeast-1", "ap-southeast-2", "sa-east-1"]
LATENCY_MS = 100


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_emulator(skyql, env, state, latency):
    port = free_port()
    p = subprocess.Popen([skyql, "emulator", "--port", str(port), "--state", state, "--latency-ms", str(latency)],
                         stdout=subprocess.PIPE, text=True, env=env)
    assert "listening" in p.stdout.readline()
    return p, f"http://127.0.0.1:{port}"


def timed(cmd, env, repeat=3):
    best = None
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        dt = time.perf_counter() - t
        if r.returncode != 0:
            raise SystemExit(f"{cmd} failed: {r.stderr}")
        best = dt if best is None else min(best, dt)
        out = r.stdout
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skyql", default=os.path.join(os.path.dirname(__file__), "..", "build", "skyql"))
    ap.add_argument("--home", default=os.environ.get("SKYQL_HOME", os.path.expanduser("~/.skyql")))
    ap.add_argument("--cli-gets", type=int, default=20, help="AWS CLI get-resource calls timed (then scaled to 200)")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"SKYQL_HOME": args.home, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    state = tempfile.mkdtemp(prefix="skyql-bench-")
    try:
        # Populate without latency: 200 log groups in us-east-1, 3 in every other region.
        emu, url = start_emulator(args.skyql, env, state, 0)
        values = ", ".join(f"('/bench/{i:03d}', 7, 'us-east-1')" for i in range(200))
        values += ", " + ", ".join(f"('/bench/{r}/{i}', 7, '{r}')" for r in REGIONS[1:] for i in range(3))
        subprocess.run([args.skyql, "exec", "--endpoint-url", url,
                        f"INSERT /*+ AWAIT */ INTO awscc.logs.log_groups (LogGroupName, RetentionInDays, region) "
                        f"VALUES {values}"], check=True, capture_output=True, env=env)
        emu.terminate()
        emu.wait()

        emu, url = start_emulator(args.skyql, env, state, LATENCY_MS)
        ex = [args.skyql, "exec", "--endpoint-url", url, "-o", "json"]
        one, _ = timed(ex + ["SELECT count(*) AS n FROM awscc.logs.log_groups_list_only WHERE region = 'us-east-1'"], env)
        in_list = ", ".join(f"'{r}'" for r in REGIONS)
        many, out = timed(ex + [f"SELECT count(*) AS n FROM awscc.logs.log_groups_list_only WHERE region IN ({in_list})"], env)
        assert json.loads(out) == [{"n": 248}], out
        full, out = timed(ex + ["SELECT * FROM awscc.logs.log_groups WHERE region = 'us-east-1'"], env)
        assert len(json.loads(out)) == 200
        # Ideal: every list page one latency, then 200 GETs in 4 rounds of 50, each one latency.
        pages = 0
        token = None
        while True:
            cmd = ["aws", "cloudcontrol", "list-resources", "--type-name", "AWS::Logs::LogGroup", "--region",
                   "us-east-1", "--endpoint-url", url, "--output", "json"]
            if token:
                cmd += ["--next-token", token]
            r = json.loads(subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout)
            pages += 1
            token = r.get("NextToken")
            if not token:
                break
        ideal = (pages + 4) * LATENCY_MS / 1000.0

        # The AWS CLI doing the same work, one call after another (as a shell loop would).
        t = time.perf_counter()
        for r in REGIONS:
            subprocess.run(["aws", "cloudcontrol", "list-resources", "--type-name", "AWS::Logs::LogGroup", "--region", r,
                            "--endpoint-url", url], capture_output=True, env=env, check=True)
        cli_lists = time.perf_counter() - t
        t = time.perf_counter()
        for i in range(args.cli_gets):
            subprocess.run(["aws", "cloudcontrol", "get-resource", "--type-name", "AWS::Logs::LogGroup", "--region",
                            "us-east-1", "--identifier", f"/bench/{i:03d}", "--endpoint-url", url],
                           capture_output=True, env=env, check=True)
        cli_gets = (time.perf_counter() - t) * 200 / args.cli_gets
        cli_full = cli_gets + pages * (cli_lists / len(REGIONS))
        emu.terminate()
        emu.wait()

        print(f"latency per request           {LATENCY_MS} ms (emulator --latency-ms)")
        print(f"1 region  list_only            {one * 1000:8.0f} ms")
        print(f"17 regions list_only           {many * 1000:8.0f} ms   ratio {many / one:.2f} (target <= 1.5)")
        print(f"SELECT * 200 resources         {full * 1000:8.0f} ms   ideal {ideal * 1000:.0f} ms "
              f"({pages} list pages + 4 x 50 GETs)  ratio {full / ideal:.2f} (target <= 1.5)")
        print(f"aws cloudcontrol, 17 lists     {cli_lists * 1000:8.0f} ms   = {cli_lists / many:.1f}x skyql")
        print(f"aws cloudcontrol, list+200 get {cli_full * 1000:8.0f} ms   = {cli_full / full:.1f}x skyql "
              f"({args.cli_gets} gets timed, scaled to 200)")
    finally:
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
