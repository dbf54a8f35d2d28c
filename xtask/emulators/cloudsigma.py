#!/usr/bin/env python3
"""A reference emulator of CloudSigma's API 2.0 (https://{region}.cloudsigma.com/api/2.0/),
written from CloudSigma's public API documentation because no CloudSigma
server runs here.

`cargo xtask fixtures record cloudsigma` records the cloud-cloudsigma driver
talking to this emulator. It is NOT CloudSigma: the fixtures it produces say
so in their `source`, and recordings of a real account replace them when
credentials are given.

What it follows, and what that was checked against:
- HTTP basic authentication with the account's e-mail and password; 401
  otherwise.
- Collections answer `{"meta": {"limit", "offset", "total_count"}, "objects":
  [...]}` and take `limit`/`offset`; creates take and answer `{"objects":
  [...]}` (201); errors are a list of `{"error_point", "error_type",
  "error_message"}` (`notexist` 404, `validation` 400, `permission` 403).
- Servers (`/servers/`, `/servers/detail/`, `/servers/{uuid}/`, PUT with the
  full definition, DELETE only when stopped), `?do=start|stop` actions
  answering `{"action", "result": "success", "uuid"}` and 403 "Cannot stop
  guest in state stopped"; `cpu` MHz, `mem` bytes, `vnc_password`, `drives`
  with `dev_channel`/`device`/`boot_order`, `nics` with `ip_v4_conf` and the
  address in `runtime.ip_v4.uuid` once running.
- Library drives (`/libdrives/`, `?do=clone`), drives (`/drives/`,
  `/drives/detail/`, `?do=clone|resize`, `mounted_on`, `status` creating ->
  unmounted / mounted), snapshots (`/snapshots/`, `?do=clone`), key pairs
  (`/keypairs/`, generated when no `public_key` is given), `/balance/`,
  `/subscriptions/`, `/fwpolicies/detail/`, `/tags/`, `/pricing/`.
Checked against: the example answers of CloudSigma's API documentation as
Apache Libcloud's cloudsigma_2_0 test fixtures carry them (server, drive,
library drive, key pair, balance, subscription, firewall policy, tag and
pricing objects, the start/stop answers and the error list), field by field
for the fields the driver reads. Not checked (no published example found):
snapshot objects (fields from the documentation's field list: `uuid`,
`name`, `drive`, `status`, `timestamp`, `allocated_size`), the wording of
validation messages, and real timing: here a change finishes on the next
read, never on a timer, so recordings are stable.

Usage: cloudsigma.py PORT   (listens on 127.0.0.1; standard library, and
ssh-keygen for generated key pairs)
"""

import base64
import hashlib
import os
import subprocess
import tempfile
import uuid
from datetime import datetime, timezone

from emulator import Reply, int_args, serve

USER = "cloudtest@example.com"
PASSWORD = "cloudtest-cloudsigma"
OWNER = "5b4a69a3-8e78-4c45-a8ba-8b13f0895e23"
GIB = 1024 ** 3
MIB = 1024 ** 2

SERVERS, DRIVES, SNAPSHOTS, KEYPAIRS, TAGS = {}, {}, {}, {}, {}
COUNTERS = {}
IPS = iter(f"198.51.100.{n}" for n in range(10, 250))


def fail(status, kind, message, point=None):
    return Reply(status, [{"error_point": point, "error_type": kind, "error_message": message}])


def not_found(kind, ident):
    return fail(404, "notexist", f"{kind} {ident} does not exist")


def new_uuid(kind):
    COUNTERS[kind] = COUNTERS.get(kind, 0) + 1
    return f"{uuid.uuid5(uuid.NAMESPACE_DNS, kind).hex[:8]}-0000-4000-8000-{COUNTERS[kind]:012x}"


def owner():
    return {"resource_uri": f"/api/2.0/user/{OWNER}/", "uuid": OWNER}


