#!/usr/bin/env python3
"""A reference emulator of Gandi's LiveDNS v5 API (https://api.gandi.net/v5/livedns),
written from Gandi's public API reference because no LiveDNS server runs here.

`cargo xtask fixtures record gandi` records the cloud-gandi driver talking to
this emulator. It is NOT Gandi: the fixtures it produces say so in their
`source`, and recordings of a real account replace them when a token is given.

What it follows, and what that was checked against (field by field):
- Authentication: `Authorization: Bearer <personal access token>` or the
  deprecated `Authorization: Apikey <key>`; anything else is 401 with the
  documented `{"code", "message", "object", "cause"}` body.
- Domains: `GET /domains` (a JSON array of `{fqdn, domain_href,
  domain_keys_href, domain_records_href, automatic_snapshots}`, paged with
  `page`/`per_page` and a `total-count` header), `POST /domains` with
  `{"fqdn", "zone": {"ttl"}}` answering 201 `{"message": "Domain Created"}`,
  `GET`/`PATCH /domains/{fqdn}`, `GET /domains/{fqdn}/nameservers`. There is
  no `DELETE /domains/{fqdn}`: the API has none.
- Records: `GET`/`POST /domains/{fqdn}/records` and `GET`/`PUT`/`DELETE
  /domains/{fqdn}/records/{name}/{type}` with `{rrset_name, rrset_type,
  rrset_ttl, rrset_values, rrset_href}` (`@` for the apex, TTL 300 to
  2592000, default 10800), 201 `{"message": "DNS Record Created"}`, 409 for a
  set that exists, 400 `{"status": "error", "errors": [{"location", "name",
  "description"}]}` for values that fail validation.
- Snapshots: `GET`/`POST /domains/{fqdn}/snapshots`, `GET`/`DELETE
  /domains/{fqdn}/snapshots/{id}` with `{id, name, created_at, automatic,
  snapshot_href}` and `zone_data` (the record sets) when read one by one.
Checked against: Gandi's reference (api.gandi.net/docs/livedns: the
`Authorization` schemes and the error object's fields), the recorded answers in octodns-gandi's tests (domains, record sets, the 400/401/
403/404 bodies, `total-count` paging), Apache Libcloud's gandi_live fixtures
(409 "already exists", 201 messages) and go-gandi's types (snapshot fields).
Not checked (no published example found): the exact wording of the 201
message for snapshots and of the 409 for an existing domain, and whether a
new domain starts with Gandi's default records (here it starts empty).

Behaviour is deterministic (ids from counters), so recordings are stable.
Usage: gandi_livedns.py PORT   (listens on 127.0.0.1; standard library only)
"""

import re
import uuid
from datetime import datetime, timezone
from ipaddress import IPv4Address, IPv6Address

from emulator import Reply, int_args, serve

TOKEN = "pat_cloudtest-livedns"
API_KEY = "cloudtest-livedns-apikey"
PREFIX = ["v5", "livedns"]
DEFAULT_TTL = 10800
NAMESERVERS = ["ns-1-a.gandi.net", "ns-22-b.gandi.net", "ns-33-c.gandi.net"]
TYPES = {"A", "AAAA", "ALIAS", "CAA", "CDS", "CNAME", "DNAME", "DS", "HTTPS", "KEY", "LOC",
         "MX", "NAPTR", "NS", "OPENPGPKEY", "PTR", "RP", "SPF", "SRV", "SSHFP", "SVCB",
         "TLSA", "TXT", "WKS"}
HOST = re.compile(r"^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")

DOMAINS = {}    # fqdn -> {"automatic_snapshots": bool, "ttl": int, "records": {(name, type): rrset}}
SNAPSHOTS = {}  # fqdn -> [snapshot]
COUNTER = [0]


def fault(status, obj, cause, message):
    return Reply(status, {"code": status, "message": message, "object": obj, "cause": cause})


def not_found():
    return fault(404, "HTTPNotFound", "Not Found", "The resource could not be found.")


def invalid(name, description):
    return Reply(400, {"status": "error",
                       "errors": [{"location": "body", "name": name, "description": description}]})


def next_uuid():
    COUNTER[0] += 1
    return f"{uuid.uuid5(uuid.NAMESPACE_DNS, 'gandi-snapshot').hex[:8]}-0000-4000-8000-{COUNTER[0]:012x}"


def check_host(value, what):
    host = value.rstrip(".").lower()
    if value in (".", "@") or (host and HOST.match(host)):
        return
    raise invalid("rrset_values", f"'{value}': invalid hostname ({what})")


