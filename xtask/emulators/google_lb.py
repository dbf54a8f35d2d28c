"""Compute Engine's network load balancing for the Google reference
emulator: target pools of instances, legacy HTTP health checks, and
regional forwarding rules sending an address's ports to a pool, as
Google's "Compute Engine API" reference describes them. It shares the
projects, instances and operations of google_compute.py.

Checked field by field against Google answers recorded in Apache
Libcloud's test fixtures (libcloud/test/compute/fixtures/gce): a target
pool (regions_us-central1_targetPools_lctargetpool.json), a forwarding
rule (regions_us-central1_forwardingRules_lcforwardingrule.json), an HTTP
health check (global_httpHealthChecks_lchealthcheck.json) and the
aggregated forwarding-rule list: `IPAddress`, `IPProtocol`, `portRange`
(`"80-80"`), `target`, `region`, `instances` and `healthChecks` as full
URLs, ids as decimal strings. Taken from the current reference, not in
those recordings: `sessionAffinity` and `loadBalancingScheme`.

Behaviour kept from the reference: a pool's instances must exist and be
in the pool's region; a forwarding rule's target must exist and gets an
ephemeral address; a pool used by a forwarding rule, or a health check
used by a pool, cannot be deleted (`resourceInUseByAnotherResource`);
removing an instance the pool does not hold is refused (400 `invalid`);
every change answers an operation (regional, or global for health checks).
"""

import re

from emulator import Reply
from google_compute import (BASE, REGIONS, ZONES, check_name, error, new_id, not_found, now,
                            operation, page, project_state, public)

AFFINITIES = ("NONE", "CLIENT_IP", "CLIENT_IP_PROTO")


def lb_state(project):
    state = project_state(project)
    state.setdefault("pools", {})
    state.setdefault("rules", {})
    state.setdefault("checks", {})
    return state


def instance_key(link):
    match = re.search(r"zones/([^/]+)/instances/([^/]+)$", link or "")
    return (match.group(1), match.group(2)) if match else None


def checked_instances(project, region, links):
    state = lb_state(project)
    urls = []
    for index, entry in enumerate(links):
        link = entry.get("instance") if isinstance(entry, dict) else entry
        key = instance_key(link)
        if key is None or key not in state["instances"]:
            raise not_found(link if key is None else f"projects/{project}/zones/{key[0]}/instances/{key[1]}")
        if ZONES.get(key[0]) != region:
            raise error(400, "invalid", f"Invalid value for field 'resource.instances[{index}]': "
                        f"'{link}'. Instance must be in region '{region}'.")
        urls.append(f"{BASE}/projects/{project}/zones/{key[0]}/instances/{key[1]}")
    return urls


