#!/usr/bin/env python3
"""End-to-end tests of `skyql deploy` against skyql's Cloud Control emulator.

Each scenario starts its own emulator, runs the skyql binary, and checks the emulator's state with
botocore's own Cloud Control client (a second, independent client).

usage: e2e_deploy.py SCENARIO   (seed | chain | rollback | dry_run | bad_input | init)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import boto3  # a missing boto3 must fail the test, never skip it

SKYQL = os.environ["SKYQL_BIN"]
HOME = os.environ["SKYQL_TEST_HOME"]
SOURCE = os.environ["SKYQL_SOURCE_DIR"]
REGION = "us-east-1"


class Emulator:
    def __init__(self, *extra):
        self.proc = subprocess.Popen([SKYQL, "--home", HOME, "emulator", "--port", "0", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"(http://[\d.]+:\d+)", line)
        if not m:
            self.proc.kill()
            raise SystemExit(f"emulator did not start: {line!r} {self.proc.stderr.read()}")
        self.url = m.group(1)
        self.cc = boto3.client("cloudcontrol", region_name=REGION, endpoint_url=self.url,
                               aws_access_key_id="test", aws_secret_access_key="test")

    def identifiers(self, type_name):
        out = []
        for page in self.cc.get_paginator("list_resources").paginate(TypeName=type_name):
            out += [d["Identifier"] for d in page["ResourceDescriptions"]]
        return out

    def properties(self, type_name, identifier):
        return json.loads(self.cc.get_resource(TypeName=type_name, Identifier=identifier)
                          ["ResourceDescription"]["Properties"])

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def skyql(*args, env=None, expect=0):
    e = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION=REGION,
             SKYQL_HOME=HOME)
    e.pop("AWS_PROFILE", None)
    e.update(env or {})
    p = subprocess.run([SKYQL, "--home", HOME, *args], capture_output=True, text=True, env=e, timeout=300)
    print(f"$ skyql {' '.join(args)}\n{p.stdout}{p.stderr}(exit {p.returncode})")
    if expect is not None and p.returncode != expect:
        raise AssertionError(f"exit {p.returncode}, expected {expect}: {p.stderr}")
    return p


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def copy_example(name, tmp):
    dst = os.path.join(tmp, name)
    shutil.copytree(os.path.join(SOURCE, "examples", name), dst)
    return dst


SEED_VARS = ["-e", "AWS_REGION=us-east-1", "-e", "Name=skyql-seed-conn", "-e", "Description=first",
             "-e", "AuthorizationType=API_KEY", "-e", "ApiKeyName=x-api-key", "-e", "ApiKeyValue=s3cr3t-value"]


def scenario_seed(emu, tmp):
    stack = copy_example("events-connection", tmp)
    # The manifest is the seed page's, byte for byte.
    page = open(os.path.join(os.environ["SKYQL_SHARED_DIR"], "seed", "awscc-events-connections.md")).read()
    start = page.index("```yaml\n") + 8
    check(open(os.path.join(stack, "stackql_manifest.yml")).read() == page[start:page.index("```", start)],
          "examples/events-connection/stackql_manifest.yml differs from the seed page's manifest")
    ep = ["--endpoint-url", emu.url]
    t = "AWS::Events::Connection"

    p = skyql("deploy", "build", stack, "dev", *SEED_VARS, *ep)
    check(re.search(r"connection\s+create\s+done", p.stdout), "build did not create")
    check(emu.identifiers(t) == ["skyql-seed-conn"], f"not created: {emu.identifiers(t)}")
    props = emu.properties(t, "skyql-seed-conn")
    check(props["AuthorizationType"] == "API_KEY" and props["Description"] == "first", props)
    check(props["AuthParameters"]["ApiKeyAuthParameters"]["ApiKeyName"] == "x-api-key", props)

    p = skyql("deploy", "build", stack, "dev", *SEED_VARS, *ep)
    check("1 no change" in p.stdout and "create " not in p.stdout.replace("created", ""), "second build changed something")

    changed = [v if v != "Description=first" else "Description=second" for v in SEED_VARS]
    p = skyql("deploy", "plan", stack, "dev", *changed, *ep)
    check("plan: connection update" in p.stdout and "second" in p.stdout, "plan did not show the update")
    check(emu.properties(t, "skyql-seed-conn")["Description"] == "first", "plan changed the resource")

    p = skyql("deploy", "build", stack, "dev", *changed, *ep)
    check("1 updated" in p.stdout, "changed prop did not update")
    check(emu.properties(t, "skyql-seed-conn")["Description"] == "second", "update not applied")

    skyql("deploy", "test", stack, "dev", *changed, *ep)
    p = skyql("deploy", "test", stack, "dev", *SEED_VARS, *ep, expect=1)
    check("resource 'connection', anchor 'statecheck'" in p.stderr, "test of a drifted resource did not fail")

    p = skyql("deploy", "plan", stack, "dev", *changed, *ep)
    check("plan: connection no change" in p.stdout, "plan after build is not 'no change'")

    p = skyql("deploy", "teardown", stack, "dev", *changed, *ep)
    check(re.search(r"connection\s+delete\s+done", p.stdout), "teardown did not delete")
    check(emu.identifiers(t) == [], "connection still there after teardown")
    p = skyql("deploy", "teardown", stack, "dev", *changed, *ep)
    check("1 absent" in p.stdout, "second teardown should find nothing")


CHAIN_TYPES = ["AWS::Events::EventBus", "AWS::Events::Archive", "AWS::Logs::LogGroup"]


def scenario_chain(emu, tmp):
    stack = copy_example("events-archive-chain", tmp)
    out = os.path.join(tmp, "out.json")
    skyql("deploy", "build", stack, "dev", "--endpoint-url", emu.url, "--output-file", out)
    buses = emu.identifiers("AWS::Events::EventBus")
    check(buses == ["events-archive-chain-dev-bus"], buses)
    bus = emu.properties("AWS::Events::EventBus", buses[0])
    archive = emu.properties("AWS::Events::Archive", "events-archive-chain-dev-archive")
    check(archive["SourceArn"] == bus["Arn"], f"archive not fed by the bus export: {archive}")
    group = emu.properties("AWS::Logs::LogGroup", "/skyql/events-archive-chain-dev-archive")
    check(group["Tags"] == [{"Key": "archive", "Value": archive["Arn"]}], f"log group not fed: {group}")
    result = json.load(open(out))
    check(result["bus_arn"] == bus["Arn"] and result["archive_arn"] == archive["Arn"]
          and result["log_group_arn"] == group["Arn"], result)
    check(result["stack_name"] == "events-archive-chain" and result["stack_env"] == "dev", result)
    check(re.fullmatch(r"\d+:\d\d:\d\d\.\d{6}", result["elapsed_time"]), result)
    skyql("deploy", "test", stack, "dev", "--endpoint-url", emu.url)
    skyql("deploy", "teardown", stack, "dev", "--endpoint-url", emu.url)
    for t in CHAIN_TYPES:
        check(emu.identifiers(t) == [], f"{t} left after teardown")


def scenario_rollback(emu, tmp):
    stack = copy_example("events-archive-chain", tmp)
    # The third resource fails: 2 days is not a retention CloudWatch Logs accepts.
    p = skyql("deploy", "build", stack, "dev", "-e", "LOG_RETENTION=2", "--on-failure", "rollback",
              "--endpoint-url", emu.url, expect=1)
    check("resource 'log_group', anchor 'create'" in p.stderr, f"failure not named: {p.stderr}")
    check("RetentionInDays" in p.stderr, "the AWS error is not in the message")
    check("rolled back (deleted, newest first): archive, bus" in p.stdout, "rollback not reported")
    for t in CHAIN_TYPES:
        check(emu.identifiers(t) == [], f"{t} left after rollback")
    # Without rollback the first two stay.
    skyql("deploy", "build", stack, "dev", "-e", "LOG_RETENTION=2", "--endpoint-url", emu.url, expect=1)
    check(len(emu.identifiers("AWS::Events::Archive")) == 1, "archive should stay without rollback")
    skyql("deploy", "teardown", stack, "dev", "--endpoint-url", emu.url)


def scenario_dry_run(emu, tmp):
    stack = copy_example("events-archive-chain", tmp)
    # Nothing listens on port 9: any call would fail the run.
    p = skyql("deploy", "build", stack, "dev", "--dry-run", "--endpoint-url", "http://127.0.0.1:9")
    check("INSERT INTO awscc.events.event_buses" in p.stdout, "dry run did not show the statements")
    check("/skyql/<evaluated>" in p.stdout, "exports of a dry run should be placeholders")
    p = skyql("deploy", "build", stack, "dev", "--dry-run", "--endpoint-url", emu.url)
    for t in CHAIN_TYPES:
        check(emu.identifiers(t) == [], f"dry run created {t}")
    skyql("deploy", "teardown", stack, "dev", "--dry-run", "--endpoint-url", "http://127.0.0.1:9")


def scenario_bad_input(emu, tmp):
    ep = ["--endpoint-url", emu.url]

    def broken(edit):
        d = tempfile.mkdtemp(dir=tmp)
        stack = os.path.join(d, "s")
        shutil.copytree(os.path.join(SOURCE, "examples", "events-archive-chain"), stack)
        edit(stack)
        return stack

    def expect_error(stack, pattern):
        p = skyql("deploy", "build", stack, "dev", *ep, expect=1)
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        check(len(lines) == 1 and re.search(pattern, lines[0]), f"want one line matching {pattern!r}: {p.stderr!r}")
        for t in CHAIN_TYPES:
            check(emu.identifiers(t) == [], f"bad input still changed {t}")

    def yaml_error(s):
        path = os.path.join(s, "stackql_manifest.yml")
        text = open(path).read().replace("  - name: archive\n", "  - name: archive\n   bad: [\n", 1)
        open(path, "w").write(text)
    expect_error(broken(yaml_error), r"stackql_manifest\.yml:\d+:\d+: YAML error")

    expect_error(broken(lambda s: os.remove(os.path.join(s, "resources", "log_group.iql"))),
                 r"resource 'log_group' needs the query file .*log_group\.iql")

    def no_create(s):
        path = os.path.join(s, "resources", "log_group.iql")
        text = open(path).read()
        open(path, "w").write(re.sub(r"/\*\+ create \*/.*?;\n", "", text, flags=re.S))
    expect_error(broken(no_create), r"log_group\.iql: resource 'log_group' \(type resource\) needs a /\*\+ create \*/")

    def prd_only(s):
        path = os.path.join(s, "stackql_manifest.yml")
        text = open(path).read().replace("          dev:\n            value: 1\n", "")
        open(path, "w").write(text)
    expect_error(broken(prd_only), r"prop 'retention_days' of resource 'archive' has no value for environment 'dev'")


def scenario_init(emu, tmp):
    stack = os.path.join(tmp, "starter")
    skyql("deploy", "init", stack, "--provider", "aws")
    p = skyql("deploy", "build", stack, "dev", "--endpoint-url", emu.url)
    check(emu.identifiers("AWS::Logs::LogGroup") == ["starter-dev-logs"], "starter did not build")
    group = emu.properties("AWS::Logs::LogGroup", "starter-dev-logs")
    check(group["RetentionInDays"] == 7, group)
    check({"Key": "stack-env", "Value": "dev"} in group["Tags"], f"merge of global_tags missing: {group}")
    skyql("deploy", "test", stack, "dev", "--endpoint-url", emu.url)
    skyql("deploy", "teardown", stack, "dev", "--endpoint-url", emu.url)
    check(emu.identifiers("AWS::Logs::LogGroup") == [], "starter not torn down")
    skyql("deploy", "init", stack, expect=1)


def main():
    name = sys.argv[1]
    fn = globals()[f"scenario_{name}"]
    extra = ["--async-ms", "50"]
    emu = Emulator(*extra)
    tmp = tempfile.mkdtemp(prefix=f"skyql-deploy-{name}-")
    try:
        fn(emu, tmp)
    finally:
        emu.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"scenario {name}: ok")


if __name__ == "__main__":
    main()
