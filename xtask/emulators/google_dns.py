"""Cloud DNS (API v1) for the Google reference emulator: managed zones,
resource record sets, and changes that add and delete whole sets
atomically, as Google's "Cloud DNS API" reference describes them.

Checked field by field against Google answers recorded in Apache
Libcloud's test fixtures (libcloud/test/dns/fixtures/google: zone.json,
zone_list.json, zone_create.json, records_list.json, record_changes.json,
get_zone_does_not_exists.json): a zone is `kind`, `name`, `dnsName`,
`description`, `id` (a decimal string), `nameServers`, `creationTime`; a
set is `kind`, `name`, `type`, `ttl`, `rrdatas`; a change is `kind`,
`additions`, `deletions`, `startTime`, `id`, `status` ("pending", then
"done"); errors are `{"error": {"code", "message", "errors": [{"domain",
"reason", "message"}]}}`. Added from the current reference and not in
those recordings: `visibility: "public"` on zones, `status` (the RPC code
name) in errors, and the SOA Cloud DNS writes today
(`cloud-dns-hostmaster.google.com.`, serial 1; the recordings show an
older `dns-admin.google.com.` and serial 0).

Behaviour kept from the reference: a zone's name is 1-63 lowercase
letters, digits and dashes starting with a letter; its `description` is
required; a new zone holds an SOA and four NS at its apex, TTL 21600; a
zone holding other sets cannot be deleted (400 `containerNotEmpty`); a
change is refused whole when a deletion does not match the set exactly
(412 `conditionNotMet`) or names none (404 `notFound`), when an addition
exists (409 `alreadyExists`), or when data is invalid (400 `invalid`); a
CNAME shares its name with no other set; the SOA serial grows with every
change; lists come in name (then type) order and page with `maxResults`
and a `nextPageToken` that resumes after the last one listed.
"""

import ipaddress
import re
import time

from emulator import Reply, after_cursor, cursor, int_args

NAME = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
ZONES = {}  # (project, name) -> zone
NEXT_ID = [1000]
NAMESERVERS = [f"ns-cloud-e{i}.googledomains.com." for i in range(1, 5)]
SOA = "ns-cloud-e1.googledomains.com. cloud-dns-hostmaster.google.com. {serial} 21600 3600 259200 300"


def now():
    moment = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment * 1000) % 1000:03d}Z"


def error(code, reason, message):
    status = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 409: "ALREADY_EXISTS",
              412: "FAILED_PRECONDITION"}.get(code, "UNKNOWN")
    return Reply(code, {"error": {
        "code": code,
        "message": message,
        "errors": [{"domain": "global", "reason": reason, "message": message}],
        "status": status,
    }})


def invalid(field, value):
    return error(400, "invalid", f"Invalid value for '{field}': '{value}'")


def text_strings(data):
    """The strings of TXT data, or None when a quote is left open."""
    strings, at = [], 0
    while at < len(data):
        if data[at] == " ":
            at += 1
        elif data[at] == '"':
            end, text = at + 1, ""
            while end < len(data) and data[end] != '"':
                if data[end] == "\\":
                    end += 1
                text += data[end : end + 1]
                end += 1
            if end >= len(data):
                return None
            strings.append(text)
            at = end + 1
        else:
            end = data.find(" ", at)
            end = len(data) if end < 0 else end
            strings.append(data[at:end])
            at = end
    return strings


def valid_data(kind, value):
    host = r"(\S+\.|\.)"
    try:
        if kind == "A":
            return isinstance(ipaddress.ip_address(value), ipaddress.IPv4Address)
        if kind == "AAAA":
            return isinstance(ipaddress.ip_address(value), ipaddress.IPv6Address)
    except ValueError:
        return False
    if kind in ("CNAME", "NS", "PTR"):
        return re.fullmatch(host, value) is not None
    if kind == "MX":
        return re.fullmatch(r"\d{1,5} " + host, value) is not None
    if kind == "SRV":
        return re.fullmatch(r"\d{1,5} \d{1,5} \d{1,5} " + host, value) is not None
    if kind == "CAA":
        return re.fullmatch(r'\d{1,3} [a-z0-9]+ ("[^"]*"|\S+)', value) is not None
    if kind in ("TXT", "SPF"):
        strings = text_strings(value)
        return bool(strings) and all(len(s.encode()) <= 255 for s in strings)
    if kind == "SOA":
        return len(value.split()) == 7
    return bool(value.strip())


def zone_of(project, name):
    zone = ZONES.get((project, name))
    if zone is None:
        # Google accepts the zone's numeric id wherever its name goes.
        zone = next((z for (p, _), z in ZONES.items() if p == project and z["id"] == name), None)
    if zone is None:
        raise error(404, "notFound",
                    f"The 'parameters.managedZone' resource named '{name}' does not exist.")
    return zone