def pool_routes(request, project, region, rest, body):
    state = lb_state(project)
    method = request.method
    link = f"{BASE}/projects/{project}/regions/{region}/targetPools"
    if not rest:
        if method == "GET":
            pools = [public(p) for (r, _), p in sorted(state["pools"].items()) if r == region]
            page(request, pools, "compute#targetPoolList", link)
        if method == "POST":
            name = body.get("name")
            check_name(name)
            if (region, name) in state["pools"]:
                raise error(409, "alreadyExists", f"The resource 'projects/{project}/regions/{region}/targetPools/{name}' already exists")
            affinity = body.get("sessionAffinity", "NONE")
            if affinity not in AFFINITIES:
                raise error(400, "invalid", f"Invalid value for field 'resource.sessionAffinity': '{affinity}'.")
            checks = []
            for check in body.get("healthChecks") or []:
                check_name_ = check.rsplit("/", 1)[-1]
                if check_name_ not in state["checks"]:
                    raise not_found(f"projects/{project}/global/httpHealthChecks/{check_name_}")
                checks.append(state["checks"][check_name_]["selfLink"])
            pool = {"kind": "compute#targetPool", "id": new_id(), "creationTimestamp": now(),
                    "name": name, "description": body.get("description", ""),
                    "region": f"{BASE}/projects/{project}/regions/{region}",
                    "healthChecks": checks,
                    "instances": checked_instances(project, region, body.get("instances") or []),
                    "sessionAffinity": affinity, "selfLink": f"{link}/{name}"}
            state["pools"][(region, name)] = pool
            operation(project, f"regions/{region}", "insert", pool["selfLink"])
        return
    pool = state["pools"].get((region, rest[0]))
    if pool is None:
        raise not_found(f"projects/{project}/regions/{region}/targetPools/{rest[0]}")
    if len(rest) == 1 and method == "GET":
        raise Reply(200, public(pool))
    if len(rest) == 1 and method == "DELETE":
        user = next((r for r in state["rules"].values() if r["target"] == pool["selfLink"]), None)
        if user is not None:
            raise error(400, "resourceInUseByAnotherResource",
                        f"The target_pool resource '{pool['selfLink'][len(BASE) + 1:]}' is already being used by '{user['selfLink'][len(BASE) + 1:]}'")
        del state["pools"][(region, rest[0])]
        operation(project, f"regions/{region}", "delete", pool["selfLink"])
    if rest[1:] == ["addInstance"] and method == "POST":
        added = checked_instances(project, region, body.get("instances") or [])
        pool["instances"] += [u for u in added if u not in pool["instances"]]
        operation(project, f"regions/{region}", "addInstance", pool["selfLink"])
    if rest[1:] == ["removeInstance"] and method == "POST":
        for index, entry in enumerate(body.get("instances") or []):
            key = instance_key(entry.get("instance") if isinstance(entry, dict) else None)
            url = key and f"{BASE}/projects/{project}/zones/{key[0]}/instances/{key[1]}"
            if url not in pool["instances"]:
                raise error(400, "invalid", f"Invalid value for field 'resource.instances[{index}]': "
                            f"'{entry}'. Instance is not a member of the target pool.")
            pool["instances"].remove(url)
        operation(project, f"regions/{region}", "removeInstance", pool["selfLink"])


def rule_routes(request, project, region, rest, body):
    state = lb_state(project)
    method = request.method
    link = f"{BASE}/projects/{project}/regions/{region}/forwardingRules"
    if not rest:
        if method == "GET":
            rules = [public(r) for (g, _), r in sorted(state["rules"].items()) if g == region]
            page(request, rules, "compute#forwardingRuleList", link)
        if method == "POST":
            name = body.get("name")
            check_name(name)
            if (region, name) in state["rules"]:
                raise error(409, "alreadyExists", f"The resource 'projects/{project}/regions/{region}/forwardingRules/{name}' already exists")
            protocol = body.get("IPProtocol", "TCP")
            if protocol not in ("TCP", "UDP", "ESP", "AH", "SCTP", "ICMP", "L3_DEFAULT"):
                raise error(400, "invalid", f"Invalid value for field 'resource.IPProtocol': '{protocol}'.")
            ports = body.get("portRange", "")
            match = re.fullmatch(r"(\d+)(?:-(\d+))?", str(ports))
            if not match or not 1 <= int(match.group(1)) <= int(match.group(2) or match.group(1)) <= 65535:
                raise error(400, "invalid", f"Invalid value for field 'resource.portRange': '{ports}'.")
            target = body.get("target") or ""
            tmatch = re.search(r"regions/([^/]+)/targetPools/([^/]+)$", target)
            if not tmatch or (tmatch.group(1), tmatch.group(2)) not in state["pools"]:
                raise not_found(target)
            if tmatch.group(1) != region:
                raise error(400, "invalid", f"Invalid value for field 'resource.target': '{target}'. Target must be in region '{region}'.")
            count = len(state["rules"]) + 1
            rule = {"kind": "compute#forwardingRule", "id": new_id(), "creationTimestamp": now(),
                    "name": name, "description": body.get("description", ""),
                    "region": f"{BASE}/projects/{project}/regions/{region}",
                    "IPAddress": body.get("IPAddress") or f"198.51.100.{count + 10}",
                    "IPProtocol": protocol,
                    "portRange": f"{match.group(1)}-{match.group(2) or match.group(1)}",
                    "target": state["pools"][(tmatch.group(1), tmatch.group(2))]["selfLink"],
                    "loadBalancingScheme": body.get("loadBalancingScheme", "EXTERNAL"),
                    "networkTier": "PREMIUM", "selfLink": f"{link}/{name}"}
            state["rules"][(region, name)] = rule
            operation(project, f"regions/{region}", "insert", rule["selfLink"])
        return
    rule = state["rules"].get((region, rest[0]))
    if rule is None:
        raise not_found(f"projects/{project}/regions/{region}/forwardingRules/{rest[0]}")
    if len(rest) == 1 and method == "GET":
        raise Reply(200, public(rule))
    if len(rest) == 1 and method == "DELETE":
        del state["rules"][(region, rest[0])]
        operation(project, f"regions/{region}", "delete", rule["selfLink"])


