"""The Python side of the Cloud Storage comparison: google-cloud-storage.

    gcs.py google-cloud-storage multipart-file|multipart-stream|get|list

multipart-file uploads BENCH_FILE as BENCH_OBJECT in a resumable upload of
BENCH_GCS_CHUNK-byte chunks (`upload_from_filename` with the blob's
chunk_size set, as the library's users ask for one); multipart-stream sends
the same bytes from a reader that cannot seek and has no known size;
get downloads BENCH_OBJECT into BENCH_FILE, synced to disk as `cloud`'s
download_file does; list counts the objects under BENCH_PREFIX, 1,000 per
page. The bucket is BENCH_BUCKET on fake-gcs-server (BENCH_GCS_ENDPOINT,
no credentials). Prints one JSON line like the Rust clients': wall and CPU
seconds of this process and its peak RSS.
"""

import json
import os
import resource
import sys
import time

PAGE = 1000


class Unsized:
    """A file read forward only, with no size: what a pipe looks like.

    The library asks where the reader stands (tell) to number its chunks;
    it cannot seek back or learn the total.
    """

    def __init__(self, path):
        self._file = open(path, "rb")
        self._read = 0

    def read(self, size=-1):
        data = self._file.read(size)
        self._read += len(data)
        return data

    def tell(self):
        return self._read

    def close(self):
        self._file.close()


def job(name):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    env = os.environ
    client = storage.Client(
        project="bench",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": env["BENCH_GCS_ENDPOINT"]},
    )
    bucket = client.bucket(env["BENCH_BUCKET"])
    chunk = int(env["BENCH_GCS_CHUNK"])
    if name == "multipart-file":
        blob = bucket.blob(env["BENCH_OBJECT"], chunk_size=chunk)
        blob.upload_from_filename(env["BENCH_FILE"])
    elif name == "multipart-stream":
        blob = bucket.blob(env["BENCH_OBJECT"], chunk_size=chunk)
        source = Unsized(env["BENCH_FILE"])
        try:
            blob.upload_from_file(source)
        finally:
            source.close()
    elif name == "get":
        blob = bucket.blob(env["BENCH_OBJECT"])
        with open(env["BENCH_FILE"], "wb") as out:
            blob.download_to_file(out)
            out.flush()
            os.fsync(out.fileno())
    elif name == "list":
        count = sum(1 for _ in client.list_blobs(bucket, prefix=env["BENCH_PREFIX"],
                                                 page_size=PAGE))
        print(f"listed {count}", file=sys.stderr)
    else:
        raise SystemExit(f"unknown job {name}")


def main():
    client, name = sys.argv[1], sys.argv[2]
    if client != "google-cloud-storage":
        raise SystemExit(f"unknown client {client}")
    started, cpu_started = time.perf_counter(), sum(os.times()[:2])
    job(name)
    cpu = sum(os.times()[:2]) - cpu_started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall_s": round(time.perf_counter() - started, 3), "cpu_s": round(cpu, 3),
                      "rss_mib": round(rss, 1)}))


if __name__ == "__main__":
    main()