def zone_view(zone):
    return {k: v for k, v in zone.items() if not k.startswith("_")}


def set_view(rrset):
    return {"kind": "dns#resourceRecordSet", "name": rrset["name"], "type": rrset["type"],
            "ttl": rrset["ttl"], "rrdatas": list(rrset["rrdatas"])}


def page(request, items, key, kind):
    """`items` in name (then type) order, cut to `maxResults` after the
    `pageToken`'s cursor."""
    [limit] = int_args(request.query, invalid("parameters.maxResults", request.arg("maxResults")),
                       maxResults=1000)
    token = request.arg("pageToken")
    after = after_cursor(token, invalid("parameters.pageToken", token)) if token else ()
    limit = max(1, min(limit, 1000))
    keyed = [((item["name"], item.get("type", "")), item) for item in items]
    rest = sorted(((k, item) for k, item in keyed if k > after), key=lambda pair: pair[0])
    chosen = rest[:limit]
    answer = {"kind": kind, key: [item for _, item in chosen]}
    if len(rest) > limit:
        answer["nextPageToken"] = cursor(chosen[-1][0])
    raise Reply(200, answer)


def create_zone(project, body):
    name, dns_name = body.get("name"), body.get("dnsName")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise invalid("entity.managedZone.name", name)
    if not isinstance(dns_name, str) or not dns_name.endswith(".") or ".." in dns_name \
            or not re.fullmatch(r"([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+", dns_name.lower()):
        raise invalid("entity.managedZone.dnsName", dns_name)
    if not isinstance(body.get("description"), str):
        raise error(400, "required", "Required field 'entity.managedZone.description' not specified")
    if (project, name) in ZONES:
        raise error(409, "alreadyExists",
                    f"The resource 'entity.managedZone' named '{name}' already exists")
    NEXT_ID[0] += 1
    apex = dns_name.lower()
    zone = {
        "kind": "dns#managedZone",
        "name": name,
        "dnsName": dns_name,
        "description": body["description"],
        "id": str(NEXT_ID[0]),
        "nameServers": list(NAMESERVERS),
        "creationTime": now(),
        "visibility": "public",
        "_sets": {
            (apex, "SOA"): {"name": apex, "type": "SOA", "ttl": 21600, "rrdatas": [SOA.format(serial=1)]},
            (apex, "NS"): {"name": apex, "type": "NS", "ttl": 21600, "rrdatas": list(NAMESERVERS)},
        },
        "_changes": [],
    }
    zone["_changes"].append({"kind": "dns#change", "additions": [set_view(s) for s in zone["_sets"].values()],
                             "deletions": [], "startTime": zone["creationTime"], "id": "0", "status": "done"})
    ZONES[(project, name)] = zone
    raise Reply(200, zone_view(zone))


def checked_set(zone, field, rrset):
    """A set of a change, checked and with its name lower-cased."""
    if not isinstance(rrset, dict):
        raise invalid(field, rrset)
    name, kind, ttl, datas = rrset.get("name"), rrset.get("type"), rrset.get("ttl"), rrset.get("rrdatas")
    apex = zone["dnsName"].lower()
    if not isinstance(name, str) or not name.endswith(".") or ".." in name:
        raise invalid(f"{field}.name", name)
    name = name.lower()
    if name != apex and not name.endswith("." + apex):
        raise error(400, "invalid",
                    f"The resource record set '{field}' has a DNS name outside the zone '{apex}'")
    if not isinstance(kind, str) or not re.fullmatch(r"[A-Z0-9]+", kind):
        raise invalid(f"{field}.type", kind)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0 or ttl > 2147483647:
        raise invalid(f"{field}.ttl", ttl)
    if not isinstance(datas, list) or not datas:
        raise error(400, "required", f"Required field '{field}.rrdata' not specified")
    for index, data in enumerate(datas):
        if not isinstance(data, str) or not valid_data(kind, data):
            raise invalid(f"{field}.rrdata[{index}]", data)
    if kind in ("SOA",) and name != apex:
        raise invalid(f"{field}.name", name)
    return {"name": name, "type": kind, "ttl": ttl, "rrdatas": list(datas)}


