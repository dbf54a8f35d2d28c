"""Compute Engine (API v1) for the Google reference emulator: zones,
machine types, images (the project's and public image projects', with
families), instances, persistent disks, snapshots, project-wide SSH keys
in the project's common metadata, and the zone and global operations
every change returns, as Google's "Compute Engine API" reference
describes them.

Checked field by field against Google answers recorded in Apache
Libcloud's test fixtures (libcloud/test/compute/fixtures/gce): an instance
(zones_us-central1-a_instances_node-name.json), an operation
(operations_operation_zones_us-central1-a_instances_post.json), a machine
type, a zone list, an image list, a disk, a snapshot, the project, and the
aggregated instance list with its per-zone `NO_RESULTS_ON_PAGE` warnings.
Every field the driver reads is served with the same name, type and
shape: ids and `sizeGb` as decimal strings, `memoryMb`/`guestCpus` as
numbers, resources named by full URLs (`zone`, `machineType`,
`selfLink`, `targetLink`, disk `source` and `users`), timestamps in RFC
3339 with an offset, metadata as `{fingerprint, items: [{key, value}]}`.
Not in those recordings and taken from the current reference: `labels`,
`labelFingerprint`, and the `ssh-keys` metadata key (the recordings show
the older `sshKeys`).

Behaviour kept from the reference: names of 1-63 lowercase letters,
digits and dashes starting with a letter; a change answers an operation
that is PENDING, then RUNNING, then DONE on later looks (its effect is
applied at once, the instance then moves PROVISIONING, STAGING, RUNNING
on successive reads; a stop moves through STOPPING to TERMINATED, which is
Compute Engine's word for a stopped instance); a failed operation is DONE
with `error.errors[{code, message}]` and `httpErrorStatusCode`; a disk in
use cannot be deleted nor attached elsewhere read-write
(`resourceInUseByAnotherResource`); setting the common metadata needs the
fingerprint read (412 `conditionNotMet` otherwise); lists come in name
order and page with `maxResults` and a `nextPageToken` that resumes after
the last name listed; an insert repeating a `requestId`
answers the operation the first one started.
"""

import base64
import os
import re
import time
import zlib

from emulator import Reply, after_cursor, cursor, int_args

BASE = "https://www.googleapis.com/compute/v1"
NAME = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
REGIONS = {"us-central1": ["us-central1-a", "us-central1-b"], "europe-west1": ["europe-west1-b"]}
ZONES = {zone: region for region, zones in REGIONS.items() for zone in zones}
MACHINE_TYPES = [  # name, vCPUs, MiB, description
    ("e2-micro", 2, 1024, "Efficient Instance, 2 vCPU (1/4 shared physical core) and 1 GB RAM"),
    ("e2-small", 2, 2048, "Efficient Instance, 2 vCPU (1/2 shared physical core) and 2 GB RAM"),
    ("e2-medium", 2, 4096, "Efficient Instance, 2 vCPU (1 shared physical core) and 4 GB RAM"),
    ("n2-standard-2", 2, 8192, "2 vCPUs 8 GB RAM"),
]
PUBLIC_IMAGES = {  # project -> [(name, family, description)]
    "debian-cloud": [
        ("debian-11-bullseye-v20241210", "debian-11", "Debian, Debian GNU/Linux, 11 (bullseye), amd64 built on 20241210"),
        ("debian-12-bookworm-v20241210", "debian-12", "Debian, Debian GNU/Linux, 12 (bookworm), amd64 built on 20241210"),
    ],
    "ubuntu-os-cloud": [
        ("ubuntu-2404-noble-amd64-v20241219", "ubuntu-2404-lts-amd64", "Canonical, Ubuntu, 24.04 LTS, amd64 noble image built on 2024-12-19"),
    ],
}
STATE = {}  # project -> {"instances", "disks", "snapshots", "images", "operations", "metadata"}
COUNTER = [4000000000000000000]


def new_id():
    COUNTER[0] += 7919
    return str(COUNTER[0])


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime()) + ".000-07:00"


def error(code, reason, message):
    status = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 409: "ALREADY_EXISTS",
              412: "FAILED_PRECONDITION"}.get(code, "UNKNOWN")
    return Reply(code, {"error": {
        "code": code, "message": message,
        "errors": [{"domain": "global", "reason": reason, "message": message}],
        "status": status,
    }})