def check_values(kind, values):
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise invalid("rrset_values", "rrset_values must be a non-empty list of strings")
    for value in values:
        fields = value.split()
        try:
            if kind == "A":
                IPv4Address(value)
            elif kind == "AAAA":
                IPv6Address(value)
            elif kind in ("CNAME", "DNAME", "NS", "PTR", "ALIAS"):
                check_host(value, kind)
            elif kind == "MX":
                if len(fields) != 2 or not fields[0].isdigit():
                    raise ValueError
                check_host(fields[1], kind)
            elif kind == "SRV":
                if len(fields) != 4 or not all(f.isdigit() for f in fields[:3]):
                    raise ValueError
                check_host(fields[3], kind)
            elif kind == "CAA":
                if len(fields) < 3 or not fields[0].isdigit():
                    raise ValueError
            elif not value.strip():
                raise ValueError
        except ValueError:
            raise invalid("rrset_values", f"'{value}': invalid value for a {kind} record")


def check_ttl(ttl):
    if ttl is None:
        return DEFAULT_TTL
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 300 <= ttl <= 2592000:
        raise invalid("rrset_ttl", f"{ttl!r} is not a TTL between 300 and 2592000")
    return ttl


def check_name(name):
    if not isinstance(name, str) or not name:
        raise invalid("rrset_name", "rrset_name is required")
    if name != "@" and not HOST.match(name.lower()):
        raise invalid("rrset_name", f"'{name}': invalid record name")
    return "@" if name == "@" else name.lower()


def domain_view(base, fqdn):
    d = DOMAINS[fqdn]
    href = f"{base}/v5/livedns/domains/{fqdn}"
    return {"fqdn": fqdn, "domain_href": href, "domain_keys_href": href + "/keys",
            "domain_records_href": href + "/records",
            "automatic_snapshots": d["automatic_snapshots"]}


def rrset_view(base, fqdn, rrset):
    name, kind = rrset["rrset_name"], rrset["rrset_type"]
    quoted = "%40" if name == "@" else name
    return {"rrset_name": name, "rrset_type": kind, "rrset_ttl": rrset["rrset_ttl"],
            "rrset_values": list(rrset["rrset_values"]),
            "rrset_href": f"{base}/v5/livedns/domains/{fqdn}/records/{quoted}/{kind}"}


def paged(items, query):
    page, per_page = int_args(query, invalid("page", "page and per_page must be integers"),
                              page=1, per_page=100)
    if page < 1 or per_page < 1:
        raise invalid("page", "page and per_page must be positive")
    start = (page - 1) * per_page
    return Reply(200, items[start:start + per_page], {"total-count": str(len(items))})


def sorted_sets(domain):
    return [domain["records"][k] for k in sorted(domain["records"])]


def snapshot_of(fqdn, name, automatic):
    snap = {"id": next_uuid(), "name": name or "", "automatic": automatic,
            "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "zone_data": [dict(r, rrset_values=list(r["rrset_values"]))
                          for r in sorted_sets(DOMAINS[fqdn])]}
    SNAPSHOTS.setdefault(fqdn, []).append(snap)
    return snap


def snapshot_view(base, fqdn, snap, with_data):
    view = {k: snap[k] for k in ("id", "name", "automatic", "created_at")}
    view["snapshot_href"] = f"{base}/v5/livedns/domains/{fqdn}/snapshots/{snap['id']}"
    if with_data:
        view["zone_data"] = [rrset_view(base, fqdn, r) for r in snap["zone_data"]]
    return view


def before_change(fqdn):
    if DOMAINS[fqdn]["automatic_snapshots"]:
        snapshot_of(fqdn, None, True)


def domains(handler, method, parts, query, body):
    base = handler.base()
    if not parts:
        if method == "GET":
            raise paged([domain_view(base, f) for f in sorted(DOMAINS)], query)
        if method == "POST":
            fqdn = body.get("fqdn") if isinstance(body, dict) else None
            if not isinstance(fqdn, str) or "." not in fqdn or not HOST.match(fqdn.lower().rstrip(".")):
                raise invalid("fqdn", f"{fqdn!r} is not a valid domain name")
            fqdn = fqdn.lower().rstrip(".")
            if fqdn in DOMAINS:
                raise fault(409, "HTTPConflict", "Conflict", f"Domain {fqdn} already exists")
            zone = body.get("zone") or {}
            ttl = check_ttl(zone.get("ttl")) if isinstance(zone, dict) else DEFAULT_TTL
            DOMAINS[fqdn] = {"automatic_snapshots": False, "ttl": ttl, "records": {}}
            raise Reply(201, {"message": "Domain Created"},
                        {"Location": f"{base}/v5/livedns/domains/{fqdn}"})
        raise fault(405, "HTTPMethodNotAllowed", "Method Not Allowed", "Method not allowed")
    fqdn = parts[0].lower()
    if fqdn not in DOMAINS:
        raise not_found()
    domain = DOMAINS[fqdn]
    rest = parts[1:]
    if not rest:
        if method == "GET":
            raise Reply(200, domain_view(base, fqdn))
        if method == "PATCH":
            auto = body.get("automatic_snapshots") if isinstance(body, dict) else None
            if not isinstance(auto, bool):
                raise invalid("automatic_snapshots", "automatic_snapshots must be a boolean")
            domain["automatic_snapshots"] = auto
            raise Reply(202, {"message": "Domain updated"})
    elif rest == ["nameservers"] and method == "GET":
        raise Reply(200, list(NAMESERVERS))
    elif rest[0] == "records":
        records(base, method, fqdn, domain, rest[1:], query, body)
    elif rest[0] == "snapshots":
        snapshots(base, method, fqdn, rest[1:], body)
    raise fault(405, "HTTPMethodNotAllowed", "Method Not Allowed", "Method not allowed")


