"""The Python side of the EC2 comparison: Apache Libcloud and boto3 against moto.

    ec2.py setup N        start N instances in moto (boto3, batches of 500)
    ec2.py libcloud       Libcloud's list_nodes, as a user calls it
    ec2.py boto3          boto3's DescribeInstances paginator
    ec2.py save FILE      save the DescribeInstances document moto returns
    ec2.py parse FILE     Libcloud's parse of a saved DescribeInstances document

Each prints one JSON line like bench-client's: wall and CPU seconds of this
process and its peak RSS (parse prints the median of 5 runs, XML and node
building apart). Settings come from BENCH_EC2_ENDPOINT, BENCH_KEY, BENCH_SECRET.
"""

import json
import os
import resource
import statistics
import sys
import time
from urllib.parse import urlparse

REGION = "us-east-1"
MOTO_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15"


def settings():
    url = urlparse(os.environ["BENCH_EC2_ENDPOINT"])
    return url, os.environ.get("BENCH_KEY", "cloudtest"), os.environ.get("BENCH_SECRET", "cloudtest")


def report(count, started, cpu_started):
    cpu = sum(os.times()[:2]) - cpu_started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall_s": round(time.perf_counter() - started, 3), "cpu_s": round(cpu, 3),
                      "rss_mib": round(rss, 1), "count": count}))


def boto3_client():
    import boto3

    url, key, secret = settings()
    return boto3.client("ec2", region_name=REGION, endpoint_url=url.geturl(),
                        aws_access_key_id=key, aws_secret_access_key=secret)


def libcloud_driver():
    import libcloud.compute.drivers.ec2 as ec2_driver
    from libcloud.compute.providers import Provider, get_driver

    # moto's documents carry the EC2 namespace without the trailing slash
    # real EC2 sends, and Libcloud looks elements up by the exact namespace:
    # without this it finds no instance at all.
    ec2_driver.NAMESPACE = MOTO_NAMESPACE

    url, key, secret = settings()
    cls = get_driver(Provider.EC2)
    # Version 4 signing: moto routes by the SigV4 scope (version 2 reads as S3).
    return cls(key, secret, region=REGION, host=url.hostname, port=url.port, secure=False,
               signature_version="4")


def setup(n):
    ec2 = boto3_client()
    image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    left = n
    while left > 0:
        batch = min(left, 500)
        ec2.run_instances(ImageId=image, MinCount=batch, MaxCount=batch, InstanceType="t3.micro")
        left -= batch


def main():
    mode = sys.argv[1]
    if mode == "setup":
        setup(int(sys.argv[2]))
        print(json.dumps({"started": int(sys.argv[2])}))
        return
    if mode == "parse":
        parse(sys.argv[2])
        return
    if mode == "save":
        driver = libcloud_driver()
        response = driver.connection.request(driver.path, params={"Action": "DescribeInstances"})
        with open(sys.argv[2], "w") as f:
            f.write(response.body)
        print(json.dumps({"bytes": len(response.body)}))
        return
    started, cpu_started = time.perf_counter(), sum(os.times()[:2])
    if mode == "libcloud":
        count = len(libcloud_driver().list_nodes())
    elif mode == "boto3":
        pages = boto3_client().get_paginator("describe_instances").paginate()
        count = sum(len(r["Instances"]) for page in pages for r in page["Reservations"])
    else:
        raise SystemExit(f"unknown mode {mode}")
    report(count, started, cpu_started)


def parse(path):
    """What Libcloud's list_nodes does with the response, without the request."""
    from libcloud.utils.py3 import ET
    from libcloud.utils.xml import findall

    driver = libcloud_driver()
    with open(path, "rb") as f:
        body = f.read()
    xml_times, node_times, count = [], [], 0
    for _ in range(5):
        t0 = time.perf_counter()
        elem = ET.XML(body)
        t1 = time.perf_counter()
        nodes = []
        for rs in findall(element=elem, xpath="reservationSet/item", namespace=MOTO_NAMESPACE):
            nodes += driver._to_nodes(rs, "instancesSet/item")
        t2 = time.perf_counter()
        xml_times.append(t1 - t0)
        node_times.append(t2 - t1)
        count = len(nodes)
    xml, built = statistics.median(xml_times), statistics.median(node_times)
    print(json.dumps({"xml_s": round(xml, 4), "nodes_s": round(built, 4),
                      "total_s": round(xml + built, 4), "count": count, "bytes": len(body)}))


if __name__ == "__main__":
    main()