def ref(kind, ident):
    return {"resource_uri": f"/api/2.0/{kind}/{ident}/", "uuid": ident}


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def library():
    """The library: two preinstalled systems and an installation CD."""
    drives = {}
    for n, (name, os_name, media, kind, size) in enumerate([
        ("Debian 12 Server", "linux", "disk", "preinst", 10 * GIB),
        ("Ubuntu 24.04 LTS Server", "linux", "disk", "preinst", 10 * GIB),
        ("Alpine Linux 3.20 Install CD", "linux", "cdrom", "install", GIB),
    ], start=1):
        ident = f"6f1e2d3c-0000-4000-9000-{n:012x}"
        drives[ident] = {
            "uuid": ident, "name": name, "os": os_name, "arch": "64", "media": media,
            "image_type": kind, "size": size, "status": "unmounted", "paid": False,
            "favourite": True, "description": name, "owner": None, "jobs": [], "licenses": [],
            "affinities": [], "allow_multimount": False, "mounted_on": [], "meta": {},
            "storage_type": None, "tags": [], "resource_uri": f"/api/2.0/libdrives/{ident}/",
        }
    return drives


LIBDRIVES = library()


def page(items, query):
    limit, offset = int_args(query, fail(400, "validation", "limit and offset must be integers"),
                             limit=20, offset=0)
    chosen = items[offset:] if limit == 0 else items[offset:offset + limit]
    return {"meta": {"limit": limit, "offset": offset, "total_count": len(items)},
            "objects": chosen}


def objects_of(body):
    items = body.get("objects") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise fail(400, "validation", "a list of objects is required", "objects")
    return items


# ------------------------------------------------------------------ drives

def drive_view(d):
    view = dict(d)
    view["mounted_on"] = [ref("servers", s["uuid"]) for s in SERVERS.values()
                          if any(x["drive"] == d["uuid"] for x in s["drives"])]
    if view["status"] in ("unmounted", "mounted"):
        view["status"] = "mounted" if view["mounted_on"] else "unmounted"
    return view


def settle_drive(d):
    """A change in progress finishes on the read after it started."""
    if d.get("_pending"):
        d["_pending"] = False
    elif d["status"] in ("creating", "cloning_dst", "resizing"):
        d["status"] = "unmounted"


def new_drive(name, size, media="disk", status="creating"):
    if not isinstance(name, str) or not name:
        raise fail(400, "validation", "This field is required.", "name")
    if not isinstance(size, int) or size < 512 * MIB:
        raise fail(400, "validation", "Drive size must be at least 536870912 bytes", "size")
    ident = new_uuid("drive")
    DRIVES[ident] = {
        "uuid": ident, "name": name, "size": size, "media": media, "status": status,
        "_pending": True, "storage_type": "dssd", "owner": owner(), "meta": {}, "tags": [],
        "jobs": [], "licenses": [], "affinities": [], "allow_multimount": False,
        "snapshots": [], "runtime": {"snapshots_allocated_size": 0, "storage_type": "dssd"},
        "resource_uri": f"/api/2.0/drives/{ident}/",
    }
    return DRIVES[ident]


def drives(method, rest, query, body):
    if rest == ["detail"] and method == "GET":
        for d in DRIVES.values():
            settle_drive(d)
        raise Reply(200, page([drive_view(d) for d in DRIVES.values()], query))
    if not rest:
        if method == "GET":
            raise Reply(200, page([{"uuid": d["uuid"], "resource_uri": d["resource_uri"]}
                                   for d in DRIVES.values()], query))
        if method == "POST":
            made = [new_drive(o.get("name"), o.get("size"), o.get("media", "disk"))
                    for o in objects_of(body)]
            raise Reply(201, {"objects": [drive_view(d) for d in made]})
    ident = rest[0]
    d = DRIVES.get(ident)
    if d is None:
        raise not_found("Drive", ident)
    if len(rest) == 1:
        if method == "GET":
            settle_drive(d)
            raise Reply(200, drive_view(d))
        if method == "DELETE":
            if drive_view(d)["mounted_on"]:
                raise fail(403, "permission", f"Cannot delete drive {ident}: it is mounted")
            del DRIVES[ident]
            for s in list(SNAPSHOTS.values()):
                if s["drive"]["uuid"] == ident:
                    del SNAPSHOTS[s["uuid"]]
            raise Reply(204)
    if rest[1:] == ["action"] and method == "POST":
        action = query.get("do", [""])[0]
        if drive_view(d)["status"] not in ("unmounted", "mounted"):
            raise fail(403, "permission", f"Drive {ident} is busy ({d['status']})")
        if action == "clone":
            name = body.get("name") or d["name"] + " clone"
            clone = new_drive(name, d["size"], body.get("media", d["media"]), "cloning_dst")
            raise Reply(202, {"objects": [drive_view(clone)]})
        if action == "resize":
            size = body.get("size")
            if not isinstance(size, int) or size < d["size"]:
                raise fail(400, "validation", "New size must not be smaller than the current size", "size")
            if drive_view(d)["mounted_on"]:
                raise fail(403, "permission", "Cannot resize a mounted drive")
            d["size"], d["status"], d["_pending"] = size, "resizing", True
            raise Reply(202, {"objects": [drive_view(d)]})
    raise fail(405, "permission", "Method not allowed")