def records(base, method, fqdn, domain, rest, query, body):
    sets = domain["records"]
    if not rest:
        if method == "GET":
            raise paged([rrset_view(base, fqdn, r) for r in sorted_sets(domain)], query)
        if method == "POST":
            if not isinstance(body, dict):
                raise invalid("body", "a JSON object is required")
            name = check_name(body.get("rrset_name"))
            kind = body.get("rrset_type")
            if kind not in TYPES:
                raise invalid("rrset_type", f"{kind!r} is not a supported record type")
            values = body.get("rrset_values")
            check_values(kind, values)
            ttl = check_ttl(body.get("rrset_ttl"))
            if (name, kind) in sets:
                raise fault(409, "HTTPConflict", "Duplicate Entry",
                            f"Record {name} already exists")
            before_change(fqdn)
            sets[(name, kind)] = {"rrset_name": name, "rrset_type": kind, "rrset_ttl": ttl,
                                  "rrset_values": list(values)}
            raise Reply(201, {"message": "DNS Record Created"})
        raise fault(405, "HTTPMethodNotAllowed", "Method Not Allowed", "Method not allowed")
    name = "@" if rest[0] == "@" else rest[0].lower()
    if len(rest) == 1:
        matching = [sets[k] for k in sorted(sets) if k[0] == name]
        if method == "GET":
            raise Reply(200, [rrset_view(base, fqdn, r) for r in matching])
        if method == "DELETE":
            before_change(fqdn)
            for r in matching:
                del sets[(r["rrset_name"], r["rrset_type"])]
            raise Reply(204)
    elif len(rest) == 2:
        kind = rest[1].upper()
        if kind not in TYPES:
            raise not_found()
        key = (name, kind)
        if method == "GET":
            if key not in sets:
                raise not_found()
            raise Reply(200, rrset_view(base, fqdn, sets[key]))
        if method == "PUT":
            if not isinstance(body, dict):
                raise invalid("body", "a JSON object is required")
            check_name(name)
            values = body.get("rrset_values")
            check_values(kind, values)
            ttl = check_ttl(body.get("rrset_ttl"))
            before_change(fqdn)
            sets[key] = {"rrset_name": name, "rrset_type": kind, "rrset_ttl": ttl,
                         "rrset_values": list(values)}
            raise Reply(201, {"message": "DNS Record Created"})
        if method == "DELETE":
            if key not in sets:
                raise not_found()
            before_change(fqdn)
            del sets[key]
            raise Reply(204)
    raise not_found()


def snapshots(base, method, fqdn, rest, body):
    kept = SNAPSHOTS.setdefault(fqdn, [])
    if not rest:
        if method == "GET":
            raise Reply(200, [snapshot_view(base, fqdn, s, False) for s in kept])
        if method == "POST":
            name = body.get("name") if isinstance(body, dict) else None
            if name is not None and not isinstance(name, str):
                raise invalid("name", "name must be a string")
            snap = snapshot_of(fqdn, name, False)
            raise Reply(201, {"message": "Snapshot Created", "id": snap["id"]},
                        {"Location": f"{base}/v5/livedns/domains/{fqdn}/snapshots/{snap['id']}"})
    elif len(rest) == 1:
        snap = next((s for s in kept if s["id"] == rest[0]), None)
        if snap is None:
            raise not_found()
        if method == "GET":
            raise Reply(200, snapshot_view(base, fqdn, snap, True))
        if method == "DELETE":
            kept.remove(snap)
            raise Reply(204)
    raise not_found()


def route(request):
    request.require("Authorization", {f"Bearer {TOKEN}", f"Apikey {API_KEY}"},
                    fault(401, "HTTPUnauthorized", "Unauthorized",
                          "The server could not verify that you authorized to access the "
                          "document you requested. Either you supplied the wrong "
                          "credentials (e.g., bad api key), or your access token has expired"))
    body = request.json(invalid("body", "Invalid JSON body"))
    parts = request.parts
    if parts[:2] == PREFIX and parts[2:3] == ["domains"]:
        domains(request, request.method, parts[3:], request.query, body)
    raise not_found()


if __name__ == "__main__":
    serve("gandi-livedns-reference", route, decode_parts=True)