def not_found(path):
    return error(404, "notFound", f"The resource '{path}' was not found")


def project_state(project):
    if project not in STATE:
        STATE[project] = {
            "instances": {}, "disks": {}, "snapshots": {}, "images": {}, "operations": {},
            "metadata": {"kind": "compute#metadata", "fingerprint": fingerprint(), "items": []},
            "id": new_id(),
        }
    return STATE[project]


def fingerprint():
    return base64.b64encode(os.urandom(8)).decode()


def page(request, items, kind, self_link, aggregated=None):
    """`items` (a list, or for an aggregated list the scopes' items by
    scope) in name order, cut to `maxResults` after the `pageToken`'s
    cursor."""
    [limit] = int_args(request.query, error(400, "invalid", "Invalid value for field 'maxResults'"),
                       maxResults=500)
    token = request.arg("pageToken")
    after = () if not token else after_cursor(
        token, error(400, "invalid", f"Invalid value for field 'pageToken': '{token}'"))
    limit = max(1, min(limit, 500))
    scopes = {"": items} if aggregated is None else aggregated
    keyed = [((scope, item["name"]), item) for scope in scopes for item in scopes[scope]]
    rest = sorted(((key, item) for key, item in keyed if key > after), key=lambda pair: pair[0])
    chosen = rest[:limit]
    answer = {"kind": kind, "id": self_link[len(BASE) + 1:], "selfLink": self_link}
    if aggregated is None:
        answer["items"] = [item for _, item in chosen]
    else:
        answer["items"] = {}
        for scope in sorted(aggregated):
            found = [item for (s, _), item in chosen if s == scope]
            answer["items"][scope] = {aggregated_key(kind): found} if found else {"warning": {
                "code": "NO_RESULTS_ON_PAGE",
                "data": [{"key": "scope", "value": scope}],
                "message": f"There are no results for scope '{scope}' on this page."}}
    if len(rest) > limit:
        answer["nextPageToken"] = cursor(chosen[-1][0])
    raise Reply(200, answer)


def aggregated_key(kind):
    return {"compute#instanceAggregatedList": "instances",
            "compute#diskAggregatedList": "disks",
            "compute#forwardingRuleAggregatedList": "forwardingRules",
            "compute#targetPoolAggregatedList": "targetPools"}[kind]


def public(resource):
    return {k: v for k, v in resource.items() if not k.startswith("_")}


def operation(project, scope, kind, target, user_error=None):
    """A new operation on `target` (a resource URL) in `scope` (`zones/z`
    or `global`), failed with `user_error` (code, message, HTTP status)
    when given."""
    state = project_state(project)
    name = f"operation-{int(time.time() * 1000)}-{new_id()[-8:]}"
    op = {
        "kind": "compute#operation", "id": new_id(), "name": name,
        "operationType": kind, "targetLink": target, "targetId": new_id(),
        "status": "PENDING", "progress": 0, "insertTime": now(),
        "user": "cloud-test@cloud-test-project.iam.gserviceaccount.com",
        "selfLink": f"{BASE}/projects/{project}/{scope}/operations/{name}",
        "_looks": 0, "_error": user_error,
    }
    if scope.startswith("zones/"):
        op["zone"] = f"{BASE}/projects/{project}/{scope}"
    if scope.startswith("regions/"):
        op["region"] = f"{BASE}/projects/{project}/{scope}"
    state["operations"][(scope, name)] = op
    raise Reply(200, public(op))


def look_at_operation(op):
    """PENDING, then RUNNING, then DONE (with its error, if any)."""
    op["_looks"] += 1
    if op["_looks"] == 1:
        op.update(status="RUNNING", progress=50, startTime=now())
    elif op["status"] != "DONE":
        op.update(status="DONE", progress=100, endTime=now())
        if op["_error"]:
            code, message, status = op["_error"]
            op["error"] = {"errors": [{"code": code, "message": message}]}
            op["httpErrorStatusCode"] = status
            op["httpErrorMessage"] = {404: "NOT FOUND", 400: "BAD REQUEST", 409: "CONFLICT"}.get(status, "ERROR")
    return public(op)


def check_name(name, field="resource.name"):
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise error(400, "invalid", f"Invalid value for field '{field}': '{name}'. Must be a match "
                    "of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'")


