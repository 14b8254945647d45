"""The AWS CLI drives the full life of an AWS::Events::Connection built from the seed page's manifest."""
import json
import os
import subprocess
import time

from emu_support import CONNECTION, Emulator, seed_manifest_props

VALUES = {
    "Name": "skyql-e2e-connection",
    "Description": "made by the skyql emulator e2e test",
    "AuthorizationType": "BASIC",
    "Username": "alice",
    "Password": "s3cret-password",
    "Key": "X-Trace",
    "Value": "on",
    "IsValueSecret": False,
    "ResourceConfigurationArn": "arn:aws:vpc-lattice:us-east-1:123456789012:resourceconfiguration/rcfg-0123456789abcdef0",
    "KmsKeyIdentifier": "alias/skyql-test",
}


def fill(value):
    """Replaces the manifest's '{{ X }}' placeholders with test values; drops nulls."""
    if isinstance(value, str):
        key = value.strip("{} ")
        return VALUES.get(key, value) if value.startswith("{{") else value
    if isinstance(value, list):
        return [fill(v) for v in value if v is not None]
    if isinstance(value, dict):
        return {k: fill(v) for k, v in value.items() if v is not None}
    return value


def desired_state():
    props = {k: fill(v) for k, v in seed_manifest_props().items()}
    auth = props["AuthParameters"]
    # The manifest lists every alternative; the schema's oneOf allows exactly one kind of auth (BASIC here),
    # and ResourceAssociationArn is readOnly, so keep what a real BASIC connection sends.
    props["AuthParameters"] = {
        "BasicAuthParameters": auth["BasicAuthParameters"],
        "InvocationHttpParameters": {"HeaderParameters": auth["OAuthParameters"]["OAuthHttpParameters"]["HeaderParameters"]},
    }
    props["InvocationConnectivityParameters"] = {
        "ResourceParameters": {"ResourceConfigurationArn": VALUES["ResourceConfigurationArn"]}}
    assert set(props) == {"Name", "Description", "AuthorizationType", "AuthParameters",
                          "InvocationConnectivityParameters", "KmsKeyIdentifier"}, props
    return props


def aws(emu, *args, expect_error=None):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    env.pop("AWS_PROFILE", None)
    cmd = ["aws", "cloudcontrol", *args, "--endpoint-url", emu.endpoint, "--region", "us-east-1", "--output", "json"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if expect_error:
        assert p.returncode != 0 and expect_error in p.stderr, (cmd, p.returncode, p.stdout, p.stderr)
        return p.stderr
    assert p.returncode == 0, (cmd, p.stdout, p.stderr)
    return json.loads(p.stdout) if p.stdout.strip() else {}


def wait_cli(emu, token):
    for _ in range(200):
        ev = aws(emu, "get-resource-request-status", "--request-token", token)["ProgressEvent"]
        if ev["OperationStatus"] not in ("PENDING", "IN_PROGRESS"):
            return ev
        time.sleep(0.1)
    raise AssertionError("request %s never finished" % token)


def main():
    with Emulator("--async-ms", "300") as emu:
        assert "test:test" in emu.banner, emu.banner
        desired = desired_state()
        name = desired["Name"]
        ev = aws(emu, "create-resource", "--type-name", CONNECTION, "--desired-state", json.dumps(desired))["ProgressEvent"]
        assert ev["OperationStatus"] == "IN_PROGRESS" and ev["Identifier"] == name, ev
        assert "RetryAfter" in ev, ev
        done = wait_cli(emu, ev["RequestToken"])
        assert done["OperationStatus"] == "SUCCESS", done

        got = aws(emu, "get-resource", "--type-name", CONNECTION, "--identifier", name)
        props = json.loads(got["ResourceDescription"]["Properties"])
        assert props["Arn"].startswith("arn:aws:events:us-east-1:123456789012:connection/%s/" % name), props
        assert props["ArnForPolicy"] == "arn:aws:events:us-east-1:123456789012:connection/%s" % name, props
        assert props["Description"] == desired["Description"]
        assert props["InvocationConnectivityParameters"]["ResourceParameters"]["ResourceConfigurationArn"]
        text = got["ResourceDescription"]["Properties"]
        for secret in ("s3cret-password", "X-Trace"):
            assert secret not in text, "writeOnly value returned: " + text
        assert "Password" not in props["AuthParameters"]["BasicAuthParameters"]
        assert "InvocationHttpParameters" not in props["AuthParameters"]

        listed = aws(emu, "list-resources", "--type-name", CONNECTION)
        assert [d["Identifier"] for d in listed["ResourceDescriptions"]] == [name], listed

        patch = [{"op": "replace", "path": "/Description", "value": "patched"},
                 {"op": "replace", "path": "/AuthParameters/BasicAuthParameters/Username", "value": "bob"}]
        ev = aws(emu, "update-resource", "--type-name", CONNECTION, "--identifier", name,
                 "--patch-document", json.dumps(patch))["ProgressEvent"]
        assert ev["Operation"] == "UPDATE" and ev["OperationStatus"] == "IN_PROGRESS", ev
        assert wait_cli(emu, ev["RequestToken"])["OperationStatus"] == "SUCCESS"
        props = json.loads(aws(emu, "get-resource", "--type-name", CONNECTION, "--identifier", name)
                           ["ResourceDescription"]["Properties"])
        assert props["Description"] == "patched" and props["AuthParameters"]["BasicAuthParameters"]["Username"] == "bob"

        ev = aws(emu, "delete-resource", "--type-name", CONNECTION, "--identifier", name)["ProgressEvent"]
        assert wait_cli(emu, ev["RequestToken"])["OperationStatus"] == "SUCCESS"
        aws(emu, "get-resource", "--type-name", CONNECTION, "--identifier", name, expect_error="ResourceNotFoundException")
        reqs = aws(emu, "list-resource-requests")["ResourceRequestStatusSummaries"]
        assert [r["Operation"] for r in reqs] == ["DELETE", "UPDATE", "CREATE"], reqs
        emu.stop()
    print("ok")


if __name__ == "__main__":
    main()
