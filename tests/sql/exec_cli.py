#!/usr/bin/env python3
"""`skyql exec` and `skyql shell` end to end: the real binary against the embedded emulator (--emulator) and
against `skyql emulator` over --endpoint-url / AWS_ENDPOINT_URL_CLOUDCONTROL; output formats, templating,
dry-run, exit codes and stderr."""
import csv
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

BIN = os.environ["SKYQL_BIN"]
HOME = os.environ["SKYQL_TEST_HOME"]


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e["SKYQL_HOME"] = HOME
    e["AWS_CONFIG_FILE"] = os.devnull
    e["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    e.update(extra)
    return e


class Exec(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.state = os.path.join(cls.tmp.name, "emu")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def skyql(self, *args, stdin=None, ok=True, extra_env=None):
        p = subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True, env=env(**(extra_env or {})),
                           timeout=120)
        if ok:
            self.assertEqual(p.returncode, 0, f"skyql {args} failed:\n{p.stderr}")
        return p

    def emu(self, *args, **kw):
        return self.skyql("exec", "--emulator", "--emulator-state", self.state, *args, **kw)

    def test_meta_statement_in_every_format(self):
        p = self.skyql("exec", "--output", "json", "DESCRIBE awscc.events.connections")
        rows = json.loads(p.stdout)
        self.assertIsInstance(rows, list)
        self.assertIn("name", json.dumps(rows))
        p = self.skyql("exec", "--output", "csv", "DESCRIBE awscc.events.connections")
        self.assertGreater(len(list(csv.reader(io.StringIO(p.stdout)))), 5)

    def test_several_statements_run_in_order(self):
        p = self.skyql("exec", "-o", "csv", "SELECT 1 AS a; SELECT 'x' AS b; DESCRIBE awscc.events.connections")
        lines = p.stdout.splitlines()
        self.assertEqual(lines[:4], ["a", "1", "b", "x"])
        p = self.skyql("exec", "-o", "text", "-H", "SELECT 1 AS a, 'two' AS b")
        self.assertEqual(p.stdout.strip(), "1\ttwo")

    def test_lifecycle_against_embedded_emulator(self):
        conn = "cli-conn"
        self.emu("/*+ create */ INSERT /*+ AWAIT */ INTO awscc.events.connections "
                 "(Name, Description, AuthorizationType, AuthParameters, KmsKeyIdentifier, region) SELECT "
                 "'{{ Name }}', '{{ Description }}', 'API_KEY', "
                 "'{\"ApiKeyAuthParameters\": {\"ApiKeyName\": \"k\", \"ApiKeyValue\": \"v\"}}', '', '{{ region }}'",
                 "--var", f"Name={conn}", "--var", "Description=from the cli", "--var", "region=us-east-1")
        # A second process sees it: the emulator's state persists in --emulator-state.
        p = self.emu("-o", "json", "SELECT region, name, description FROM awscc.events.connections "
                     f"WHERE region = 'us-east-1' AND data__Identifier = '{conn}'")
        self.assertEqual(json.loads(p.stdout), [{"region": "us-east-1", "name": conn, "description": "from the cli"}])
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(f"region: us-east-1\nName: {conn}\ndescription: changed by yaml\n"
                    "authorization_type: API_KEY\n")
        self.emu("--iqldata", f.name,
                 "/*+ update */ UPDATE /*+ AWAIT */ awscc.events.connections SET data__PatchDocument = string('{{ {"
                 "\"Description\": description, \"AuthorizationType\": authorization_type } | generate_patch_document }}') "
                 "WHERE region = '{{ region }}' AND data__Identifier = '{{ Name }}'")
        os.unlink(f.name)
        p = self.emu("-o", "text", "-H", "SELECT description FROM awscc.events.connections "
                     f"WHERE region = 'us-east-1' AND data__Identifier = '{conn}'")
        self.assertEqual(p.stdout.strip(), "changed by yaml")
        p = self.emu("-o", "json", f"DELETE /*+ AWAIT */ FROM awscc.events.connections WHERE data__Identifier = '{conn}' "
                     "AND region = 'us-east-1' RETURNING OperationStatus")
        self.assertEqual(json.loads(p.stdout), [{"OperationStatus": "SUCCESS"}])
        self.assertIn("awaiting DeleteResource", p.stderr)
        p = self.emu("-o", "json", "SELECT name FROM awscc.events.connections_list_only WHERE region = 'us-east-1'")
        self.assertNotIn(conn, p.stdout)

    def test_file_and_dry_run(self):
        with tempfile.NamedTemporaryFile("w", suffix=".iql", delete=False) as f:
            f.write("/*+ create */\nINSERT INTO awscc.logs.log_groups (LogGroupName, RetentionInDays, region)\n"
                    "SELECT '/dry/run', 7, 'eu-west-1';\n"
                    "DELETE FROM awscc.logs.log_groups WHERE data__Identifier = '/dry/run' AND region = 'eu-west-1';\n")
        p = self.emu("-f", f.name, "--dry-run", "-o", "csv")
        os.unlink(f.name)
        rows = list(csv.reader(io.StringIO(p.stdout)))
        self.assertEqual(rows[0], ["operation", "region", "type_name", "identifier", "body"])
        self.assertEqual(rows[1][:3], ["CreateResource", "eu-west-1", "AWS::Logs::LogGroup"])
        self.assertEqual(json.loads(rows[1][4]), {"LogGroupName": "/dry/run", "RetentionInDays": 7})
        self.assertEqual(rows[3][:4], ["DeleteResource", "eu-west-1", "AWS::Logs::LogGroup", "/dry/run"])
        p = self.emu("-o", "json", "SELECT count(*) AS n FROM awscc.logs.log_groups_list_only WHERE region = 'eu-west-1'")
        self.assertEqual(json.loads(p.stdout), [{"n": 0}])

    def test_errors_go_to_stderr_with_nonzero_exit(self):
        p = self.skyql("exec", "SELECT name FROM awscc.events.connections", ok=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(p.stdout, "")
        self.assertIn("awscc.events.connections needs region and data__Identifier: add WHERE region = '...' AND "
                      "data__Identifier = '...' (or query awscc.events.connections_list_only)", p.stderr)
        p = self.skyql("exec", "-o", "csv", "SELECT 1; SELEC 2", ok=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("statement 2: near \"SELEC\": syntax error at line 1, column 1", p.stderr)
        self.assertEqual(p.stdout.strip().splitlines()[-1], "1")  # the first statement ran
        p = self.skyql("exec", "SELECT '{{ missing }}'", ok=False)
        self.assertIn("missing", p.stderr)
        self.assertIn("--var", p.stderr)
        p = self.skyql("exec", "-o", "yaml", "SELECT 1", ok=False)
        self.assertIn("--output", p.stderr)

    def test_endpoint_url_and_env_var_against_skyql_emulator(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([BIN, "emulator", "--port", str(port)], stdout=subprocess.PIPE, text=True, env=env())
        try:
            self.assertIn("listening", server.stdout.readline())
            creds = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-west-2"}
            url = f"http://127.0.0.1:{port}"
            self.skyql("exec", "--endpoint-url", url, "INSERT /*+ AWAIT */ INTO awscc.logs.log_groups (LogGroupName) "
                       "VALUES ('/via/endpoint')", extra_env=creds)
            # region defaults to AWS_REGION; the endpoint from AWS_ENDPOINT_URL_CLOUDCONTROL.
            p = self.skyql("exec", "-o", "json", "SELECT log_group_name, region FROM awscc.logs.log_groups",
                           extra_env={**creds, "AWS_ENDPOINT_URL_CLOUDCONTROL": url})
            self.assertEqual(json.loads(p.stdout), [{"log_group_name": "/via/endpoint", "region": "us-west-2"}])
            # Wrong credentials: the AWS error code and message reach the user.
            p = self.skyql("exec", "--endpoint-url", url, "SELECT * FROM awscc.logs.log_groups",
                           extra_env={**creds, "AWS_SECRET_ACCESS_KEY": "wrong"}, ok=False)
            self.assertIn("ListResources AWS::Logs::LogGroup in us-west-2:", p.stderr)
            self.assertIn("SignatureDoesNotMatch", p.stderr.replace("InvalidSignatureException", "SignatureDoesNotMatch"))
        finally:
            server.terminate()
            server.wait(timeout=30)
            server.stdout.close()

    def test_shell_multiline_errors_and_dot_commands(self):
        script = ("SELECT 1\n  AS one;\n"
                  "SELECT nope FROM awscc.events.connections WHERE region = 'us-east-1';\n"
                  ".output json\n"
                  "SELECT 2 AS two;\n"
                  ".help\n")
        p = self.skyql("shell", stdin=script)
        self.assertIn("one", p.stdout)
        self.assertIn('[{"two":2}]', p.stdout.replace(" ", "").replace("\n", ""))
        self.assertIn("no such column: nope", p.stderr)
        self.assertIn(".output FORMAT", p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