def zone_view(project, zone):
    return {"kind": "compute#zone", "id": str(2000 + sorted(ZONES).index(zone)),
            "creationTimestamp": "2014-05-30T18:35:16.575-07:00", "name": zone,
            "description": zone, "status": "UP",
            "region": f"{BASE}/projects/{project}/regions/{ZONES[zone]}",
            "selfLink": f"{BASE}/projects/{project}/zones/{zone}",
            "availableCpuPlatforms": ["Intel Cascade Lake", "AMD Milan"]}


def machine_type_view(project, zone, entry):
    name, cpus, memory, description = entry
    return {"kind": "compute#machineType", "id": str(801000 + MACHINE_TYPES.index(entry)),
            "creationTimestamp": "2015-01-16T09:25:43.314-08:00", "name": name,
            "description": description, "guestCpus": cpus, "memoryMb": memory,
            "imageSpaceGb": 0, "maximumPersistentDisks": 128,
            "maximumPersistentDisksSizeGb": "263168", "zone": zone,
            "selfLink": f"{BASE}/projects/{project}/zones/{zone}/machineTypes/{name}",
            "isSharedCpu": name.startswith("e2-") and memory < 4096}


def image_view(project, entry):
    name, family, description = entry
    return {"kind": "compute#image", "id": str(zlib.crc32(name.encode()) * 1000003),
            "creationTimestamp": "2024-12-10T12:00:00.000-08:00", "name": name,
            "description": description, "family": family, "sourceType": "RAW", "status": "READY",
            "archiveSizeBytes": "1234567890", "diskSizeGb": "10",
            "selfLink": f"{BASE}/projects/{project}/global/images/{name}",
            "licenses": [f"{BASE}/projects/{project}/global/licenses/{family}"]}


def images_of(project):
    if project in PUBLIC_IMAGES:
        return [image_view(project, e) for e in PUBLIC_IMAGES[project]]
    return [public(i) for i in project_state(project)["images"].values()]


def resolve_image(link):
    """The image a `sourceImage` names (full or partial URL, family or
    not), or None."""
    match = re.search(r"projects/([^/]+)/global/images/(family/)?([^/]+)$", link or "")
    if not match:
        return None
    project, family, name = match.groups()
    images = images_of(project)
    if family:
        found = [i for i in images if i.get("family") == name]
        return found[-1] if found else None
    return next((i for i in images if i["name"] == name), None)


def zone_of(zone):
    if zone not in ZONES:
        raise error(400, "invalid", f"Invalid value for field 'zone': '{zone}'. Unknown zone.")
    return zone


def read_instance(project, zone, name, advance=True):
    state = project_state(project)
    instance = state["instances"].get((zone, name))
    if instance is None:
        raise not_found(f"projects/{project}/zones/{zone}/instances/{name}")
    view = public(instance)
    if advance:
        step = {"PROVISIONING": "STAGING", "STAGING": "RUNNING", "STOPPING": "TERMINATED"}
        if instance["status"] in step:
            instance["status"] = step[instance["status"]]
    return view


def insert_instance(project, zone, body, request_id=None):
    state = project_state(project)
    # A request id seen before answers the operation it started, so a
    # retried insert makes one instance (Compute Engine keeps them an hour).
    seen = state.setdefault("request_ids", {}).get(request_id) if request_id else None
    if seen is not None:
        raise Reply(200, public(seen))
    try:
        insert_new_instance(project, zone, body)
    except Reply as reply:
        if request_id and reply.status == 200 and isinstance(reply.body, dict):
            op = state["operations"].get((f"zones/{zone}", reply.body.get("name")))
            if op is not None:
                state["request_ids"][request_id] = op
        raise


