"""ListResources pages 250 resources with an opaque NextToken: 20 per page by default, MaxResults up to 100."""
import json
from concurrent.futures import ThreadPoolExecutor

from emu_support import CONNECTION, Emulator


def main():
    with Emulator() as emu:
        c = emu.client()
        names = ["conn-%03d" % i for i in range(250)]

        def create(name):
            emu.client().create_resource(TypeName=CONNECTION, DesiredState=json.dumps({
                "Name": name, "AuthorizationType": "API_KEY",
                "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v-" + name}}}))
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(create, names))

        pages = list(c.get_paginator("list_resources").paginate(TypeName=CONNECTION))
        assert len(pages) == 13, [len(p["ResourceDescriptions"]) for p in pages]  # 12 x 20 + 10
        assert all(len(p["ResourceDescriptions"]) == 20 for p in pages[:-1])
        seen = [d["Identifier"] for p in pages for d in p["ResourceDescriptions"]]
        assert sorted(seen) == names and len(set(seen)) == 250
        assert all("v-conn" not in d["Properties"] for p in pages for d in p["ResourceDescriptions"])  # writeOnly

        pages = list(c.get_paginator("list_resources").paginate(TypeName=CONNECTION, PaginationConfig={"PageSize": 100}))
        assert [len(p["ResourceDescriptions"]) for p in pages] == [100, 100, 50]
        token = pages[0]["NextToken"]
        assert "conn-" not in token  # opaque

        reqs = list(c.get_paginator("list_resource_requests").paginate(
            ResourceRequestStatusFilter={"Operations": ["CREATE"], "OperationStatuses": ["SUCCESS"]}))
        assert sum(len(p["ResourceRequestStatusSummaries"]) for p in reqs) == 250
        emu.stop()
    print("ok")


if __name__ == "__main__":
    main()
