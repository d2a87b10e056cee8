"""The fake platform's memory and its resolvers: real create, read, update, list and delete.

Behaviour copied from what is known of Runpod's API, so the client is tested against the same rules:
`saveEndpoint` and `saveTemplate` with an id replace the whole record (fields left out fall back to
defaults); templates are deleted by name and not while an endpoint uses them; endpoints are deleted only
at zero workers; network volumes never shrink; registry passwords are stored but never readable. A pod
answers as starting (no `runtime`) for its first `boot_polls` reads after it is created or resumed.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

__all__ = ("FakeState", "GPU_TYPES")

GPU_TYPES: tuple[dict[str, Any], ...] = (
    {
        "id": "NVIDIA GeForce RTX 4090",
        "displayName": "RTX 4090",
        "manufacturer": "Nvidia",
        "memoryInGb": 24,
        "cudaCores": 16384,
        "secureCloud": True,
        "communityCloud": True,
        "securePrice": 0.69,
        "communityPrice": 0.34,
        "secureSpotPrice": 0.35,
        "communitySpotPrice": 0.2,
        "oneWeekPrice": 0.64,
        "oneMonthPrice": 0.59,
        "threeMonthPrice": 0.54,
        "maxGpuCount": 8,
    },
    {
        "id": "NVIDIA A100 80GB PCIe",
        "displayName": "A100 PCIe",
        "manufacturer": "Nvidia",
        "memoryInGb": 80,
        "cudaCores": 6912,
        "secureCloud": True,
        "communityCloud": True,
        "securePrice": 1.64,
        "communityPrice": 1.19,
        "secureSpotPrice": 0.82,
        "communitySpotPrice": 0.6,
        "oneWeekPrice": 1.55,
        "oneMonthPrice": 1.45,
        "threeMonthPrice": 1.35,
        "maxGpuCount": 8,
    },
    {
        "id": "NVIDIA H100 80GB HBM3",
        "displayName": "H100 SXM",
        "manufacturer": "Nvidia",
        "memoryInGb": 80,
        "cudaCores": 16896,
        "secureCloud": True,
        "communityCloud": False,
        "securePrice": 2.99,
        "communityPrice": None,
        "secureSpotPrice": 1.75,
        "communitySpotPrice": None,
        "oneWeekPrice": 2.89,
        "oneMonthPrice": 2.79,
        "threeMonthPrice": 2.69,
        "maxGpuCount": 8,
    },
)

_ENDPOINT_DEFAULTS: dict[str, Any] = {
    "gpuCount": 1,
    "workersMin": 0,
    "workersMax": 3,
    "idleTimeout": 10,
    "scalerType": "QUEUE_DELAY",
    "scalerValue": 4,
    "workersPFBTarget": 0,
    "flashBootType": "OFF",
    "type": "QB",
}

_TEMPLATE_DEFAULTS: dict[str, Any] = {
    "isServerless": False,
    "isPublic": False,
    "startSsh": True,
    "startJupyter": False,
    "readme": "",
    "advancedStart": False,
}


def _new_id(prefix: str = "") -> str:
    return prefix + secrets.token_hex(7)


def _env_pairs(env: Any) -> list[dict[str, str]]:
    return [{"key": item["key"], "value": item["value"]} for item in env or []]


def _fail(message: str) -> GraphQLError:
    return GraphQLError(message)


@dataclass
class FakeState:
    """Everything the fake platform remembers, guarded by one lock.

    Tests may read the records directly (`state.pods[pod_id]`), including what the API never returns
    (`state.registry_auths[auth_id]["password"]`).
    """

    boot_polls: int = 1
    """Reads of a new or resumed pod that still show it starting."""
    user: dict[str, Any] = field(
        default_factory=lambda: {"id": "user-fake0001", "email": "developer@example.com", "pubKey": ""}
    )
    gpu_types: list[dict[str, Any]] = field(default_factory=lambda: [dict(g) for g in GPU_TYPES])
    pods: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    network_volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    registry_auths: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy of everything (what the control route `/_fake/state` answers)."""
        with self.lock:
            return {
                "user": dict(self.user),
                "pods": {k: {f: v for f, v in p.items() if not f.startswith("_")} for k, p in self.pods.items()},
                "templates": {k: dict(v) for k, v in self.templates.items()},
                "endpoints": {k: dict(v) for k, v in self.endpoints.items()},
                "network_volumes": {k: dict(v) for k, v in self.network_volumes.items()},
                "registry_auths": {k: dict(v) for k, v in self.registry_auths.items()},
            }

    # -- views: what the GraphQL types show --------------------------------------------------------------

    def _pod_view(self, pod: dict[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in pod.items() if not k.startswith("_")}
        running = pod["desiredStatus"] == "RUNNING" and pod["_reads"] > self.boot_polls
        view["runtime"] = None
        view["uptimeSeconds"] = 0
        if running:
            ports = [p for p in (pod.get("ports") or "").split(",") if p]
            view["runtime"] = {
                "uptimeInSeconds": 60 * (pod["_reads"] - self.boot_polls),
                "ports": [
                    {
                        "ip": "203.0.113.10" if kind == "tcp" else "100.65.0.2",
                        "isIpPublic": kind == "tcp",
                        "privatePort": int(number),
                        "publicPort": 40000 + int(number) if kind == "tcp" else int(number),
                        "type": kind,
                    }
                    for number, _, kind in (p.partition("/") for p in ports)
                ],
                "gpus": [
                    {"id": f"GPU-{i}", "gpuUtilPercent": 0, "memoryUtilPercent": 0} for i in range(pod["gpuCount"])
                ],
            }
            view["uptimeSeconds"] = view["runtime"]["uptimeInSeconds"]
        return view

    def _read_pod(self, pod: dict[str, Any]) -> dict[str, Any]:
        pod["_reads"] += 1
        return self._pod_view(pod)

    # -- queries ---------------------------------------------------------------------------------------------

    def myself(self, info: GraphQLResolveInfo) -> dict[str, Any]:
        return {
            **self.user,
            "pods": lambda info: [self._read_pod(p) for p in self.pods.values()],
            "endpoints": lambda info: list(self.endpoints.values()),
            "endpoint": lambda info, id: self.endpoints.get(id),
            "networkVolumes": lambda info: list(self.network_volumes.values()),
            "podTemplates": lambda info: list(self.templates.values()),
            "containerRegistryCreds": lambda info: [
                {"id": a["id"], "name": a["name"]} for a in self.registry_auths.values()
            ],
        }

    def pod(self, info: GraphQLResolveInfo, input: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        pod = self.pods.get((input or {}).get("podId", ""))
        return None if pod is None else self._read_pod(pod)

    def _gpu_view(self, gpu: dict[str, Any]) -> dict[str, Any]:
        def lowest_price(info: GraphQLResolveInfo, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
            count = (input or {}).get("gpuCount", 1)
            available = count <= gpu["maxGpuCount"]
            return {
                "minimumBidPrice": gpu["communitySpotPrice"] or gpu["secureSpotPrice"],
                "uninterruptablePrice": (gpu["communityPrice"] or gpu["securePrice"]) if available else None,
                "stockStatus": ("High" if count <= 2 else "Low") if available else None,
            }

        return {**gpu, "lowestPrice": lowest_price}

    def gpuTypes(self, info: GraphQLResolveInfo, input: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        filters = dict(input or {})
        wanted = set(filters.get("ids") or []) | ({filters["id"]} if filters.get("id") else set())
        return [self._gpu_view(g) for g in self.gpu_types if not wanted or g["id"] in wanted]

    def podTemplate(self, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
        return self.templates.get(id)

    # -- pods ------------------------------------------------------------------------------------------------

    def _new_pod(self, values: Mapping[str, Any], *, gpu_count: int, vcpus: float, memory: float, cost: float) -> dict:
        template = self.templates.get(values.get("templateId") or "")
        if values.get("templateId") and template is None:
            raise _fail(f"Template {values['templateId']} not found")
        image = values.get("imageName") or (template or {}).get("imageName")
        if not image:
            raise _fail("imageName or templateId is required")
        auth_id = values.get("containerRegistryAuthId")
        if auth_id and auth_id not in self.registry_auths:
            raise _fail(f"Container registry auth {auth_id} not found")
        volume_id = values.get("networkVolumeId")
        if volume_id:
            volume = self.network_volumes.get(volume_id)
            if volume is None:
                raise _fail(f"Network volume {volume_id} not found")
            if values.get("dataCenterId") != volume["dataCenterId"]:
                raise _fail("A pod with a network volume must be deployed in the volume's data center")
        env = [f"{e['key']}={e['value']}" for e in values.get("env") or (template or {}).get("env") or []]
        pod_id = _new_id()
        pod = {
            "id": pod_id,
            "name": values.get("name") or "",
            "machineId": _new_id("m"),
            "imageName": image,
            "dockerArgs": values.get("dockerArgs", (template or {}).get("dockerArgs", "")),
            "dockerId": None,
            "gpuCount": gpu_count,
            "vcpuCount": vcpus,
            "memoryInGb": memory,
            "containerDiskInGb": values.get("containerDiskInGb") or (template or {}).get("containerDiskInGb") or 10,
            "volumeInGb": values.get("volumeInGb", (template or {}).get("volumeInGb", 0)),
            "volumeMountPath": values.get("volumeMountPath") or (template or {}).get("volumeMountPath") or "/workspace",
            "desiredStatus": "RUNNING",
            "costPerHr": round(cost, 4),
            "env": env,
            "port": None,
            "ports": values.get("ports") or (template or {}).get("ports") or "",
            "templateId": values.get("templateId"),
            "networkVolumeId": volume_id,
            "containerRegistryAuthId": auth_id,
            "podType": "RESERVED",
            "lastStatusChange": "Rented by User: just now",
            "machine": {
                "podHostId": f"{pod_id}-64410f",
                "gpuDisplayName": None,
                "location": values.get("dataCenterId"),
            },
            "_reads": 0,
            "_input": dict(values),
        }
        self.pods[pod_id] = pod
        return pod

    def podFindAndDeployOnDemand(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        gpu = next((g for g in self.gpu_types if g["id"] == input.get("gpuTypeId")), None)
        count = input.get("gpuCount") or 1
        if gpu is None or count > gpu["maxGpuCount"]:
            raise _fail(
                "There are no longer any instances available with the requested specifications. "
                "Please refresh and try again."
            )
        price = (
            gpu["securePrice"] if input.get("cloudType") == "SECURE" else gpu["communityPrice"] or gpu["securePrice"]
        )
        pod = self._new_pod(input, gpu_count=count, vcpus=8.0 * count, memory=32.0 * count, cost=price * count)
        pod["machine"]["gpuDisplayName"] = gpu["displayName"]
        return self._pod_view(pod)

    def deployCpuPod(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        flavor, _, rest = input["instanceId"].partition("-")
        vcpus, _, memory = rest.partition("-")
        if not flavor.startswith("cpu") or not vcpus.isdigit() or not memory.isdigit():
            raise _fail(f"Invalid instanceId {input['instanceId']}: expected flavorId-vcpuCount-memoryInGb")
        pod = self._new_pod(input, gpu_count=0, vcpus=float(vcpus), memory=float(memory), cost=0.03 * int(vcpus))
        return self._pod_view(pod)

    def _pod(self, pod_id: str) -> dict[str, Any]:
        pod = self.pods.get(pod_id)
        if pod is None:
            raise _fail(f"Pod {pod_id} not found")
        return pod

    def podStop(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        pod = self._pod(input["podId"])
        pod["desiredStatus"] = "EXITED"
        pod["lastStatusChange"] = "Exited by user: just now"
        return self._pod_view(pod)

    def podResume(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        pod = self._pod(input["podId"])
        if pod["desiredStatus"] == "RUNNING":
            raise _fail("Pod is already running")
        if input.get("gpuCount") is not None:
            pod["gpuCount"] = input["gpuCount"]
        pod["desiredStatus"] = "RUNNING"
        pod["_reads"] = 0
        return self._pod_view(pod)

    def podTerminate(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> None:
        self._pod(input["podId"])
        del self.pods[input["podId"]]

    # -- templates -------------------------------------------------------------------------------------------

    def saveTemplate(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        template_id = input.get("id") or _new_id()
        if input.get("id") and template_id not in self.templates:
            raise _fail(f"Template {template_id} not found")
        if any(t["name"] == input["name"] and t["id"] != template_id for t in self.templates.values()):
            raise _fail(f"Template name must be unique: {input['name']}")
        record = {
            **_TEMPLATE_DEFAULTS,
            "imageName": None,
            "volumeMountPath": None,
            "ports": None,
            "containerRegistryAuthId": None,
            "startScript": None,
            "portsConfig": [],
            "category": None,
            **{k: v for k, v in input.items() if k != "env"},
            "id": template_id,
            "env": _env_pairs(input["env"]),
        }
        self.templates[template_id] = record
        return record

    def deleteTemplate(self, info: GraphQLResolveInfo, templateName: str | None = None) -> None:
        found = next((t for t in self.templates.values() if t["name"] == templateName), None)
        if found is None:
            raise _fail(f"Template {templateName} not found")
        if any(e.get("templateId") == found["id"] for e in self.endpoints.values()):
            raise _fail("Template is in use by an endpoint")
        del self.templates[found["id"]]

    # -- endpoints -------------------------------------------------------------------------------------------

    def saveEndpoint(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        endpoint_id = input.get("id") or _new_id()
        if input.get("id") and endpoint_id not in self.endpoints:
            raise _fail(f"Endpoint {endpoint_id} not found")
        if input.get("templateId") and input["templateId"] not in self.templates:
            raise _fail(f"Template {input['templateId']} not found")
        volumes = [v["networkVolumeId"] for v in input.get("networkVolumeIds") or []]
        record = {
            **_ENDPOINT_DEFAULTS,
            "templateId": None,
            "gpuIds": None,
            "instanceIds": None,
            "locations": None,
            "networkVolumeId": None,
            "allowedCudaVersions": None,
            "minCudaVersion": None,
            "executionTimeoutMs": None,
            "modelReferences": None,
            "workersStandby": 0,
            # A full replace: what the input leaves out is reset, as on Runpod.
            **{k: v for k, v in input.items() if k not in ("env", "networkVolumeIds")},
            "id": endpoint_id,
            "env": _env_pairs(input.get("env")),
            "networkVolumeIds": [
                {"networkVolumeId": v, "dataCenterId": (self.network_volumes.get(v) or {}).get("dataCenterId")}
                for v in volumes
            ],
            "userId": self.user["id"],
            "version": (self.endpoints.get(endpoint_id, {}).get("version", -1)) + 1,
            "createdAt": self.endpoints.get(endpoint_id, {}).get("createdAt", "2026-11-22T12:00:00.000Z"),
        }
        self.endpoints[endpoint_id] = record
        return record

    def deleteEndpoint(self, info: GraphQLResolveInfo, id: str) -> None:
        endpoint = self.endpoints.get(id)
        if endpoint is None:
            raise _fail(f"Endpoint {id} not found")
        if endpoint["workersMin"] or endpoint["workersMax"]:
            raise _fail("Endpoint must have workersMin and workersMax set to 0 before it can be deleted")
        del self.endpoints[id]

    def updateEndpointTemplate(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        endpoint = self.endpoints.get(input.get("endpointId") or "")
        if endpoint is None:
            raise _fail(f"Endpoint {input.get('endpointId')} not found")
        if input.get("templateId") not in self.templates:
            raise _fail(f"Template {input.get('templateId')} not found")
        endpoint["templateId"] = input["templateId"]
        endpoint["version"] += 1
        return endpoint

    # -- network volumes -------------------------------------------------------------------------------------

    def createNetworkVolume(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        if not input.get("size") or input["size"] < 1:
            raise _fail("size must be at least 1 GB")
        volume = {
            "id": _new_id(),
            "name": input.get("name") or "",
            "size": input["size"],
            "dataCenterId": input["dataCenterId"],
        }
        self.network_volumes[volume["id"]] = volume
        return volume

    def updateNetworkVolume(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        volume = self.network_volumes.get(input["id"])
        if volume is None:
            raise _fail(f"Network volume {input['id']} not found")
        if input.get("size") is not None and input["size"] < volume["size"]:
            raise _fail(f"A network volume cannot shrink (from {volume['size']} GB to {input['size']} GB)")
        volume.update({k: v for k, v in input.items() if k in ("name", "size") and v is not None})
        return volume

    def deleteNetworkVolume(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> None:
        if self.network_volumes.pop(input["id"], None) is None:
            raise _fail(f"Network volume {input['id']} not found")

    # -- registry auth ---------------------------------------------------------------------------------------

    def saveRegistryAuth(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        if any(a["name"] == input["name"] for a in self.registry_auths.values()):
            raise _fail(f"Registry auth name must be unique: {input['name']}")
        auth = {"id": _new_id(), "name": input["name"], "username": input["username"], "password": input["password"]}
        self.registry_auths[auth["id"]] = auth
        return {"id": auth["id"], "name": auth["name"]}

    def updateRegistryAuth(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        auth = self.registry_auths.get(input["id"])
        if auth is None:
            raise _fail(f"Registry auth {input['id']} not found")
        auth.update(username=input["username"], password=input["password"])
        return {"id": auth["id"], "name": auth["name"]}

    def deleteRegistryAuth(self, info: GraphQLResolveInfo, registryAuthId: str | None = None) -> None:
        if self.registry_auths.pop(registryAuthId or "", None) is None:
            raise _fail(f"Registry auth {registryAuthId} not found")

    # -- user ------------------------------------------------------------------------------------------------

    def updateUserSettings(self, info: GraphQLResolveInfo, input: Mapping[str, Any]) -> dict[str, Any]:
        if "pubKey" in input:
            self.user["pubKey"] = input["pubKey"]
        return dict(self.user)