def insert_new_instance(project, zone, body):
    state = project_state(project)
    name = body.get("name")
    check_name(name)
    if (zone, name) in state["instances"]:
        raise error(409, "alreadyExists", f"The resource 'projects/{project}/zones/{zone}/instances/{name}' already exists")
    machine = (body.get("machineType") or "").rsplit("/", 1)[-1]
    entry = next((m for m in MACHINE_TYPES if m[0] == machine), None)
    if entry is None:
        raise error(400, "invalid", f"Invalid value for field 'resource.machineType': "
                    f"'{body.get('machineType')}'. Machine type with name '{machine}' does not exist in zone '{zone}'.")
    disks = body.get("disks") or []
    boot = next((d for d in disks if d.get("boot")), None)
    if boot is None:
        raise error(400, "required", "Invalid value for field 'resource.disks': ''. Boot disk must be specified.")
    target = f"{BASE}/projects/{project}/zones/{zone}/instances/{name}"
    source = (boot.get("initializeParams") or {}).get("sourceImage")
    image = resolve_image(source)
    if image is None:
        # Compute Engine checks the image while it runs the insert.
        operation(project, f"zones/{zone}", "insert", target,
                  ("RESOURCE_NOT_FOUND", f"The resource '{source}' was not found", 404))
    interfaces = []
    for index, nic in enumerate(body.get("networkInterfaces") or [{}]):
        network = nic.get("network") or "global/networks/default"
        if network.rsplit("/", 1)[-1] != "default":
            raise error(404, "notFound", f"The resource 'projects/{project}/global/networks/{network.rsplit('/', 1)[-1]}' was not found")
        view = {"kind": "compute#networkInterface", "name": f"nic{index}",
                "network": f"{BASE}/projects/{project}/global/networks/default",
                "subnetwork": f"{BASE}/projects/{project}/regions/{ZONES[zone]}/subnetworks/default",
                "networkIP": f"10.128.0.{len(state['instances']) + 2}", "fingerprint": fingerprint(),
                "stackType": "IPV4_ONLY"}
        if nic.get("accessConfigs"):
            view["accessConfigs"] = [{"kind": "compute#accessConfig", "type": "ONE_TO_ONE_NAT",
                                      "name": "External NAT", "networkTier": "PREMIUM",
                                      "natIP": f"203.0.113.{len(state['instances']) + 10}"}]
        interfaces.append(view)
    disk_name = (boot.get("initializeParams") or {}).get("diskName") or name
    size = str((boot.get("initializeParams") or {}).get("diskSizeGb") or image.get("diskSizeGb", "10"))
    boot_disk = new_disk(project, zone, disk_name, size, source_image=image["selfLink"])
    boot_disk["users"] = [target]
    metadata = body.get("metadata") or {}
    instance = {
        "kind": "compute#instance", "id": new_id(), "creationTimestamp": now(), "name": name,
        "description": body.get("description", ""),
        "tags": {"items": (body.get("tags") or {}).get("items", []), "fingerprint": fingerprint()},
        "machineType": f"{BASE}/projects/{project}/zones/{zone}/machineTypes/{machine}",
        "status": "PROVISIONING", "zone": f"{BASE}/projects/{project}/zones/{zone}",
        "canIpForward": False, "networkInterfaces": interfaces,
        "disks": [{"kind": "compute#attachedDisk", "type": "PERSISTENT", "mode": "READ_WRITE",
                   "source": boot_disk["selfLink"], "deviceName": "persistent-disk-0", "index": 0,
                   "boot": True, "autoDelete": boot.get("autoDelete", True), "diskSizeGb": size,
                   "interface": "SCSI"}],
        "metadata": {"kind": "compute#metadata", "fingerprint": fingerprint(),
                     "items": metadata.get("items", [])},
        "serviceAccounts": body.get("serviceAccounts", []),
        "selfLink": target,
        "scheduling": {"onHostMaintenance": "MIGRATE", "automaticRestart": True, "preemptible": False},
        "labels": body.get("labels", {}), "labelFingerprint": fingerprint(),
        "cpuPlatform": "Intel Cascade Lake", "lastStartTimestamp": now(),
    }
    state["instances"][(zone, name)] = instance
    operation(project, f"zones/{zone}", "insert", target)


def new_disk(project, zone, name, size, source_image=None):
    state = project_state(project)
    check_name(name)
    if (zone, name) in state["disks"]:
        raise error(409, "alreadyExists", f"The resource 'projects/{project}/zones/{zone}/disks/{name}' already exists")
    if not str(size).isdigit() or int(size) < 1 or int(size) > 65536:
        raise error(400, "invalid", f"Invalid value for field 'resource.sizeGb': '{size}'. Disk size must be between 1 and 65536 GB.")
    disk = {"kind": "compute#disk", "id": new_id(), "creationTimestamp": now(), "name": name,
            "sizeGb": str(size), "zone": f"{BASE}/projects/{project}/zones/{zone}",
            "status": "READY", "selfLink": f"{BASE}/projects/{project}/zones/{zone}/disks/{name}",
            "type": f"{BASE}/projects/{project}/zones/{zone}/diskTypes/pd-balanced",
            "physicalBlockSizeBytes": "4096", "labelFingerprint": fingerprint()}
    if source_image:
        disk["sourceImage"] = source_image
    state["disks"][(zone, name)] = disk
    return disk