def check_routes(request, project, rest, body):
    state = lb_state(project)
    method = request.method
    link = f"{BASE}/projects/{project}/global/httpHealthChecks"
    if not rest:
        if method == "GET":
            page(request, [public(c) for _, c in sorted(state["checks"].items())],
                 "compute#httpHealthCheckList", link)
        if method == "POST":
            name = body.get("name")
            check_name(name)
            if name in state["checks"]:
                raise error(409, "alreadyExists", f"The resource 'projects/{project}/global/httpHealthChecks/{name}' already exists")
            port = body.get("port", 80)
            if not isinstance(port, int) or not 1 <= port <= 65535:
                raise error(400, "invalid", f"Invalid value for field 'resource.port': '{port}'.")
            check = {"kind": "compute#httpHealthCheck", "id": new_id(), "creationTimestamp": now(),
                     "name": name, "description": body.get("description", ""), "host": body.get("host", ""),
                     "requestPath": body.get("requestPath", "/"), "port": port,
                     "checkIntervalSec": body.get("checkIntervalSec", 5),
                     "timeoutSec": body.get("timeoutSec", 5),
                     "unhealthyThreshold": body.get("unhealthyThreshold", 2),
                     "healthyThreshold": body.get("healthyThreshold", 2),
                     "selfLink": f"{link}/{name}"}
            state["checks"][name] = check
            operation(project, "global", "insert", check["selfLink"])
        return
    check = state["checks"].get(rest[0])
    if check is None:
        raise not_found(f"projects/{project}/global/httpHealthChecks/{rest[0]}")
    if len(rest) == 1 and method == "GET":
        raise Reply(200, public(check))
    if len(rest) == 1 and method == "DELETE":
        user = next((p for p in state["pools"].values() if check["selfLink"] in p["healthChecks"]), None)
        if user is not None:
            raise error(400, "resourceInUseByAnotherResource",
                        f"The http_health_check resource '{check['selfLink'][len(BASE) + 1:]}' is already being used by '{user['selfLink'][len(BASE) + 1:]}'")
        del state["checks"][rest[0]]
        operation(project, "global", "delete", check["selfLink"])


def aggregated(request, project, what):
    state = lb_state(project)
    kind, store = {
        "forwardingRules": ("compute#forwardingRuleAggregatedList", "rules"),
        "targetPools": ("compute#targetPoolAggregatedList", "pools"),
    }[what]
    scopes = {f"regions/{r}": [] for r in sorted(REGIONS)}
    for (region, _), item in sorted(state[store].items()):
        scopes[f"regions/{region}"].append(public(item))
    page(request, None, kind, f"{BASE}/projects/{project}/aggregated/{what}", scopes)


def route(request, parts, body):
    """`parts` follow `compute/v1/projects/`; returns when the path is not
    load balancing's."""
    project, rest = parts[0], parts[1:]
    if rest[:1] == ["aggregated"] and rest[1:] in (["forwardingRules"], ["targetPools"]) \
            and request.method == "GET":
        aggregated(request, project, rest[1])
    if rest[:2] == ["global", "httpHealthChecks"]:
        check_routes(request, project, rest[2:], body)
    if len(rest) >= 3 and rest[0] == "regions":
        if rest[1] not in REGIONS:
            raise error(400, "invalid", f"Invalid value for field 'region': '{rest[1]}'. Unknown region.")
        if rest[2] == "targetPools":
            pool_routes(request, project, rest[1], rest[3:], body)
        if rest[2] == "forwardingRules":
            rule_routes(request, project, rest[1], rest[3:], body)
