"""The Python side of the Swift comparison: python-swiftclient and openstacksdk.

    swift.py swiftclient put|get|list
    swift.py openstacksdk put|get|list

put uploads BENCH_FILE as BENCH_OBJECT in 8 MiB segments (a Static Large
Object), as each library's users ask for one; get downloads BENCH_OBJECT
into BENCH_FILE, synced to disk as `cloud`'s download_file does; list counts
the objects under BENCH_PREFIX, 1,000 per page. The container is
BENCH_BUCKET; the server is the local Swift with tempauth (BENCH_SWIFT_AUTH,
BENCH_SWIFT_USER, BENCH_SWIFT_KEY). Prints one JSON line like the Rust
clients': wall and CPU seconds of this process and its peak RSS.
"""

import json
import os
import resource
import sys
import time

SEGMENT = 8 * 1024 * 1024
CONCURRENCY = 4
CHUNK = 1024 * 1024
PAGE = 1000


def settings():
    env = os.environ
    return {
        "auth": env["BENCH_SWIFT_AUTH"],
        "user": env["BENCH_SWIFT_USER"],
        "key": env["BENCH_SWIFT_KEY"],
        "container": env["BENCH_BUCKET"],
        "object": env.get("BENCH_OBJECT", ""),
        "file": env.get("BENCH_FILE", ""),
        "prefix": env.get("BENCH_PREFIX", ""),
    }


def write_synced(path, chunks):
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


def swiftclient_job(job, s):
    from swiftclient import client

    if job == "put":
        # The upload manager behind `swift upload --use-slo -S 8M`.
        from swiftclient.service import SwiftService, SwiftUploadObject

        options = {
            "auth": s["auth"], "user": s["user"], "key": s["key"], "auth_version": "1.0",
            "segment_size": SEGMENT, "use_slo": True, "segment_threads": CONCURRENCY,
        }
        with SwiftService(options=options) as service:
            upload = SwiftUploadObject(s["file"], object_name=s["object"])
            for result in service.upload(s["container"], [upload]):
                if not result["success"]:
                    raise SystemExit(f"swiftclient upload failed: {result.get('error')}")
        return
    conn = client.Connection(authurl=s["auth"], user=s["user"], key=s["key"])
    if job == "get":
        _, body = conn.get_object(s["container"], s["object"], resp_chunk_size=CHUNK)
        write_synced(s["file"], body)
    elif job == "list":
        _, objects = conn.get_container(s["container"], prefix=s["prefix"], limit=PAGE,
                                        full_listing=True)
        print(f"listed {len(objects)}", file=sys.stderr)
    else:
        raise SystemExit(f"unknown job {job}")


def openstacksdk_job(job, s):
    import openstack
    import requests

    # openstacksdk speaks Keystone; against tempauth it is given the token
    # and storage URL that the v1.0 login returns.
    login = requests.get(s["auth"], headers={"X-Auth-User": s["user"], "X-Auth-Key": s["key"]})
    login.raise_for_status()
    storage_url = login.headers["X-Storage-Url"]
    conn = openstack.connect(
        auth_type="admin_token",
        auth={"endpoint": storage_url, "token": login.headers["X-Auth-Token"]},
        object_store_endpoint_override=storage_url,
    )
    store = conn.object_store
    if job == "put":
        store.create_object(s["container"], s["object"], filename=s["file"], segment_size=SEGMENT,
                            use_slo=True)
    elif job == "get":
        write_synced(s["file"], store.stream_object(s["object"], s["container"], chunk_size=CHUNK))
    elif job == "list":
        count = sum(1 for _ in store.objects(s["container"], prefix=s["prefix"], limit=PAGE))
        print(f"listed {count}", file=sys.stderr)
    else:
        raise SystemExit(f"unknown job {job}")


def main():
    client, job = sys.argv[1], sys.argv[2]
    started, cpu_started = time.perf_counter(), sum(os.times()[:2])
    s = settings()
    if client == "swiftclient":
        swiftclient_job(job, s)
    elif client == "openstacksdk":
        openstacksdk_job(job, s)
    else:
        raise SystemExit(f"unknown client {client}")
    cpu = sum(os.times()[:2]) - cpu_started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall_s": round(time.perf_counter() - started, 3), "cpu_s": round(cpu, 3),
                      "rss_mib": round(rss, 1)}))


if __name__ == "__main__":
    main()