def instance_action(project, zone, name, action, request, body):
    state = project_state(project)
    target = f"{BASE}/projects/{project}/zones/{zone}/instances/{name}"
    instance = state["instances"].get((zone, name))
    if instance is None:
        raise not_found(f"projects/{project}/zones/{zone}/instances/{name}")
    if action == "stop":
        if instance["status"] not in ("TERMINATED", "STOPPING"):
            instance["status"] = "STOPPING"
    elif action == "start":
        if instance["status"] in ("TERMINATED", "STOPPING"):
            instance["status"] = "STAGING"
            instance["lastStartTimestamp"] = now()
    elif action == "reset":
        if instance["status"] != "RUNNING":
            raise error(400, "resourceNotReady",
                        f"The resource 'projects/{project}/zones/{zone}/instances/{name}' is not ready")
    elif action == "attachDisk":
        source = body.get("source") or ""
        match = re.search(r"zones/([^/]+)/disks/([^/]+)$", source)
        disk = state["disks"].get((match.group(1), match.group(2))) if match else None
        if disk is None:
            raise not_found(source)
        if match.group(1) != zone:
            raise error(400, "invalid", f"Invalid value for field 'resource.source': '{source}'. Disk must be in the same zone as the instance.")
        if disk.get("users"):
            raise error(400, "resourceInUseByAnotherResource",
                        f"The disk resource '{disk['selfLink'][len(BASE) + 1:]}' is already being used by '{disk['users'][0][len(BASE) + 1:]}'")
        device = body.get("deviceName") or match.group(2)
        if any(d["deviceName"] == device for d in instance["disks"]):
            raise error(400, "invalid", f"Invalid value for field 'resource.deviceName': '{device}'. Device name is already in use.")
        instance["disks"].append({"kind": "compute#attachedDisk", "type": "PERSISTENT",
                                  "mode": body.get("mode", "READ_WRITE"), "source": disk["selfLink"],
                                  "deviceName": device, "index": len(instance["disks"]),
                                  "boot": False, "autoDelete": bool(body.get("autoDelete")),
                                  "interface": "SCSI", "diskSizeGb": disk["sizeGb"]})
        disk["users"] = [target]
    elif action == "detachDisk":
        device = request.arg("deviceName")
        attached = next((d for d in instance["disks"] if d["deviceName"] == device), None)
        if attached is None:
            raise error(400, "invalid", f"Invalid value for field 'deviceName': '{device}'. No attached disk found with device name '{device}'")
        if attached.get("boot"):
            raise error(400, "invalid", "The boot disk cannot be detached from a running instance.")
        instance["disks"].remove(attached)
        match = re.search(r"zones/([^/]+)/disks/([^/]+)$", attached["source"])
        disk = state["disks"].get((match.group(1), match.group(2)))
        if disk is not None:
            disk.pop("users", None)
    elif action == "setMetadata":
        if body.get("fingerprint") != instance["metadata"]["fingerprint"]:
            raise error(412, "conditionNotMet", "Supplied fingerprint does not match current metadata fingerprint.")
        instance["metadata"] = {"kind": "compute#metadata", "fingerprint": fingerprint(),
                                "items": body.get("items", [])}
    elif action == "setLabels":
        if body.get("labelFingerprint") != instance["labelFingerprint"]:
            raise error(412, "conditionNotMet", "Labels fingerprint either invalid or resource labels have changed")
        instance["labels"] = body.get("labels", {})
        instance["labelFingerprint"] = fingerprint()
    else:
        return
    operation(project, f"zones/{zone}", action, target)


def delete_instance(project, zone, name):
    state = project_state(project)
    instance = state["instances"].pop((zone, name), None)
    if instance is None:
        raise not_found(f"projects/{project}/zones/{zone}/instances/{name}")
    for attached in instance["disks"]:
        match = re.search(r"zones/([^/]+)/disks/([^/]+)$", attached["source"])
        key = (match.group(1), match.group(2))
        if attached.get("autoDelete"):
            state["disks"].pop(key, None)
        elif key in state["disks"]:
            state["disks"][key].pop("users", None)
    operation(project, f"zones/{zone}", "delete", instance["selfLink"])


