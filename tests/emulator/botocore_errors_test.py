"""botocore raises the modeled exception for every error the emulator can produce; bad signatures are refused."""
import datetime
import json
import urllib.error
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions

from emu_support import CONNECTION, Emulator, wait_for


def basic(name):
    return json.dumps({"Name": name, "AuthorizationType": "BASIC",
                       "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}})


def expect(client, exc_name, status, fn, **kwargs):
    exc = getattr(client.exceptions, exc_name)
    try:
        fn(**kwargs)
    except exc as e:
        meta = e.response["ResponseMetadata"]
        assert meta["HTTPStatusCode"] == status, (exc_name, meta)
        assert meta["RequestId"], meta
        assert e.response["Error"]["Code"] == exc_name
        return e.response["Error"]["Message"]
    raise AssertionError("expected %s" % exc_name)


def expect_client_error(fn, code, status, **kwargs):
    try:
        fn(**kwargs)
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == code, e.response
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == status, e.response
        return
    raise AssertionError("expected " + code)


def raw_post(endpoint, headers, body=b"{}"):
    req = urllib.request.Request(endpoint + "/", data=body, method="POST", headers=headers)
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), e.headers
    raise AssertionError("request was accepted")


def signed_at(endpoint, when):
    """A GetResource request signed with test:test at `when`."""
    class Clock(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when

        @classmethod
        def now(cls, tz=None):
            return when.replace(tzinfo=tz) if tz else when
    real = botocore.auth.datetime.datetime
    botocore.auth.datetime.datetime = Clock
    try:
        body = json.dumps({"TypeName": CONNECTION, "Identifier": "x"})
        req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
            "X-Amz-Target": "CloudApiService.GetResource", "Content-Type": "application/x-amz-json-1.0"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "cloudcontrolapi", "us-east-1").add_auth(req)
    finally:
        botocore.auth.datetime.datetime = real
    return dict(req.headers.items()), body.encode()


def main():
    with Emulator("--async-ms", "400") as emu:
        c = emu.client()
        ev = c.create_resource(TypeName=CONNECTION, DesiredState=basic("one"), ClientToken="tok-1")["ProgressEvent"]
        # Second mutation while the first is in progress.
        expect(c, "ConcurrentOperationException", 409, c.delete_resource, TypeName=CONNECTION, Identifier="one")
        # Same ClientToken, same request: same RequestToken; different request: conflict.
        again = c.create_resource(TypeName=CONNECTION, DesiredState=basic("one"), ClientToken="tok-1")["ProgressEvent"]
        assert again["RequestToken"] == ev["RequestToken"]
        expect(c, "ClientTokenConflictException", 409, c.create_resource,
               TypeName=CONNECTION, DesiredState=basic("two"), ClientToken="tok-1")
        assert wait_for(c, ev["RequestToken"])["OperationStatus"] == "SUCCESS"
        expect(c, "ConcurrentModificationException", 500, c.cancel_resource_request, RequestToken=ev["RequestToken"])

        # Cancel while in progress.
        upd = c.update_resource(TypeName=CONNECTION, Identifier="one", PatchDocument=json.dumps(
            [{"op": "add", "path": "/Description", "value": "x"}]))["ProgressEvent"]
        cancelled = c.cancel_resource_request(RequestToken=upd["RequestToken"])["ProgressEvent"]
        assert cancelled["OperationStatus"] == "CANCEL_IN_PROGRESS", cancelled
        assert wait_for(c, upd["RequestToken"])["OperationStatus"] == "CANCEL_COMPLETE"

        expect(c, "AlreadyExistsException", 400, c.create_resource, TypeName=CONNECTION, DesiredState=basic("one"))
        expect(c, "ResourceNotFoundException", 404, c.get_resource, TypeName=CONNECTION, Identifier="missing")
        expect(c, "ResourceNotFoundException", 404, c.delete_resource, TypeName=CONNECTION, Identifier="missing")
        expect(c, "TypeNotFoundException", 404, c.get_resource, TypeName="AWS::Nope::Nothing", Identifier="x")
        expect(c, "RequestTokenNotFoundException", 404, c.get_resource_request_status, RequestToken="no-such-token")
        expect(c, "RequestTokenNotFoundException", 404, c.cancel_resource_request, RequestToken="no-such-token")
        msg = expect(c, "InvalidRequestException", 400, c.create_resource, TypeName=CONNECTION,
                     DesiredState=json.dumps({"Name": "bad", "AuthorizationType": "BASIC", "AuthParameters": {
                         "BasicAuthParameters": {"Username": "u\u0001", "Password": "p"}}}))
        assert "#/AuthParameters/BasicAuthParameters/Username" in msg, msg
        msg = expect(c, "InvalidRequestException", 400, c.create_resource, TypeName=CONNECTION,
                     DesiredState=json.dumps({"Name": "ro", "Arn": "arn:aws:events:us-east-1:1:connection/ro/x"}))
        assert "#/Arn" in msg, msg
        expect(c, "NotUpdatableException", 400, c.update_resource, TypeName=CONNECTION, Identifier="one",
               PatchDocument=json.dumps([{"op": "replace", "path": "/Name", "value": "renamed"}]))
        expect(c, "InvalidRequestException", 400, c.update_resource, TypeName=CONNECTION, Identifier="one",
               PatchDocument=json.dumps([{"op": "test", "path": "/Name", "value": "other"}]))
        expect(c, "UnsupportedActionException", 405, c.list_resources, TypeName="AWS::ApiGateway::Account")
        msg = expect(c, "InvalidRequestException", 400, c.list_resources, TypeName="AWS::EKS::Nodegroup")
        assert "ClusterName" in msg, msg

        # Signatures: wrong secret, unknown key, missing, stale, not yet current.
        bad = emu.client(secret="wrong")
        expect_client_error(bad.get_resource, "InvalidSignatureException", 403, TypeName=CONNECTION, Identifier="one")
        stranger = emu.client(key="AKIDUNKNOWN", secret="x")
        expect_client_error(stranger.get_resource, "UnrecognizedClientException", 403, TypeName=CONNECTION, Identifier="one")
        status, body, headers = raw_post(emu.endpoint, {"X-Amz-Target": "CloudApiService.GetResource",
                                                        "Content-Type": "application/x-amz-json-1.0"})
        assert status == 403 and body["__type"].endswith("#MissingAuthenticationTokenException"), body
        assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException" and headers["x-amzn-RequestId"]
        now = datetime.datetime.utcnow()
        for when in (now - datetime.timedelta(minutes=20), now + datetime.timedelta(minutes=20)):
            h, b = signed_at(emu.endpoint, when)
            status, body, _ = raw_post(emu.endpoint, h, b)
            assert status == 403 and body["__type"].endswith("#InvalidSignatureException"), body
            assert "Signature" in body["Message"], body
        h, b = signed_at(emu.endpoint, now)  # the same helper, in time, is accepted
        status, body, headers = raw_post(emu.endpoint, h, b)
        assert status == 404 and body["__type"] == "com.amazonaws.cloudcontrol#ResourceNotFoundException", body
        assert headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
        emu.stop()

    # Resources live per region: a connection in us-west-2 is not in us-east-1.
    with Emulator() as emu:
        west, east = emu.client(region="us-west-2"), emu.client()
        west.create_resource(TypeName=CONNECTION, DesiredState=basic("westy"))
        expect(east, "ResourceNotFoundException", 404, east.get_resource, TypeName=CONNECTION, Identifier="westy")
        arn = json.loads(west.get_resource(TypeName=CONNECTION, Identifier="westy")["ResourceDescription"]["Properties"])["Arn"]
        assert arn.startswith("arn:aws:events:us-west-2:123456789012:"), arn
        emu.stop()
    # Errors a healthy service never produces, injected per operation: botocore must still raise the
    # modeled exception with AWS's status for each.
    injected = {
        "CreateResource": ("ServiceLimitExceededException", 400),
        "UpdateResource": ("ResourceConflictException", 409),
        "DeleteResource": ("GeneralServiceException", 400),
        "GetResource": ("InvalidCredentialsException", 401),
        "ListResources": ("NetworkFailureException", 502),
        "GetResourceRequestStatus": ("ServiceInternalErrorException", 502),
        "ListResourceRequests": ("HandlerInternalFailureException", 502),
    }
    flags = [a for op, (code, _) in injected.items() for a in ("--inject-error", f"{op}:{code}")]
    with Emulator(*flags) as emu:
        c = emu.client()
        expect(c, *injected["CreateResource"], c.create_resource, TypeName=CONNECTION, DesiredState=basic("x"))
        expect(c, *injected["UpdateResource"], c.update_resource, TypeName=CONNECTION, Identifier="x",
               PatchDocument="[]")
        expect(c, *injected["DeleteResource"], c.delete_resource, TypeName=CONNECTION, Identifier="x")
        expect(c, *injected["GetResource"], c.get_resource, TypeName=CONNECTION, Identifier="x")
        expect(c, *injected["ListResources"], c.list_resources, TypeName=CONNECTION)
        expect(c, *injected["GetResourceRequestStatus"], c.get_resource_request_status, RequestToken="t")
        expect(c, *injected["ListResourceRequests"], c.list_resource_requests)
        emu.stop()
    print("ok")


if __name__ == "__main__":
    main()
