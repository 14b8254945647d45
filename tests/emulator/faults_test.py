"""Fault injection: throttling, handler failures (5xx and FAILED progress events), latency; the same
--seed gives the same faults."""
import json
import time

import botocore.exceptions

from emu_support import CONNECTION, Emulator, wait_for


def outcomes(seed):
    """What 40 creates meet with --throttle-rate 0.2 --fail-rate 0.2."""
    out = []
    with Emulator("--throttle-rate", "0.2", "--fail-rate", "0.2", "--seed", str(seed)) as emu:
        c = emu.client()  # one attempt: every fault is seen
        for i in range(40):
            try:
                ev = c.create_resource(TypeName=CONNECTION, DesiredState=json.dumps({
                    "Name": "f%d" % i, "AuthorizationType": "BASIC",
                    "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}}))["ProgressEvent"]
            except c.exceptions.ThrottlingException as e:
                assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 429
                out.append("throttled")
                continue
            except c.exceptions.HandlerInternalFailureException as e:
                assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 502
                out.append("502")
                continue
            for _ in range(20):
                try:
                    final = wait_for(c, ev["RequestToken"])
                    break
                except botocore.exceptions.ClientError:
                    continue  # the status poll itself met a fault
            out.append(final["OperationStatus"] + ("/" + final["ErrorCode"] if "ErrorCode" in final else ""))
        emu.stop()
    return out


def main():
    a = outcomes(7)
    assert a == outcomes(7), "same seed, different faults"
    for kind in ("throttled", "502", "SUCCESS", "FAILED/InternalFailure"):
        assert kind in a, (kind, a)
    assert a != outcomes(8)

    with Emulator("--latency-ms", "200") as emu:
        c = emu.client()
        start = time.time()
        c.list_resources(TypeName=CONNECTION)
        assert time.time() - start >= 0.2
        emu.stop()
    print("ok")


if __name__ == "__main__":
    main()
