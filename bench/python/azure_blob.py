"""The Python side of the Blob Storage comparison: azure-storage-blob.

(Not named azure.py: the script's folder comes first on the import path,
and a script of that name would shadow the `azure` package.)

    azure_blob.py azure-storage-blob multipart-file|multipart-stream|get|list

multipart-file uploads BENCH_FILE as BENCH_OBJECT in blocks of 8 MiB, four
at a time (`upload_blob` with max_block_size, max_single_put_size and
max_concurrency set, as the library's users ask for them);
multipart-stream sends the same bytes from a reader that cannot seek and
has no known size; get downloads BENCH_OBJECT into BENCH_FILE, synced to
disk as `cloud`'s download_file does; list counts the blobs under
BENCH_PREFIX, 1,000 per page. The container is BENCH_BUCKET on Azurite
(BENCH_AZURE_ENDPOINT, its development account). Prints one JSON line like
the Rust clients': wall and CPU seconds of this process and its peak RSS.
"""

import json
import os
import resource
import sys
import time

PAGE = 1000
BLOCK = 8 * 1024 * 1024
CONCURRENCY = 4
ACCOUNT = "devstoreaccount1"
# Azurite's well-known development key (public: Microsoft documents it).
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class Unsized:
    """A file read forward only, with no size: what a pipe looks like."""

    def __init__(self, path):
        self._file = open(path, "rb")

    def read(self, size=-1):
        return self._file.read(size)

    def close(self):
        self._file.close()


def job(name):
    from azure.storage.blob import BlobServiceClient

    env = os.environ
    connection = (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
                  f"BlobEndpoint={env['BENCH_AZURE_ENDPOINT']};")
    service = BlobServiceClient.from_connection_string(
        connection, max_block_size=BLOCK, max_single_put_size=BLOCK)
    container = service.get_container_client(env["BENCH_BUCKET"])
    if name == "multipart-file":
        with open(env["BENCH_FILE"], "rb") as source:
            container.upload_blob(env["BENCH_OBJECT"], source, overwrite=True,
                                  max_concurrency=CONCURRENCY)
    elif name == "multipart-stream":
        source = Unsized(env["BENCH_FILE"])
        try:
            container.upload_blob(env["BENCH_OBJECT"], source, overwrite=True,
                                  max_concurrency=CONCURRENCY)
        finally:
            source.close()
    elif name == "get":
        with open(env["BENCH_FILE"], "wb") as out:
            container.download_blob(env["BENCH_OBJECT"]).readinto(out)
            out.flush()
            os.fsync(out.fileno())
    elif name == "list":
        count = sum(1 for _ in container.list_blobs(name_starts_with=env["BENCH_PREFIX"],
                                                    results_per_page=PAGE))
        print(f"listed {count}", file=sys.stderr)
    else:
        raise SystemExit(f"unknown job {name}")


def main():
    client, name = sys.argv[1], sys.argv[2]
    if client != "azure-storage-blob":
        raise SystemExit(f"unknown client {client}")
    started, cpu_started = time.perf_counter(), sum(os.times()[:2])
    job(name)
    cpu = sum(os.times()[:2]) - cpu_started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall_s": round(time.perf_counter() - started, 3), "cpu_s": round(cpu, 3),
                      "rss_mib": round(rss, 1)}))


if __name__ == "__main__":
    main()
