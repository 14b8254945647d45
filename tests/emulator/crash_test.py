"""kill -9 during a stream of creates: after a restart on the same --state every acknowledged create is
there, and requests still in progress at the kill complete."""
import json
import shutil
import tempfile
import threading
import time

from emu_support import CONNECTION, Emulator, wait_for


def desired(name):
    return json.dumps({"Name": name, "AuthorizationType": "BASIC",
                       "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}})


def main():
    state = tempfile.mkdtemp(prefix="skyql-emu-crash-")
    try:
        acked = {}  # name -> request token
        lock = threading.Lock()
        emu = Emulator("--state", state, "--async-ms", "150")
        stop = threading.Event()

        def stream(worker):
            c = emu.client()
            i = 0
            while not stop.is_set():
                name = "w%d-%05d" % (worker, i)
                i += 1
                try:
                    ev = c.create_resource(TypeName=CONNECTION, DesiredState=desired(name))["ProgressEvent"]
                except Exception:
                    return  # the emulator died mid-request: this one was never acknowledged
                with lock:
                    acked[name] = ev["RequestToken"]
        threads = [threading.Thread(target=stream, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(3)
        emu.kill9()
        stop.set()
        for t in threads:
            t.join()
        assert len(acked) > 20, "too few creates acknowledged before the kill: %d" % len(acked)

        with Emulator("--state", state, "--async-ms", "150") as emu2:
            c = emu2.client()
            for name, token in acked.items():
                assert wait_for(c, token)["OperationStatus"] == "SUCCESS", name
            listed = set()
            for page in c.get_paginator("list_resources").paginate(TypeName=CONNECTION, PaginationConfig={"PageSize": 100}):
                listed.update(d["Identifier"] for d in page["ResourceDescriptions"])
            missing = set(acked) - listed
            assert not missing, "acknowledged creates lost: %s" % sorted(missing)[:10]
            emu2.stop()
        print("ok: %d acknowledged creates survived kill -9" % len(acked))
    finally:
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