def disk_routes(request, project, zone, rest, body):
    state = project_state(project)
    method = request.method
    if not rest:
        if method == "GET":
            disks = [public(d) for (z, _), d in sorted(state["disks"].items()) if z == zone]
            page(request, disks, "compute#diskList", f"{BASE}/projects/{project}/zones/{zone}/disks")
        if method == "POST":
            name = body.get("name")
            disk = new_disk(project, zone, name, body.get("sizeGb", "500"))
            disk["description"] = body.get("description", "")
            disk["labels"] = body.get("labels", {})
            operation(project, f"zones/{zone}", "insert", disk["selfLink"])
    name = rest[0]
    disk = state["disks"].get((zone, name))
    if disk is None:
        raise not_found(f"projects/{project}/zones/{zone}/disks/{name}")
    if len(rest) == 1 and method == "GET":
        raise Reply(200, public(disk))
    if len(rest) == 1 and method == "DELETE":
        if disk.get("users"):
            raise error(400, "resourceInUseByAnotherResource",
                        f"The disk resource '{disk['selfLink'][len(BASE) + 1:]}' is already being used by '{disk['users'][0][len(BASE) + 1:]}'")
        del state["disks"][(zone, name)]
        operation(project, f"zones/{zone}", "delete", disk["selfLink"])
    if rest[1:] == ["resize"] and method == "POST":
        size = str(body.get("sizeGb", ""))
        if not size.isdigit() or int(size) <= int(disk["sizeGb"]):
            raise error(400, "invalid", f"Invalid value for field 'sizeGb': '{size}'. New disk size must be larger than existing size '{disk['sizeGb']}'.")
        disk["sizeGb"] = size
        operation(project, f"zones/{zone}", "resizeDisk", disk["selfLink"])
    if rest[1:] == ["createSnapshot"] and method == "POST":
        snap_name = body.get("name")
        check_name(snap_name)
        if snap_name in state["snapshots"]:
            raise error(409, "alreadyExists", f"The resource 'projects/{project}/global/snapshots/{snap_name}' already exists")
        snapshot = {"kind": "compute#snapshot", "id": new_id(), "creationTimestamp": now(),
                    "name": snap_name, "description": body.get("description", ""),
                    "status": "READY", "sourceDisk": disk["selfLink"], "sourceDiskId": disk["id"],
                    "diskSizeGb": disk["sizeGb"], "storageBytes": "0", "storageBytesStatus": "UP_TO_DATE",
                    "selfLink": f"{BASE}/projects/{project}/global/snapshots/{snap_name}",
                    "storageLocations": [ZONES[zone].split("-")[0]]}
        state["snapshots"][snap_name] = snapshot
        operation(project, f"zones/{zone}", "createSnapshot", disk["selfLink"])