def libdrives(method, rest, query, body):
    if not rest and method == "GET":
        raise Reply(200, page(list(LIBDRIVES.values()), query))
    ident = rest[0] if rest else ""
    d = LIBDRIVES.get(ident)
    if d is None:
        raise not_found("Library drive", ident)
    if len(rest) == 1 and method == "GET":
        raise Reply(200, d)
    if rest[1:] == ["action"] and method == "POST" and query.get("do") == ["clone"]:
        if d["media"] != "disk":
            raise fail(403, "permission", "Installation CDs are attached, not cloned")
        clone = new_drive(body.get("name") or d["name"], d["size"], "disk", "cloning_dst")
        raise Reply(202, {"objects": [drive_view(clone)]})
    raise fail(405, "permission", "Method not allowed")


def snapshots(method, rest, query, body):
    if rest == ["detail"] and method == "GET":
        raise Reply(200, page(list(SNAPSHOTS.values()), query))
    if not rest and method == "POST":
        made = []
        for o in objects_of(body):
            drive = DRIVES.get(o.get("drive"))
            if drive is None:
                raise fail(400, "validation", f"Drive {o.get('drive')} does not exist", "drive")
            ident = new_uuid("snapshot")
            SNAPSHOTS[ident] = {
                "uuid": ident, "name": o.get("name") or "", "drive": ref("drives", drive["uuid"]),
                "status": "available", "timestamp": now(), "allocated_size": 0, "meta": {},
                "owner": owner(), "resource_uri": f"/api/2.0/snapshots/{ident}/",
            }
            made.append(SNAPSHOTS[ident])
        raise Reply(201, {"objects": made})
    ident = rest[0] if rest else ""
    s = SNAPSHOTS.get(ident)
    if s is None:
        raise not_found("Snapshot", ident)
    if len(rest) == 1 and method == "GET":
        raise Reply(200, s)
    if len(rest) == 1 and method == "DELETE":
        del SNAPSHOTS[ident]
        raise Reply(204)
    if rest[1:] == ["action"] and method == "POST" and query.get("do") == ["clone"]:
        source = DRIVES[s["drive"]["uuid"]]
        clone = new_drive(body.get("name") or s["name"], source["size"], "disk", "cloning_dst")
        raise Reply(202, {"objects": [drive_view(clone)]})
    raise fail(405, "permission", "Method not allowed")


# ----------------------------------------------------------------- servers

def settle_server(s):
    if s.get("_pending"):
        s["_pending"] = False
    elif s["status"] == "starting":
        s["status"] = "running"
        for nic in s["nics"]:
            conf = nic.get("ip_v4_conf") or {}
            if conf.get("conf") == "dhcp":
                ip = nic.setdefault("_ip", next(IPS))
            elif conf.get("conf") == "static":
                ip = conf["ip"]["uuid"]
            else:
                continue
            nic["runtime"] = {"interface_type": "public", "ip_v4": ref("ips", ip), "ip_v6": None}
        s["runtime"] = {"active_since": now(),
                        "nics": [dict(n["runtime"], mac=n["mac"]) for n in s["nics"] if n.get("runtime")]}
    elif s["status"] == "stopping":
        s["status"] = "stopped"
        for nic in s["nics"]:
            nic["runtime"] = None
        s["runtime"] = None


def server_view(s):
    return {k: v for k, v in s.items() if not k.startswith("_")} | {
        "nics": [{k: v for k, v in n.items() if not k.startswith("_")} for n in s["nics"]]}


