"""A synthetic EC2 endpoint for the listing-scaling rows of `cargo xtask bench`.

    ec2_pages.py PORT COUNT

Answers DescribeInstances with COUNT instances: in pages of MaxResults
(NextToken is the offset) when the caller pages, all in one answer when it
does not (as an account whose endpoint ignores paging would). Only the
standard library; listens on 127.0.0.1 until killed.
"""

import http.server
import sys
import urllib.parse

ITEM = (
    "<item><reservationId>r-{i:08x}</reservationId><ownerId>123456789012</ownerId><groupSet/>"
    "<instancesSet><item><instanceId>i-{i:017x}</instanceId><imageId>ami-12c6146b</imageId>"
    "<instanceState><code>16</code><name>running</name></instanceState>"
    "<privateDnsName>ip-10-0-{a}-{b}.ec2.internal</privateDnsName>"
    "<instanceType>t3.micro</instanceType><launchTime>2026-12-07T10:00:00.000Z</launchTime>"
    "<placement><availabilityZone>us-east-1a</availabilityZone><tenancy>default</tenancy></placement>"
    "<privateIpAddress>10.0.{a}.{b}</privateIpAddress><ipAddress>198.51.{a}.{b}</ipAddress>"
    "<subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId><architecture>x86_64</architecture>"
    "<rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>"
    "<tagSet><item><key>Name</key><value>node-{i}</value></item>"
    "<item><key>team</key><value>bench</value></item></tagSet></item></instancesSet></item>"
)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        params = urllib.parse.parse_qs(self.rfile.read(length).decode())
        start = int(params.get("NextToken", ["0"])[0])
        size = int(params.get("MaxResults", [str(self.count)])[0])
        end = min(start + size, self.count)
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse '
                 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>bench</requestId>'
                 "<reservationSet>"]
        parts.extend(ITEM.format(i=i, a=(i >> 8) & 255, b=i & 255) for i in range(start, end))
        parts.append("</reservationSet>")
        if end < self.count:
            parts.append(f"<nextToken>{end}</nextToken>")
        parts.append("</DescribeInstancesResponse>")
        body = "".join(parts).encode()
        self.send_response(200)
        self.send_header("content-type", "text/xml")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    Handler.count = count
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