def route(request, parts, body):
    """`parts` follow `compute/v1/projects/`."""
    project, rest = parts[0], parts[1:]
    method = request.method
    state = project_state(project)
    link = f"{BASE}/projects/{project}"
    if not rest and method == "GET":
        raise Reply(200, {"kind": "compute#project", "id": state["id"], "name": project,
                          "creationTimestamp": "2014-01-21T10:30:53.390-08:00", "description": "",
                          "selfLink": link, "commonInstanceMetadata": public(state["metadata"]),
                          "defaultServiceAccount": f"123456789-compute@developer.gserviceaccount.com",
                          "xpnProjectStatus": "UNSPECIFIED_XPN_PROJECT_STATUS"})
    if rest == ["setCommonInstanceMetadata"] and method == "POST":
        if body.get("fingerprint") != state["metadata"]["fingerprint"]:
            raise error(412, "conditionNotMet", "Supplied fingerprint does not match current metadata fingerprint.")
        state["metadata"] = {"kind": "compute#metadata", "fingerprint": fingerprint(),
                             "items": body.get("items", [])}
        operation(project, "global", "setMetadata", link)
    if rest == ["zones"] and method == "GET":
        page(request, [zone_view(project, z) for z in sorted(ZONES)], "compute#zoneList", f"{link}/zones")
    if rest == ["aggregated", "instances"] and method == "GET":
        scopes = {f"zones/{z}": [] for z in sorted(ZONES)}
        for (zone, _), instance in sorted(state["instances"].items()):
            scopes[f"zones/{zone}"].append((zone, instance["name"]))
        views = {scope: [read_instance(project, z, n) for z, n in names] for scope, names in scopes.items()}
        page(request, None, "compute#instanceAggregatedList", f"{link}/aggregated/instances", views)
    if rest == ["aggregated", "disks"] and method == "GET":
        scopes = {f"zones/{z}": [] for z in sorted(ZONES)}
        for (zone, _), disk in sorted(state["disks"].items()):
            scopes[f"zones/{zone}"].append(public(disk))
        page(request, None, "compute#diskAggregatedList", f"{link}/aggregated/disks", scopes)
    if rest[:2] == ["global", "images"] and method == "GET":
        images = images_of(project)
        if len(rest) == 2:
            page(request, images, "compute#imageList", f"{link}/global/images")
        if len(rest) == 4 and rest[2] == "family":
            found = [i for i in images if i.get("family") == rest[3]]
            if not found:
                raise not_found(f"projects/{project}/global/images/family/{rest[3]}")
            raise Reply(200, found[-1])
        found = next((i for i in images if i["name"] == rest[2]), None)
        if found is None or len(rest) != 3:
            raise not_found(f"projects/{project}/global/images/{rest[2]}")
        raise Reply(200, found)
    if rest[:2] == ["global", "snapshots"]:
        if len(rest) == 2 and method == "GET":
            page(request, [public(s) for _, s in sorted(state["snapshots"].items())],
                 "compute#snapshotList", f"{link}/global/snapshots")
        snapshot = state["snapshots"].get(rest[2]) if len(rest) == 3 else None
        if snapshot is None:
            raise not_found(f"projects/{project}/global/snapshots/{rest[2]}")
        if method == "GET":
            raise Reply(200, public(snapshot))
        if method == "DELETE":
            del state["snapshots"][rest[2]]
            operation(project, "global", "delete", snapshot["selfLink"])
    scoped = rest[:2] if rest[:1] in (["zones"], ["regions"]) else rest[:1]
    if scoped in (["global"], ["zones", rest[1] if len(rest) > 1 else ""],
                  ["regions", rest[1] if len(rest) > 1 else ""]) \
            and rest[len(scoped):len(scoped) + 1] == ["operations"] and len(rest) >= len(scoped) + 2:
        scope = "/".join(scoped)
        name, tail = rest[len(scoped) + 1], rest[len(scoped) + 2:]
        op = state["operations"].get((scope, name))
        if op is None:
            raise not_found(f"projects/{project}/{scope}/operations/{name}")
        if method == "GET" and not tail:
            raise Reply(200, look_at_operation(op))
        if method == "POST" and tail == ["wait"]:
            # `wait` answers once the operation is done, or after a while.
            look_at_operation(op)
            raise Reply(200, look_at_operation(op))
    if len(rest) >= 2 and rest[0] == "zones":
        zone = rest[1]
        if len(rest) == 2 and method == "GET":
            if zone not in ZONES:
                raise not_found(f"projects/{project}/zones/{zone}")
            raise Reply(200, zone_view(project, zone))
        zone_of(zone)
        sub = rest[2:]
        if sub[:1] == ["machineTypes"] and method == "GET":
            types = [machine_type_view(project, zone, m) for m in MACHINE_TYPES]
            if len(sub) == 1:
                page(request, types, "compute#machineTypeList", f"{link}/zones/{zone}/machineTypes")
            found = next((t for t in types if t["name"] == sub[1]), None)
            if found is None:
                raise not_found(f"projects/{project}/zones/{zone}/machineTypes/{sub[1]}")
            raise Reply(200, found)
        if sub[:1] == ["disks"]:
            disk_routes(request, project, zone, sub[1:], body)
        if sub == ["instances"]:
            if method == "GET":
                names = [n for (z, n) in sorted(state["instances"]) if z == zone]
                page(request, [read_instance(project, zone, n) for n in names],
                     "compute#instanceList", f"{link}/zones/{zone}/instances")
            if method == "POST":
                insert_instance(project, zone, body, request.arg("requestId"))
        if len(sub) == 2 and sub[0] == "instances":
            if method == "GET":
                raise Reply(200, read_instance(project, zone, sub[1]))
            if method == "DELETE":
                delete_instance(project, zone, sub[1])
        if len(sub) == 3 and sub[0] == "instances" and method == "POST":
            instance_action(project, zone, sub[1], sub[2], request, body)