def apply_change(zone, body):
    additions, deletions = body.get("additions") or [], body.get("deletions") or []
    if not isinstance(additions, list) or not isinstance(deletions, list) or not (additions or deletions):
        raise error(400, "required", "The 'entity.change' resource has no additions or deletions")
    sets = dict(zone["_sets"])
    for index, raw in enumerate(deletions):
        field = f"entity.change.deletions[{index}]"
        wanted = checked_set(zone, field, raw)
        key = (wanted["name"], wanted["type"])
        if key not in sets:
            raise error(404, "notFound",
                        f"The '{field}' resource named '{wanted['name']} ({wanted['type']})' does not exist.")
        if sets[key]["ttl"] != wanted["ttl"] or sets[key]["rrdatas"] != wanted["rrdatas"]:
            raise error(412, "conditionNotMet", f"Precondition not met for '{field}'")
        del sets[key]
    for index, raw in enumerate(additions):
        field = f"entity.change.additions[{index}]"
        added = checked_set(zone, field, raw)
        key = (added["name"], added["type"])
        if key in sets:
            raise error(409, "alreadyExists",
                        f"The resource '{field}' named '{added['name']} ({added['type']})' already exists")
        others = [k for (n, k) in sets if n == added["name"]]
        if others and (added["type"] == "CNAME" or "CNAME" in others):
            raise error(400, "cnameResourceRecordSetConflict",
                        f"The resource record set '{field}' is invalid because the DNS name "
                        f"'{added['name']}' may have either one CNAME resource record set or "
                        f"resource record sets of other types, but not both.")
        sets[key] = added
    apex = zone["dnsName"].lower()
    for kind in ("SOA", "NS"):
        if (apex, kind) not in sets:
            raise error(400, "invalid",
                        f"The resource record set of type '{kind}' at the apex of zone "
                        f"'{zone['name']}' may be replaced but not deleted")
    soa = sets[(apex, "SOA")]
    if soa is zone["_sets"].get((apex, "SOA")):
        fields = soa["rrdatas"][0].split()
        fields[2] = str(int(fields[2]) + 1)
        sets[(apex, "SOA")] = dict(soa, rrdatas=[" ".join(fields)])
    zone["_sets"] = sets
    change = {"kind": "dns#change", "additions": [set_view(s) for s in
                                                  (checked_set(zone, "", a) for a in additions)],
              "deletions": [set_view(s) for s in (checked_set(zone, "", d) for d in deletions)],
              "startTime": now(), "id": str(len(zone["_changes"])), "status": "pending"}
    zone["_changes"].append(change)
    raise Reply(200, change)


def sorted_sets(zone):
    return sorted(zone["_sets"].values(), key=lambda s: (s["name"][::-1], s["type"]))


def route(request, parts, body):
    """`parts` follow `dns/v1/projects/{project}/`."""
    project, rest = parts[0], parts[1:]
    method = request.method
    if rest == ["managedZones"]:
        if method == "POST":
            create_zone(project, body)
        if method == "GET":
            zones = [zone_view(z) for (p, _), z in ZONES.items() if p == project]
            if request.arg("dnsName"):
                zones = [z for z in zones if z["dnsName"] == request.arg("dnsName")]
            page(request, zones, "managedZones", "dns#managedZonesListResponse")
    if len(rest) < 2 or rest[0] != "managedZones":
        return
    zone = zone_of(project, rest[1])
    if len(rest) == 2:
        if method == "GET":
            raise Reply(200, zone_view(zone))
        if method == "DELETE":
            apex = zone["dnsName"].lower()
            if any(key not in ((apex, "SOA"), (apex, "NS")) for key in zone["_sets"]):
                raise error(400, "containerNotEmpty",
                            f"The resource named '{zone['name']}' cannot be deleted because it is not empty")
            del ZONES[(project, zone["name"])]
            raise Reply(204)
    if rest[2:] == ["rrsets"] and method == "GET":
        sets = sorted_sets(zone)
        name, kind = request.arg("name"), request.arg("type")
        if kind and not name:
            raise error(400, "required", "Required parameter 'parameters.name' not specified with 'parameters.type'")
        if name:
            sets = [s for s in sets if s["name"] == name.lower()]
        if kind:
            sets = [s for s in sets if s["type"] == kind]
        page(request, [set_view(s) for s in sets], "rrsets", "dns#resourceRecordSetsListResponse")
    if rest[2:] == ["changes"] and method == "POST":
        apply_change(zone, body)
    if len(rest) == 4 and rest[2] == "changes" and method == "GET":
        change = next((c for c in zone["_changes"] if c["id"] == rest[3]), None)
        if change is None:
            raise error(404, "notFound", f"The 'parameters.changeId' resource named '{rest[3]}' does not exist.")
        # Pending when first read back, done from the second look on.
        change["_looks"] = change.get("_looks", 0) + 1
        if change["_looks"] > 1:
            change["status"] = "done"
        raise Reply(200, {k: v for k, v in change.items() if not k.startswith("_")})
