#!/usr/bin/env python3
"""A reference emulator of the OpenStack and Rackspace APIs that no real
server here runs: Designate v2 (DNS), Octavia v2 (load balancers) and
Rackspace Cloud DNS v1.0, with just enough Keystone (v3 password, v2.0
Rackspace API key) to log in to them.

Why it exists: the issue asks for fixtures "written from the official API
references" for these services. Rather than type hundreds of exchanges by
hand, `cargo xtask fixtures record openstack` records the drivers talking to
this emulator, which follows the references' documented requests, answers,
status codes, error bodies and asynchronous behaviour (Designate's PENDING
states and lingering deletions, Octavia's PENDING_* provisioning, Cloud
DNS's jobs polled through their callbackUrl). It is NOT a real cloud: the
fixtures it produces say so in their README, and real recordings replace
them when credentials for a real cloud are given.

Behaviour is deterministic (ids from counters; an asynchronous change
finishes on the next read or poll, never on a timer), so recordings are
stable. Faults can be injected for the next matching requests with
`POST /_reference/faults` (`{"path": "/exact/path", "status": 413, "count": 1}`),
which the error-path tests use for overLimit and Retry-After.

Usage: openstack_reference.py PORT   (listens on 127.0.0.1)
Only the standard library is used.
"""

import re
import uuid
from datetime import datetime, timedelta, timezone
from ipaddress import IPv4Address, IPv6Address
from urllib.parse import urlencode

from emulator import Reply, int_args, serve

USER = "cloudtest"
PASSWORD = "cloudtest-reference"
API_KEY = "cloudtest-reference-key"
PROJECT_ID = "8d9c1f0ab9e04d5e9f3b7c1e5a2d4f60"
RAX_TENANT = "123456"
REGION = "RegionOne"

TOKENS = set()
FAULTS = []  # [{"path", "status", "count", "body", "headers"}]
COUNTERS = {}