def check_server(o, ident=None):
    name = o.get("name")
    if not isinstance(name, str) or not name:
        raise fail(400, "validation", "This field is required.", "name")
    cpu, mem = o.get("cpu"), o.get("mem")
    if not isinstance(cpu, int) or not 250 <= cpu <= 80000:
        raise fail(400, "validation", "CPU must be between 250 and 80000 MHz", "cpu")
    if not isinstance(mem, int) or not 256 * MIB <= mem <= 128 * GIB:
        raise fail(400, "validation", "Memory must be between 268435456 and 137438953472 bytes", "mem")
    if not isinstance(o.get("vnc_password"), str) or not o["vnc_password"]:
        raise fail(400, "validation", "This field is required.", "vnc_password")
    drives, channels = [], set()
    for entry in o.get("drives") or []:
        target = entry.get("drive")
        target = target.get("uuid") if isinstance(target, dict) else target
        if target not in DRIVES and target not in LIBDRIVES:
            raise fail(400, "validation", f"Drive {target} does not exist", "drives")
        for other in SERVERS.values():
            if other["uuid"] != ident and any(x["drive"] == target for x in other["drives"]) \
                    and not DRIVES.get(target, {}).get("allow_multimount"):
                raise fail(403, "permission", f"Drive {target} is mounted on another server")
        channel = entry.get("dev_channel")
        if channel in channels:
            raise fail(400, "validation", f"Channel {channel} is used twice", "drives")
        channels.add(channel)
        drives.append({"drive": target, "dev_channel": channel,
                       "device": entry.get("device", "virtio"), "boot_order": entry.get("boot_order")})
    nics = []
    for n, nic in enumerate(o.get("nics") or []):
        conf = nic.get("ip_v4_conf")
        if isinstance(conf, dict) and conf.get("conf") == "static":
            ip = conf.get("ip")
            ip = ip.get("uuid") if isinstance(ip, dict) else ip
            if not isinstance(ip, str):
                raise fail(400, "validation", "A static address needs an IP", "nics")
            conf = {"conf": "static", "ip": ref("ips", ip)}
        policy = nic.get("firewall_policy")
        if policy is not None and policy not in [p["uuid"] for p in FIREWALL_POLICIES]:
            raise fail(400, "validation", f"Firewall policy {policy} does not exist", "nics")
        nics.append({"ip_v4_conf": conf, "ip_v6_conf": nic.get("ip_v6_conf"),
                     "vlan": nic.get("vlan"), "model": nic.get("model", "virtio"),
                     "mac": nic.get("mac") or f"22:aa:bb:{len(SERVERS) % 256:02x}:{n:02x}:01",
                     "firewall_policy": nic.get("firewall_policy"), "boot_order": None,
                     "runtime": None})
    return drives, nics


def drive_entries(s):
    return [dict(x, drive=ref("libdrives" if x["drive"] in LIBDRIVES else "drives", x["drive"]))
            for x in s["drives"]]


