"""Starts `skyql emulator` for the e2e tests and gives clients pointed at it.

Environment (from ctest): SKYQL_BIN, SKYQL_TEST_HOME (provider installed there), SKYQL_SHARED_DIR.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import boto3  # a missing boto3 must fail the test, never skip it
import botocore.config
import yaml

ENDPOINT_RE = re.compile(r"(http://[0-9.]+:[0-9]+)")
CONNECTION = "AWS::Events::Connection"


class Emulator:
    def __init__(self, *args):
        env = dict(os.environ)
        env["SKYQL_HOME"] = os.environ["SKYQL_TEST_HOME"]
        self.proc = subprocess.Popen(
            [os.environ["SKYQL_BIN"], "emulator", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        m = ENDPOINT_RE.search(line)
        if not m:
            self.proc.kill()
            raise AssertionError("emulator did not print its address: %r %s" % (line, self.proc.stderr.read()))
        self.endpoint = m.group(1)
        self.port = int(self.endpoint.rsplit(":", 1)[1])
        self.banner = line

    def client(self, key="test", secret="test", region="us-east-1", attempts=1):
        return boto3.client(
            "cloudcontrol", endpoint_url=self.endpoint, region_name=region,
            aws_access_key_id=key, aws_secret_access_key=secret,
            config=botocore.config.Config(retries={"max_attempts": attempts, "mode": "standard"}))

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("emulator did not stop on SIGTERM")
            assert rc == 0, "emulator exited with %d on SIGTERM: %s" % (rc, self.proc.stderr.read())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def wait_for(client, token, timeout=30):
    deadline = time.time() + timeout
    while True:
        ev = client.get_resource_request_status(RequestToken=token)["ProgressEvent"]
        if ev["OperationStatus"] in ("SUCCESS", "FAILED", "CANCEL_COMPLETE"):
            return ev
        assert time.time() < deadline, "request %s still %s" % (token, ev["OperationStatus"])
        time.sleep(0.05)


def seed_manifest_props():
    """The props of the seed page's stack-deploy manifest for AWS::Events::Connection."""
    page = open(os.path.join(os.environ["SKYQL_SHARED_DIR"], "seed", "awscc-events-connections.md")).read()
    block = re.search(r'<TabItem value="manifest">\s*```yaml\n(.*?)```', page, re.S).group(1)
    manifest = yaml.safe_load(block)
    return {p["name"]: p["value"] for p in manifest["resources"][0]["props"]}


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)