def now():
    return datetime.now(timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000000")


def next_id(kind):
    COUNTERS[kind] = COUNTERS.get(kind, 0) + 1
    return COUNTERS[kind]


def uuid_for(kind):
    """A stable UUID-shaped id: the kind's hash, then a counter."""
    n = next_id(kind)
    prefix = uuid.uuid5(uuid.NAMESPACE_DNS, kind).hex[:8]
    return f"{prefix}-0000-4000-8000-{n:012x}"


# ---------------------------------------------------------------- identity


def catalog_v3(base):
    def service(kind, name, path):
        return {
            "type": kind,
            "name": name,
            "id": uuid.uuid5(uuid.NAMESPACE_URL, kind).hex,
            "endpoints": [
                {
                    "interface": "public",
                    "region": REGION,
                    "region_id": REGION,
                    "url": base + path,
                    "id": uuid.uuid5(uuid.NAMESPACE_URL, path).hex,
                }
            ],
        }

    return [
        service("dns", "designate", "/designate"),
        service("load-balancer", "octavia", "/octavia"),
    ]


def keystone_v3(handler, body):
    try:
        identity = body["auth"]["identity"]
        user = identity["password"]["user"]
        name, password = user["name"], user["password"]
    except (KeyError, TypeError):
        raise Reply(400, {"error": {"code": 400, "title": "Bad Request",
                                    "message": "Expecting to find identity in auth."}})
    if name != USER or password != PASSWORD:
        raise Reply(401, {"error": {"code": 401, "title": "Unauthorized",
                                    "message": "The request you have made requires authentication."}})
    token = uuid.uuid4().hex
    TOKENS.add(token)
    issued = now()
    body = {
        "token": {
            "methods": ["password"],
            "user": {"id": uuid.uuid5(uuid.NAMESPACE_DNS, USER).hex, "name": USER,
                     "domain": {"id": "default", "name": "Default"}},
            "project": {"id": PROJECT_ID, "name": USER,
                        "domain": {"id": "default", "name": "Default"}},
            "issued_at": iso(issued) + "Z",
            "expires_at": iso(issued + timedelta(hours=1)) + "Z",
            "catalog": catalog_v3(handler.base()),
        }
    }
    raise Reply(201, body, {"X-Subject-Token": token})


def keystone_v2(handler, body):
    credentials = (body.get("auth") or {}).get("RAX-KSKEY:apiKeyCredentials") or {}
    if credentials.get("username") != USER or credentials.get("apiKey") != API_KEY:
        raise Reply(401, {"unauthorized": {"code": 401,
                                           "message": "Username or api key is invalid."}})
    token = uuid.uuid4().hex
    TOKENS.add(token)
    base = handler.base()
    raise Reply(200, {
        "access": {
            "token": {"id": token,
                      "expires": iso(now() + timedelta(hours=24)) + "Z",
                      "tenant": {"id": RAX_TENANT, "name": RAX_TENANT}},
            "serviceCatalog": [
                {"name": "cloudDNS", "type": "rax:dns",
                 "endpoints": [{"tenantId": RAX_TENANT,
                                "publicURL": f"{base}/rackdns/v1.0/{RAX_TENANT}"}]},
            ],
            "user": {"id": "10001", "name": USER, "roles": [{"name": "identity:default"}],
                     "RAX-AUTH:defaultRegion": "ORD"},
        }
    })


# --------------------------------------------------------------- Designate

DESIGNATE_TYPES = {"A", "AAAA", "CAA", "CERT", "CNAME", "MX", "NAPTR", "NS", "PTR",
                   "SOA", "SPF", "SRV", "SSHFP", "TXT"}
ZONES = {}        # id -> zone dict (insertion ordered)
RECORDSETS = {}   # id -> recordset dict


def designate_error(status, kind, message):
    return Reply(status, {"code": status, "type": kind, "message": message,
                          "request_id": "req-" + uuid_for("request")})


def settle(entity):
    """A PENDING change finishes when next read (never for deletions: the
    caller removes those)."""
    if entity["status"] == "PENDING" and entity["action"] in ("CREATE", "UPDATE"):
        entity["status"], entity["action"] = "ACTIVE", "NONE"


def zone_view(handler, zone):
    view = {k: v for k, v in zone.items() if not k.startswith("_")}
    view["links"] = {"self": f"{handler.base()}/designate/v2/zones/{zone['id']}"}
    return view


def recordset_view(handler, rs):
    view = {k: v for k, v in rs.items() if not k.startswith("_")}
    view["links"] = {"self": f"{handler.base()}/designate/v2/zones/{rs['zone_id']}/recordsets/{rs['id']}"}
    return view


def page(handler, items, query, view, key, path):
    [limit] = int_args(query, designate_error(400, "invalid_object", "limit must be an integer"),
                       limit=20)
    limit = max(1, min(limit, 1000))
    marker = query.get("marker", [None])[0]
    if marker is not None:
        ids = [i["id"] for i in items]
        if marker not in ids:
            raise designate_error(400, "invalid_marker", "Invalid marker")
        items = items[ids.index(marker) + 1:]
    chosen = items[:limit]
    links = {"self": handler.base() + handler.path}
    if len(items) > limit:
        links["next"] = f"{handler.base()}{path}?{urlencode({'limit': limit, 'marker': chosen[-1]['id']})}"
    return {key: [view(handler, i) for i in chosen], "links": links,
            "metadata": {"total_count": len(items)}}


def check_fqdn(name):
    return isinstance(name, str) and name.endswith(".") and len(name) > 1


def validate_records(kind, records):
    for value in records:
        if not isinstance(value, str) or not value:
            return "records must be non-empty strings"
        if kind == "A":
            try:
                IPv4Address(value)
            except ValueError:
                return f"{value} is not a valid IPv4 address"
        if kind == "AAAA":
            try:
                IPv6Address(value)
            except ValueError:
                return f"{value} is not a valid IPv6 address"
        if kind in ("CNAME", "NS", "PTR") and not value.endswith("."):
            return f"{value} is not a fully qualified domain name"
        if kind == "MX" and not re.fullmatch(r"\d+ \S+\.", value):
            return f"{value} is not a valid MX record"
        if kind == "SRV" and not re.fullmatch(r"\d+ \d+ \d+ \S+\.", value):
            return f"{value} is not a valid SRV record"
    return None


def live_zone(zone_id):
    zone = ZONES.get(zone_id)
    if zone is None:
        raise designate_error(404, "zone_not_found", "Could not find Zone")
    return zone


def designate(handler, method, parts, query, body):
    # parts: ["v2", "zones", ...]
    if parts[:2] != ["v2", "zones"]:
        raise designate_error(404, "not_found", "Not Found")
    rest = parts[2:]
    if not rest:
        if method == "GET":
            zones = list(ZONES.values())
            if "name" in query:
                zones = [z for z in zones if z["name"] == query["name"][0]]
            for z in zones:
                settle(z)
            raise Reply(200, page(handler, zones, query, zone_view, "zones", "/designate/v2/zones"))
        if method == "POST":
            name = body.get("name")
            if not check_fqdn(name):
                raise designate_error(400, "invalid_object", "name must be a fully qualified domain name ending with a dot")
            kind = body.get("type", "PRIMARY")
            if kind == "PRIMARY" and not body.get("email"):
                raise designate_error(400, "invalid_object", "email is required for PRIMARY zones")
            if kind == "SECONDARY" and not body.get("masters"):
                raise designate_error(400, "invalid_object", "masters is required for SECONDARY zones")
            if any(z["name"] == name for z in ZONES.values()):
                raise designate_error(409, "duplicate_zone", "Duplicate Zone")
            stamp = iso(now())
            zone = {
                "id": uuid_for("zone"), "pool_id": "794ccc2c-d751-44fe-b57f-8894c9f5c842",
                "project_id": PROJECT_ID, "name": name, "email": body.get("email"),
                "ttl": body.get("ttl", 3600), "serial": 1404757531, "status": "PENDING",
                "action": "CREATE", "description": body.get("description"),
                "masters": body.get("masters", []), "type": kind, "transferred_at": None,
                "version": 1, "created_at": stamp, "updated_at": None,
            }
            ZONES[zone["id"]] = zone
            for rs_type, records in (("SOA", [f"ns1.reference.invalid. {body.get('email', 'hostmaster.' + name).replace('@', '.')}. 1404757531 3600 600 86400 3600"]),
                                     ("NS", ["ns1.reference.invalid."])):
                rs = new_recordset(zone, name, rs_type, records, None)
                rs["status"], rs["action"] = "ACTIVE", "NONE"
            raise Reply(202, zone_view(handler, zone))
        raise designate_error(405, "method_not_allowed", "Method Not Allowed")
    zone_id = rest[0]
    zone = live_zone(zone_id)
    if len(rest) == 1:
        if method == "GET":
            if zone["action"] == "DELETE":
                # The next read finds it gone.
                if zone.get("_seen_deleting"):
                    drop_zone(zone_id)
                    raise designate_error(404, "zone_not_found", "Could not find Zone")
                zone["_seen_deleting"] = True
            settle(zone)
            raise Reply(200, zone_view(handler, zone))
        if method == "PATCH":
            for key in ("ttl", "email", "description"):
                if key in body:
                    zone[key] = body[key]
            zone["status"], zone["action"] = "PENDING", "UPDATE"
            zone["serial"] += 1
            zone["version"] += 1
            zone["updated_at"] = iso(now())
            raise Reply(202, zone_view(handler, zone))
        if method == "DELETE":
            if zone["action"] == "DELETE":
                raise designate_error(404, "zone_not_found", "Could not find Zone")
            zone["status"], zone["action"] = "PENDING", "DELETE"
            raise Reply(202, zone_view(handler, zone))
        raise designate_error(405, "method_not_allowed", "Method Not Allowed")
    if rest[1] != "recordsets":
        raise designate_error(404, "not_found", "Not Found")
    if zone["action"] == "DELETE":
        raise designate_error(404, "zone_not_found", "Could not find Zone")
    sets = [r for r in RECORDSETS.values() if r["zone_id"] == zone_id]
    if len(rest) == 2:
        if method == "GET":
            if "name" in query:
                sets = [r for r in sets if r["name"] == query["name"][0]]
            if "type" in query:
                sets = [r for r in sets if r["type"] == query["type"][0]]
            for r in sets:
                settle(r)
            raise Reply(200, page(handler, sets, query, recordset_view, "recordsets",
                                  f"/designate/v2/zones/{zone_id}/recordsets"))
        if method == "POST":
            name, kind, records = body.get("name"), body.get("type"), body.get("records")
            if not check_fqdn(name) or not (name == zone["name"] or name.endswith("." + zone["name"])):
                raise designate_error(400, "invalid_object", f"{name} is not a name within {zone['name']}")
            if kind not in DESIGNATE_TYPES:
                raise designate_error(400, "invalid_object", f"{kind} is not a supported record type")
            if not isinstance(records, list) or not records:
                raise designate_error(400, "invalid_object", "records must be a non-empty list")
            problem = validate_records(kind, records)
            if problem:
                raise designate_error(400, "invalid_object", problem)
            if any(r["name"] == name and r["type"] == kind for r in sets):
                raise designate_error(409, "duplicate_recordset", "Duplicate RecordSet")
            rs = new_recordset(zone, name, kind, records, body.get("ttl"))
            rs["description"] = body.get("description")
            raise Reply(202, recordset_view(handler, rs))
        raise designate_error(405, "method_not_allowed", "Method Not Allowed")
    rs = RECORDSETS.get(rest[2])
    if rs is None or rs["zone_id"] != zone_id:
        raise designate_error(404, "recordset_not_found", "Could not find RecordSet")
    if method == "GET":
        settle(rs)
        raise Reply(200, recordset_view(handler, rs))
    if method == "PUT":
        records = body.get("records", rs["records"])
        if not isinstance(records, list) or not records:
            raise designate_error(400, "invalid_object", "records must be a non-empty list")
        problem = validate_records(rs["type"], records)
        if problem:
            raise designate_error(400, "invalid_object", problem)
        rs["records"] = records
        if "ttl" in body:
            rs["ttl"] = body["ttl"]
        if "description" in body:
            rs["description"] = body["description"]
        rs["status"], rs["action"] = "PENDING", "UPDATE"
        rs["version"] += 1
        rs["updated_at"] = iso(now())
        raise Reply(202, recordset_view(handler, rs))
    if method == "DELETE":
        if rs["type"] in ("SOA",) or (rs["type"] == "NS" and rs["name"] == zone["name"]):
            raise designate_error(400, "bad_request", "Managed records may not be deleted")
        rs["status"], rs["action"] = "PENDING", "DELETE"
        view = recordset_view(handler, rs)
        # The servers drop a recordset quickly; later reads find it gone.
        del RECORDSETS[rs["id"]]
        raise Reply(202, view)
    raise designate_error(405, "method_not_allowed", "Method Not Allowed")


def new_recordset(zone, name, kind, records, ttl):
    rs = {
        "id": uuid_for("recordset"), "zone_id": zone["id"], "project_id": PROJECT_ID,
        "name": name, "zone_name": zone["name"], "type": kind, "records": list(records),
        "ttl": ttl, "status": "PENDING", "action": "CREATE", "description": None,
        "version": 1, "created_at": iso(now()), "updated_at": None,
    }
    RECORDSETS[rs["id"]] = rs
    return rs


def drop_zone(zone_id):
    ZONES.pop(zone_id, None)
    for rs_id in [r["id"] for r in RECORDSETS.values() if r["zone_id"] == zone_id]:
        del RECORDSETS[rs_id]


# ------------------------------------------------------- Rackspace Cloud DNS

RAX_TYPES = {"A", "AAAA", "CNAME", "MX", "NS", "PTR", "SRV", "TXT"}
DOMAINS = {}   # id (int) -> domain dict
RECORDS = {}   # id (str) -> record dict
JOBS = {}      # id -> job dict


def rax_error(status, message, details=""):
    if status == 400:
        return Reply(400, {"validationErrors": {"messages": [details or message]},
                           "code": 400, "message": "Validation failed"})
    return Reply(status, {"code": status, "message": message, "details": details})


def rax_domain_view(domain, records=False):
    view = {k: v for k, v in domain.items() if not k.startswith("_")}
    if records:
        view["recordsList"] = {"records": [rax_record_view(r) for r in RECORDS.values()
                                           if r["_domain"] == domain["id"]]}
    return view


def rax_record_view(record):
    return {k: v for k, v in record.items() if not k.startswith("_")}


def rax_page(handler, items, query, key):
    try:
        limit = int(query.get("limit", ["100"])[0])
        offset = int(query.get("offset", ["0"])[0])
    except ValueError:
        raise rax_error(400, "Validation failed", "limit and offset must be integers")
    if limit < 1 or limit > 100 or offset < 0 or (offset % limit != 0 and offset != 0):
        raise rax_error(400, "Validation failed",
                        "limit must be 1 to 100 and offset a multiple of limit")
    chosen = items[offset:offset + limit]
    body = {key: chosen, "totalEntries": len(items)}
    links = []
    path = handler.path_only
    if offset + limit < len(items):
        links.append({"rel": "next", "href": f"{handler.base()}{path}?{urlencode({'limit': limit, 'offset': offset + limit})}"})
    if offset > 0:
        links.append({"rel": "previous", "href": f"{handler.base()}{path}?{urlencode({'limit': limit, 'offset': max(0, offset - limit)})}"})
    if links:
        body["links"] = links
    return body


def rax_job(handler, verb, request_path, work):
    job_id = uuid_for("job")
    base = f"{handler.base()}/rackdns/v1.0/{RAX_TENANT}"
    JOBS[job_id] = {"work": work, "polls": 0, "verb": verb,
                    "requestUrl": handler.base() + request_path, "result": None}
    raise Reply(202, {"status": "RUNNING", "verb": verb, "jobId": job_id,
                      "callbackUrl": f"{base}/status/{job_id}",
                      "requestUrl": handler.base() + request_path})


def rax_status(handler, job_id, query):
    job = JOBS.get(job_id)
    if job is None:
        raise rax_error(404, "Not Found", "Object not Found.")
    base = f"{handler.base()}/rackdns/v1.0/{RAX_TENANT}"
    view = {"jobId": job_id, "callbackUrl": f"{base}/status/{job_id}", "verb": job["verb"],
            "requestUrl": job["requestUrl"]}
    job["polls"] += 1
    if job["polls"] == 1:
        # The first poll finds the job still running.
        view["status"] = "RUNNING"
        raise Reply(200, view)
    if job["result"] is None:
        try:
            job["result"] = ("COMPLETED", job["work"]())
        except Reply as failure:
            job["result"] = ("ERROR", failure)
    state, outcome = job["result"]
    view["status"] = state
    if state == "COMPLETED":
        if outcome is not None and query.get("showDetails", ["false"])[0] == "true":
            view["response"] = outcome
    else:
        body = outcome.body or {}
        message = body.get("message", "")
        details = body.get("details", "") or "; ".join(
            body.get("validationErrors", {}).get("messages", []))
        view["error"] = {"failedItems": {"faults": [
            {"code": outcome.status, "message": message, "details": details}]},
            "code": 500, "message": "One or more items could not be processed.",
            "details": details}
    raise Reply(200, view)


def rax_check_record(domain, record):
    name, kind, data = record.get("name"), record.get("type"), record.get("data")
    if not isinstance(name, str) or not (name == domain["name"] or name.endswith("." + domain["name"])):
        raise rax_error(400, "Validation failed", f"Record name {name} is not in domain {domain['name']}")
    if kind not in RAX_TYPES:
        raise rax_error(400, "Validation failed", f"Record type {kind} is not supported")
    if not isinstance(data, str) or not data:
        raise rax_error(400, "Validation failed", "Record data is required")
    if kind == "A":
        try:
            IPv4Address(data)
        except ValueError:
            raise rax_error(400, "Validation failed", "Must be a valid IPv4 address")
    if kind == "AAAA":
        try:
            IPv6Address(data)
        except ValueError:
            raise rax_error(400, "Validation failed", "Must be a valid IPv6 address")
    if kind in ("MX", "SRV") and not isinstance(record.get("priority"), int):
        raise rax_error(400, "Validation failed", f"A priority is required for {kind} records")
    if kind == "TXT" and len(data) > 4096:
        raise rax_error(400, "Validation failed", "TXT data is longer than 4096 characters")
    ttl = record.get("ttl")
    if ttl is not None and (not isinstance(ttl, int) or ttl < 300):
        raise rax_error(400, "Validation failed", "TTL must be at least 300 seconds")


def rax_add_record(domain, record):
    for other in RECORDS.values():
        if (other["_domain"] == domain["id"] and other["name"] == record["name"]
                and other["type"] == record["type"] and other["data"] == record["data"]):
            raise rax_error(409, "Conflict", "Record is a duplicate of another record")
    stamp = iso(now())[:19] + ".000+0000"
    rid = f"{record['type']}-{next_id('rax-record') + 6800000}"
    entry = {"name": record["name"], "id": rid, "type": record["type"], "data": record["data"],
             "ttl": record.get("ttl", 3600), "updated": stamp, "created": stamp,
             "_domain": domain["id"]}
    if record["type"] in ("MX", "SRV"):
        entry["priority"] = record["priority"]
    if record.get("comment"):
        entry["comment"] = record["comment"]
    RECORDS[rid] = entry
    return entry


def rackspace_dns(handler, method, parts, query, body):
    if len(parts) < 2 or parts[0] != "v1.0" or parts[1] != RAX_TENANT:
        raise rax_error(404, "Not Found", "Object not Found.")
    rest = parts[2:]
    request_path = handler.path
    if rest[:1] == ["status"] and len(rest) == 2 and method == "GET":
        rax_status(handler, rest[1], query)
    if rest[:1] != ["domains"]:
        raise rax_error(404, "Not Found", "Object not Found.")
    if len(rest) == 1:
        if method == "GET":
            domains = [rax_domain_view(d) for d in DOMAINS.values()]
            if "name" in query:
                domains = [d for d in domains if d["name"] == query["name"][0]]
            for d in domains:
                d.pop("nameservers", None)
            raise Reply(200, rax_page(handler, domains, query, "domains"))
        if method == "POST":
            wanted = body.get("domains")
            if not isinstance(wanted, list) or not wanted:
                raise rax_error(400, "Validation failed", "domains is required")
            for d in wanted:
                if not d.get("name") or not d.get("emailAddress"):
                    raise rax_error(400, "Validation failed", "name and emailAddress are required")
                if d.get("ttl") is not None and d["ttl"] < 300:
                    raise rax_error(400, "Validation failed", "TTL must be at least 300 seconds")

            def work():
                created = []
                for d in wanted:
                    if any(x["name"] == d["name"].lower() for x in DOMAINS.values()):
                        raise rax_error(409, "Conflict", "Domain already exists")
                    stamp = iso(now())[:19] + ".000+0000"
                    domain = {"name": d["name"].lower(), "id": next_id("rax-domain") + 2725232,
                              "accountId": int(RAX_TENANT), "ttl": d.get("ttl", 3600),
                              "emailAddress": d["emailAddress"], "updated": stamp, "created": stamp,
                              "nameservers": [{"name": "dns1.stabletransit.com"},
                                              {"name": "dns2.stabletransit.com"}]}
                    if d.get("comment"):
                        domain["comment"] = d["comment"]
                    DOMAINS[domain["id"]] = domain
                    for ns in ("dns1.stabletransit.com", "dns2.stabletransit.com"):
                        rax_add_record(domain, {"name": domain["name"], "type": "NS",
                                                "data": ns, "ttl": 3600})
                    for r in (d.get("recordsList") or {}).get("records", []):
                        rax_add_record(domain, r)
                    created.append(rax_domain_view(domain))
                return {"domains": created}

            rax_job(handler, "POST", request_path, work)
        raise rax_error(405, "Method Not Allowed", "")
    try:
        domain_id = int(rest[1])
    except ValueError:
        raise rax_error(404, "Not Found", "Object not Found.")
    domain = DOMAINS.get(domain_id)
    if domain is None:
        raise rax_error(404, "Not Found", "Object not Found.")
    if len(rest) == 2:
        if method == "GET":
            show = query.get("showRecords", ["true"])[0] == "true"
            raise Reply(200, rax_domain_view(domain, records=show))
        if method == "PUT":
            if body.get("ttl") is not None and body["ttl"] < 300:
                raise rax_error(400, "Validation failed", "TTL must be at least 300 seconds")

            def work():
                for key in ("ttl", "emailAddress", "comment"):
                    if key in body:
                        domain[key] = body[key]
                domain["updated"] = iso(now())[:19] + ".000+0000"
                return None

            rax_job(handler, "PUT", request_path, work)
        if method == "DELETE":
            def work():
                DOMAINS.pop(domain_id, None)
                for rid in [r["id"] for r in RECORDS.values() if r["_domain"] == domain_id]:
                    del RECORDS[rid]
                return None

            rax_job(handler, "DELETE", request_path, work)
        raise rax_error(405, "Method Not Allowed", "")
    if rest[2] != "records":
        raise rax_error(404, "Not Found", "Object not Found.")
    records = [r for r in RECORDS.values() if r["_domain"] == domain_id]
    if len(rest) == 3:
        if method == "GET":
            for key in ("type", "name", "data"):
                if key in query:
                    records = [r for r in records if r[key] == query[key][0]]
            raise Reply(200, rax_page(handler, [rax_record_view(r) for r in records], query, "records"))
        if method == "POST":
            wanted = body.get("records")
            if not isinstance(wanted, list) or not wanted:
                raise rax_error(400, "Validation failed", "records is required")
            for r in wanted:
                rax_check_record(domain, r)

            def work():
                return {"records": [rax_record_view(rax_add_record(domain, r)) for r in wanted]}

            rax_job(handler, "POST", request_path, work)
        raise rax_error(405, "Method Not Allowed", "")
    record = RECORDS.get(rest[3])
    if record is None or record["_domain"] != domain_id:
        raise rax_error(404, "Not Found", "Object not Found.")
    if method == "GET":
        raise Reply(200, rax_record_view(record))
    if method == "PUT":
        if "type" in body and body["type"] != record["type"]:
            raise rax_error(400, "Validation failed", "The record type cannot be changed")
        merged = {**rax_record_view(record), **body}
        rax_check_record(domain, merged)

        def work():
            for key in ("name", "data", "ttl", "priority", "comment"):
                if key in body:
                    record[key] = body[key]
            record["updated"] = iso(now())[:19] + ".000+0000"
            return None

        rax_job(handler, "PUT", request_path, work)
    if method == "DELETE":
        def work():
            RECORDS.pop(record["id"], None)
            return None

        rax_job(handler, "DELETE", request_path, work)
    raise rax_error(405, "Method Not Allowed", "")


# ------------------------------------------------------------------ server


def inject_fault(body):
    FAULTS.append({"path": body["path"], "status": int(body.get("status", 413)),
                   "count": int(body.get("count", 1)),
                   "retry_after": body.get("retry_after")})
    raise Reply(204)


def injected(path):
    for fault in FAULTS:
        if path == fault["path"] and fault["count"] > 0:
            fault["count"] -= 1
            headers = {}
            if fault["retry_after"] is not None:
                headers["Retry-After"] = str(fault["retry_after"])
            status = fault["status"]
            if status == 413 or status == 429:
                body = {"overLimit": {"code": status, "message": "OverLimit Retry...",
                                      "details": "Error Details...",
                                      "retryAfter": str(fault["retry_after"] or 1)}}
            else:
                body = {"code": status, "message": "Service Unavailable",
                        "details": "injected by the reference emulator"}
            raise Reply(status, body, headers)


def route(request):
    body = request.json(Reply(400, {"code": 400, "message": "Malformed JSON"}))
    parts, method, query = request.parts, request.method, request.query
    if parts[:1] == ["_reference"] and parts[1:] == ["faults"]:
        inject_fault(body)
    if parts[:3] == ["identity", "v3", "auth"] and method == "POST":
        keystone_v3(request, body)
    if parts[:3] == ["identity", "v2.0", "tokens"] and method == "POST":
        keystone_v2(request, body)
    request.require("X-Auth-Token", TOKENS,
                    Reply(401, {"error": {"code": 401, "title": "Unauthorized",
                                          "message": "The request you have made requires authentication."}}))
    injected(request.path_only)
    if parts[:1] == ["designate"]:
        designate(request, method, parts[1:], query, body)
    if parts[:1] == ["rackdns"]:
        rackspace_dns(request, method, parts[1:], query, body)
    if parts[:1] == ["octavia"]:
        octavia(request, method, parts[1:], query, body)
    raise Reply(404, {"code": 404, "message": "Not Found"})


def request_id():
    return {"X-Openstack-Request-Id": "req-" + uuid.uuid4().hex[:12]}


# ----------------------------------------------------------------- Octavia

BALANCERS = {}  # id -> load balancer dict
LISTENERS = {}
POOLS = {}
MEMBERS = {}    # id -> member dict (with "_pool")
OCTAVIA_PROTOCOLS = {"HTTP", "HTTPS", "TCP", "TERMINATED_HTTPS", "UDP", "SCTP"}
OCTAVIA_ALGORITHMS = {"ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP", "SOURCE_IP_PORT"}


def octavia_fault(status, message):
    return Reply(status, {"faultcode": "Client" if status < 500 else "Server",
                          "faultstring": message, "debuginfo": None})


def public(entity):
    return {k: v for k, v in entity.items() if not k.startswith("_")}


def balancer_of_pool(pool):
    return BALANCERS.get(pool["loadbalancers"][0]["id"])


def mutable(lb):
    """Changes are refused while an earlier one provisions; by the time the
    client asks again, provisioning has finished."""
    if lb["provisioning_status"] != "ACTIVE":
        if lb["provisioning_status"] in ("PENDING_CREATE", "PENDING_UPDATE"):
            lb["provisioning_status"], lb["operating_status"] = "ACTIVE", "ONLINE"
        raise octavia_fault(409, f"Load Balancer {lb['id']} is immutable and cannot be updated.")


def changed(lb):
    lb["provisioning_status"] = "PENDING_UPDATE"
    lb["updated_at"] = iso(now())


def new_member(pool, spec):
    address = spec.get("address")
    try:
        IPv4Address(address)
    except (ValueError, TypeError):
        try:
            IPv6Address(address)
        except (ValueError, TypeError):
            raise octavia_fault(400, f"Invalid input for field/attribute address. Value: '{address}'.")
    port = spec.get("protocol_port")
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise octavia_fault(400, "Invalid input for field/attribute protocol_port.")
    for other in MEMBERS.values():
        if other["_pool"] == pool["id"] and other["address"] == address and other["protocol_port"] == port:
            raise octavia_fault(409, f"Another member on this pool is already using ip {address} on protocol_port {port}")
    member = {"id": uuid_for("member"), "name": spec.get("name", ""), "address": address,
              "protocol_port": port, "weight": spec.get("weight", 1), "admin_state_up": True,
              "subnet_id": spec.get("subnet_id"), "provisioning_status": "ACTIVE",
              "operating_status": "NO_MONITOR", "project_id": PROJECT_ID,
              "created_at": iso(now()), "updated_at": None, "_pool": pool["id"]}
    MEMBERS[member["id"]] = member
    pool["members"].append({"id": member["id"]})
    return member


def octavia(handler, method, parts, query, body):
    if parts[:2] != ["v2", "lbaas"] or len(parts) < 3:
        raise octavia_fault(404, "Not Found")
    kind, rest = parts[2], parts[3:]
    if kind == "loadbalancers" and not rest:
        if method == "GET":
            items = list(BALANCERS.values())
            try:
                limit = int(query.get("limit", ["1000"])[0])
            except ValueError:
                raise octavia_fault(400, "limit must be an integer")
            marker = query.get("marker", [None])[0]
            if marker is not None:
                ids = [b["id"] for b in items]
                if marker not in ids:
                    raise octavia_fault(404, f"Load Balancer {marker} could not be found.")
                items = items[ids.index(marker) + 1:]
            chosen = items[:limit]
            links = []
            if len(items) > limit:
                links.append({"rel": "next", "href": f"{handler.base()}/octavia/v2/lbaas/loadbalancers?{urlencode({'limit': limit, 'marker': chosen[-1]['id']})}"})
            raise Reply(200, {"loadbalancers": [public(b) for b in chosen],
                              "loadbalancers_links": links})
        if method == "POST":
            spec = body.get("loadbalancer") or {}
            if not any(spec.get(k) for k in ("vip_subnet_id", "vip_network_id", "vip_port_id")):
                raise octavia_fault(400, "Validation failure: VIP must contain one of: vip_port_id, vip_network_id, vip_subnet_id.")
            lb_id = uuid_for("loadbalancer")
            number = next_id("vip")
            lb = {"id": lb_id, "name": spec.get("name", ""), "description": spec.get("description", ""),
                  "provisioning_status": "PENDING_CREATE", "operating_status": "OFFLINE",
                  "admin_state_up": True, "project_id": PROJECT_ID,
                  "vip_address": f"10.0.0.{10 + number % 200}",
                  "vip_port_id": spec.get("vip_port_id") or uuid_for("port"),
                  "vip_subnet_id": spec.get("vip_subnet_id") or "f9a5c8e2-0000-4000-8000-000000000001",
                  "vip_network_id": spec.get("vip_network_id") or "5c1e9a7d-0000-4000-8000-000000000001",
                  "provider": "amphora", "flavor_id": spec.get("flavor_id"),
                  "availability_zone": spec.get("availability_zone"),
                  "listeners": [], "pools": [], "created_at": iso(now()), "updated_at": None}
            for listener_spec in spec.get("listeners", []):
                protocol = listener_spec.get("protocol")
                if protocol not in OCTAVIA_PROTOCOLS:
                    raise octavia_fault(400, f"Invalid input for field/attribute protocol. Value: '{protocol}'.")
                port = listener_spec.get("protocol_port")
                if not isinstance(port, int) or not 1 <= port <= 65535:
                    raise octavia_fault(400, "Invalid input for field/attribute protocol_port.")
                listener = {"id": uuid_for("listener"), "name": listener_spec.get("name", ""),
                            "protocol": protocol, "protocol_port": port, "default_pool_id": None,
                            "loadbalancers": [{"id": lb_id}], "provisioning_status": "ACTIVE",
                            "operating_status": "ONLINE", "admin_state_up": True,
                            "connection_limit": -1, "project_id": PROJECT_ID}
                pool_spec = listener_spec.get("default_pool")
                if pool_spec:
                    algorithm = pool_spec.get("lb_algorithm")
                    if algorithm not in OCTAVIA_ALGORITHMS:
                        raise octavia_fault(400, f"Invalid input for field/attribute lb_algorithm. Value: '{algorithm}'.")
                    pool = {"id": uuid_for("pool"), "name": pool_spec.get("name", ""),
                            "protocol": pool_spec.get("protocol"), "lb_algorithm": algorithm,
                            "listeners": [{"id": listener["id"]}], "loadbalancers": [{"id": lb_id}],
                            "members": [], "provisioning_status": "ACTIVE",
                            "operating_status": "ONLINE", "admin_state_up": True,
                            "project_id": PROJECT_ID}
                    POOLS[pool["id"]] = pool
                    for member_spec in pool_spec.get("members", []):
                        new_member(pool, member_spec)
                    listener["default_pool_id"] = pool["id"]
                    lb["pools"].append({"id": pool["id"]})
                LISTENERS[listener["id"]] = listener
                lb["listeners"].append({"id": listener["id"]})
            BALANCERS[lb_id] = lb
            raise Reply(201, {"loadbalancer": public(lb)})
        raise octavia_fault(405, "Method Not Allowed")
    if kind == "loadbalancers":
        lb = BALANCERS.get(rest[0])
        if lb is None:
            raise octavia_fault(404, f"Load Balancer {rest[0]} could not be found.")
        if method == "GET":
            view = public(lb)
            # Provisioning finishes by the next read.
            if lb["provisioning_status"] in ("PENDING_CREATE", "PENDING_UPDATE"):
                lb["provisioning_status"], lb["operating_status"] = "ACTIVE", "ONLINE"
            elif lb["provisioning_status"] == "PENDING_DELETE":
                drop_balancer(lb)
            raise Reply(200, {"loadbalancer": view})
        if method == "PUT":
            mutable(lb)
            spec = body.get("loadbalancer") or {}
            for key in ("name", "description", "admin_state_up"):
                if key in spec:
                    lb[key] = spec[key]
            changed(lb)
            raise Reply(200, {"loadbalancer": public(lb)})
        if method == "DELETE":
            mutable(lb)
            if lb["listeners"] and query.get("cascade", ["false"])[0] != "true":
                raise octavia_fault(400, f"Cannot delete Load Balancer {lb['id']} - it has children")
            lb["provisioning_status"] = "PENDING_DELETE"
            raise Reply(204)
        raise octavia_fault(405, "Method Not Allowed")
    if kind == "listeners" and len(rest) == 1 and method == "GET":
        listener = LISTENERS.get(rest[0])
        if listener is None:
            raise octavia_fault(404, f"Listener {rest[0]} not found.")
        raise Reply(200, {"listener": public(listener)})
    if kind == "pools" and rest:
        pool = POOLS.get(rest[0])
        if pool is None:
            raise octavia_fault(404, f"Pool {rest[0]} not found.")
        lb = balancer_of_pool(pool)
        if len(rest) == 1:
            if method == "GET":
                raise Reply(200, {"pool": public(pool)})
            if method == "PUT":
                mutable(lb)
                spec = body.get("pool") or {}
                if "lb_algorithm" in spec:
                    if spec["lb_algorithm"] not in OCTAVIA_ALGORITHMS:
                        raise octavia_fault(400, "Invalid input for field/attribute lb_algorithm.")
                    pool["lb_algorithm"] = spec["lb_algorithm"]
                changed(lb)
                raise Reply(200, {"pool": public(pool)})
        elif rest[1] == "members":
            if len(rest) == 2:
                if method == "GET":
                    members = [public(m) for m in MEMBERS.values() if m["_pool"] == pool["id"]]
                    raise Reply(200, {"members": members, "members_links": []})
                if method == "POST":
                    mutable(lb)
                    member = new_member(pool, body.get("member") or {})
                    changed(lb)
                    raise Reply(201, {"member": public(member)})
            else:
                member = MEMBERS.get(rest[2])
                if member is None or member["_pool"] != pool["id"]:
                    raise octavia_fault(404, f"Member {rest[2]} not found.")
                if method == "GET":
                    raise Reply(200, {"member": public(member)})
                if method == "DELETE":
                    mutable(lb)
                    del MEMBERS[member["id"]]
                    pool["members"] = [m for m in pool["members"] if m["id"] != member["id"]]
                    changed(lb)
                    raise Reply(204)
        raise octavia_fault(405, "Method Not Allowed")
    raise octavia_fault(404, "Not Found")


def drop_balancer(lb):
    BALANCERS.pop(lb["id"], None)
    for ref in lb["listeners"]:
        LISTENERS.pop(ref["id"], None)
    for ref in lb["pools"]:
        POOLS.pop(ref["id"], None)
        for member_id in [m["id"] for m in MEMBERS.values() if m["_pool"] == ref["id"]]:
            del MEMBERS[member_id]


if __name__ == "__main__":
    serve("openstack-reference", route, extra_headers=request_id)