def servers(method, rest, query, body):
    if rest == ["detail"] and method == "GET":
        for s in SERVERS.values():
            settle_server(s)
        raise Reply(200, page([server_view(s) | {"drives": drive_entries(s)} for s in SERVERS.values()], query))
    if not rest:
        if method == "GET":
            raise Reply(200, page([{"uuid": s["uuid"], "name": s["name"], "status": s["status"],
                                    "resource_uri": s["resource_uri"]} for s in SERVERS.values()], query))
        if method == "POST":
            made = []
            for o in objects_of(body):
                drives_list, nics = check_server(o)
                ident = new_uuid("server")
                SERVERS[ident] = {
                    "uuid": ident, "name": o["name"], "cpu": o["cpu"], "mem": o["mem"],
                    "smp": o.get("smp") or max(1, o["cpu"] // 2000), "vnc_password": o["vnc_password"],
                    "meta": o.get("meta") or {}, "pubkeys": o.get("pubkeys") or [], "tags": [],
                    "drives": drives_list, "nics": nics, "status": "stopped", "runtime": None,
                    "owner": owner(), "requirements": [], "context": True,
                    "resource_uri": f"/api/2.0/servers/{ident}/",
                }
                made.append(SERVERS[ident])
            raise Reply(201, {"objects": [server_view(s) | {"drives": drive_entries(s)} for s in made]})
    ident = rest[0]
    s = SERVERS.get(ident)
    if s is None:
        raise not_found("Server", ident)
    if len(rest) == 1:
        if method == "GET":
            settle_server(s)
            raise Reply(200, server_view(s) | {"drives": drive_entries(s)})
        if method == "PUT":
            if not isinstance(body, dict):
                raise fail(400, "validation", "a JSON object is required")
            drives_list, nics = check_server(body, ident)
            running = s["status"] != "stopped"
            if running and (body["cpu"] != s["cpu"] or body["mem"] != s["mem"]):
                raise fail(403, "permission", "CPU and memory change only while stopped")
            s.update({"name": body["name"], "cpu": body["cpu"], "mem": body["mem"],
                      "vnc_password": body["vnc_password"], "meta": body.get("meta") or {},
                      "drives": drives_list})
            if not running:
                s["nics"] = nics
            raise Reply(200, server_view(s) | {"drives": drive_entries(s)})
        if method == "DELETE":
            if s["status"] != "stopped":
                raise fail(403, "permission", f"Cannot delete guest in state \"{s['status']}\"")
            del SERVERS[ident]
            raise Reply(204)
    if rest[1:] == ["action"] and method == "POST":
        action = query.get("do", [""])[0]
        if action == "start":
            if s["status"] != "stopped":
                raise fail(403, "permission", f"Cannot start guest in state \"{s['status']}\". "
                                              "Guest should be in state \"stopped\"")
            s["status"], s["_pending"] = "starting", True
        elif action == "stop":
            if s["status"] not in ("running", "starting"):
                raise fail(403, "permission", f"Cannot stop guest in state \"{s['status']}\". "
                                              "Guest should be in state \"['started', 'running_legacy']\"")
            s["status"], s["_pending"] = "stopping", True
        else:
            raise fail(400, "validation", f"Unknown action {action}", "do")
        raise Reply(202, {"action": action, "result": "success", "uuid": ident})
    raise fail(405, "permission", "Method not allowed")


# ------------------------------------------------------- keys and account

def fingerprint(public_key):
    try:
        blob = base64.b64decode(public_key.split()[1], validate=True)
    except Exception:
        raise fail(400, "validation", "Invalid public key", "public_key")
    digest = hashlib.md5(blob).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def generate_pair():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "key")
        try:
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cloudsigma",
                            "-f", path], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as e:
            raise fail(500, "backend", f"cannot generate a key pair: {e}")
        with open(path) as private, open(path + ".pub") as public:
            return private.read(), public.read().strip()


def keypairs(method, rest, query, body):
    # Listings carry whole key pairs, the private half of generated ones
    # included (as CloudSigma's documented example does).
    if rest in ([], ["detail"]) and method == "GET":
        raise Reply(200, page(list(KEYPAIRS.values()), query))
    if not rest and method == "POST":
        made = []
        for o in objects_of(body):
            name = o.get("name")
            if not isinstance(name, str) or not name:
                raise fail(400, "validation", "This field is required.", "name")
            public, private = o.get("public_key"), None
            if public is None:
                private, public = generate_pair()
            elif not isinstance(public, str) or len(public.split()) < 2 \
                    or not public.split()[0].startswith(("ssh-", "ecdsa-")):
                raise fail(400, "validation", "Invalid public key", "public_key")
            ident = new_uuid("keypair")
            KEYPAIRS[ident] = {"uuid": ident, "name": name, "public_key": public,
                               "private_key": private or "",
                               "fingerprint": fingerprint(public), "meta": {}, "tags": [],
                               "grantees": [], "permissions": [],
                               "resource_uri": f"/api/2.0/keypairs/{ident}/"}
            made.append(KEYPAIRS[ident])
        raise Reply(201, {"objects": made})
    ident = rest[0] if rest else ""
    if ident not in KEYPAIRS:
        raise not_found("Keypair", ident)
    if len(rest) == 1 and method == "GET":
        raise Reply(200, KEYPAIRS[ident])
    if len(rest) == 1 and method == "DELETE":
        del KEYPAIRS[ident]
        raise Reply(204)
    raise fail(405, "permission", "Method not allowed")


def tags(method, rest, query, body):
    if rest == ["detail"] and method == "GET":
        raise Reply(200, page(list(TAGS.values()), query))
    if not rest and method == "POST":
        made = []
        for o in objects_of(body):
            if not isinstance(o.get("name"), str) or not o["name"]:
                raise fail(400, "validation", "This field is required.", "name")
            ident = new_uuid("tag")
            TAGS[ident] = {"uuid": ident, "name": o["name"], "meta": {}, "owner": owner(),
                           "resources": [{"uuid": r, "res_type": "servers" if r in SERVERS else "drives"}
                                         for r in o.get("resources") or []],
                           "resource_uri": f"/api/2.0/tags/{ident}/"}
            made.append(TAGS[ident])
        raise Reply(201, {"objects": made})
    ident = rest[0] if rest else ""
    if ident not in TAGS:
        raise not_found("Tag", ident)
    if len(rest) == 1 and method == "DELETE":
        del TAGS[ident]
        raise Reply(204)
    raise fail(405, "permission", "Method not allowed")


SUBSCRIPTIONS = [
    {"id": "7272", "uuid": "509f8e27-0000-4000-8000-000000000001", "resource": "vlan",
     "amount": "1", "status": "active", "period": "345 days, 0:00:00", "auto_renew": True,
     "start_time": "2026-01-12T11:12:34+00:00", "end_time": "2026-12-22T11:12:34+00:00",
     "price": "0E-20", "subscribed_object": "96537817-0000-4000-8000-000000000001",
     "descendants": [], "discount_amount": None, "discount_percent": None,
     "last_notification": None, "remaining": "1", "resource_uri": "/api/2.0/subscriptions/7272/"},
    {"id": "7273", "uuid": "509f8e27-0000-4000-8000-000000000002", "resource": "cpu",
     "amount": "4000", "status": "active", "period": "1 month", "auto_renew": False,
     "start_time": "2026-11-20T00:00:00+00:00", "end_time": "2026-12-20T00:00:00+00:00",
     "price": "24.00", "subscribed_object": None, "descendants": [], "discount_amount": None,
     "discount_percent": None, "last_notification": None, "remaining": "4000",
     "resource_uri": "/api/2.0/subscriptions/7273/"},
]

FIREWALL_POLICIES = [
    {"uuid": "0c754845-0000-4000-8000-000000000001", "name": "web only", "meta": {},
     "owner": None, "servers": [],
     "rules": [{"action": "accept", "comment": "HTTP", "direction": "in", "dst_ip": None,
                "dst_port": "80", "ip_proto": "tcp", "src_ip": None, "src_port": None},
               {"action": "drop", "comment": "the rest", "direction": "in", "dst_ip": None,
                "dst_port": None, "ip_proto": None, "src_ip": None, "src_port": None}],
     "resource_uri": "/api/2.0/fwpolicies/0c754845-0000-4000-8000-000000000001/"},
]


def pricing():
    objects = []
    n = 0
    for resource, unit, levels, multiplier in [
        ("cpu", "GHz/hour", ["0.00790", "0.00816"], 3600000),
        ("mem", "GB/hour", ["0.01128", "0.01200"], 3865470566400),
        ("dssd", "GB/month", ["0.28000"], 2783138807808000),
    ]:
        for currency, rate in [("USD", 1.0), ("EUR", 0.75)]:
            for level, price in enumerate(levels, start=1):
                n += 1
                objects.append({"id": str(n), "resource": resource, "unit": unit, "level": level,
                                "currency": currency, "multiplier": multiplier,
                                "price": f"{float(price) * rate:.20f}"})
    current = {"cpu": 1, "mem": 1, "dssd": 1}
    return {"current": current, "next": current,
            "meta": {"limit": 0, "offset": 0, "total_count": len(objects)}, "objects": objects}


ROUTES = {"servers": servers, "drives": drives, "libdrives": libdrives, "snapshots": snapshots,
          "keypairs": keypairs, "tags": tags}


def route(request):
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    request.require("Authorization", {expected},
                    fail(401, "permission", "Authentication credentials were not provided or are wrong."))
    body = request.json(fail(400, "validation", "Malformed JSON"))
    parts, query, method = request.parts, request.query, request.method
    if parts[:2] != ["api", "2.0"] or len(parts) < 3:
        raise fail(404, "notexist", "No such resource")
    kind, rest = parts[2], parts[3:]
    if kind in ROUTES:
        ROUTES[kind](method, rest, query, body)
    if method == "GET" and not rest:
        if kind == "balance":
            raise Reply(200, {"balance": "10.00", "currency": "USD"})
        if kind == "subscriptions":
            raise Reply(200, page(SUBSCRIPTIONS, query))
        if kind == "pricing":
            raise Reply(200, pricing())
    if method == "GET" and kind == "fwpolicies" and rest == ["detail"]:
        raise Reply(200, page(FIREWALL_POLICIES, query))
    raise fail(404, "notexist", "No such resource")


if __name__ == "__main__":
    serve("cloudsigma-reference", route)
