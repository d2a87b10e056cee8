"""Pods over GraphQL: podFindAndDeployOnDemand, deployCpuPod, podStop, podResume, podTerminate."""

from __future__ import annotations

import builtins
from typing import Any

from ...types import NetworkVolume, Pod, PodCreateParams
from ..base import Plan
from ._common import call, compact, env_input, env_secrets, not_found, parse, parse_list

__all__ = ("GraphQLPods", "create_pod_input")


def create_pod_input(params: PodCreateParams, data_center_id: str | None) -> dict[str, Any]:
    """The GraphQL input for a GPU pod (PodFindAndDeployOnDemandInput) or a CPU pod (deployCpuPodInput).

    GPU pods get runpod-python's defaults for what is left out: one GPU, any cloud, a public IP, SSH on.
    A container disk of 10 GB is asked for when neither a size nor a template gives one.
    """
    common = {
        "name": params.name,
        "imageName": params.image_name,
        "templateId": params.template_id,
        "cloudType": params.cloud_type or "ALL",
        "startSsh": True if params.start_ssh is None else params.start_ssh,
        "startJupyter": params.start_jupyter,
        "supportPublicIp": params.support_public_ip,
        "dataCenterId": data_center_id,
        "countryCode": params.country_code,
        "containerDiskInGb": params.container_disk_in_gb
        if params.container_disk_in_gb is not None or params.template_id
        else 10,
        "dockerArgs": params.docker_args,
        "ports": params.ports,
        "volumeMountPath": params.volume_mount_path,
        "env": env_input(params.env),
        "networkVolumeId": params.network_volume_id,
        "minDownload": params.min_download,
        "minUpload": params.min_upload,
        "containerRegistryAuthId": params.container_registry_auth_id,
    }
    if not params.is_gpu:
        return compact({"instanceId": params.instance_id, **common})
    return compact(
        {
            **common,
            "gpuTypeId": params.gpu_type_id,
            "gpuCount": params.gpu_count or 1,
            "supportPublicIp": True if params.support_public_ip is None else params.support_public_ip,
            "volumeInGb": params.volume_in_gb,
            "minVcpuCount": params.min_vcpu_count,
            "minMemoryInGb": params.min_memory_in_gb,
            "allowedCudaVersions": list(params.allowed_cuda_versions) if params.allowed_cuda_versions else None,
        }
    )


class GraphQLPods:
    """Pods through Runpod's GraphQL API."""

    def list(self) -> Plan[builtins.list[Pod]]:
        """All pods of the account."""
        data = yield call("ListPods")
        return parse_list(Pod, (data.get("myself") or {}).get("pods"), "ListPods")

    def get(self, pod_id: str) -> Plan[Pod]:
        """One pod; NotFoundError when there is none."""
        data = yield call("GetPod", input={"podId": pod_id})
        if data.get("pod") is None:
            raise not_found("pod", pod_id)
        return parse(Pod, data["pod"], "GetPod")

    def create(self, params: PodCreateParams) -> Plan[Pod]:
        """Deploy a GPU or CPU pod, in the network volume's data center when a volume is given."""
        data_center_id = params.data_center_id
        if params.network_volume_id and not data_center_id:
            # A pod can mount a network volume only in the volume's data center.
            data = yield call("ListNetworkVolumes")
            volumes = parse_list(NetworkVolume, (data.get("myself") or {}).get("networkVolumes"), "ListNetworkVolumes")
            volume = next((v for v in volumes if v.id == params.network_volume_id), None)
            if volume is None:
                raise not_found("network volume", params.network_volume_id)
            data_center_id = volume.data_center_id
        operation, field = (
            ("CreateGpuPod", "podFindAndDeployOnDemand") if params.is_gpu else ("CreateCpuPod", "deployCpuPod")
        )
        data = yield call(operation, env_secrets(params.env), input=create_pod_input(params, data_center_id))
        return parse(Pod, data.get(field), operation)

    def stop(self, pod_id: str) -> Plan[Pod]:
        """Stop a pod, then read it back whole."""
        yield call("StopPod", input={"podId": pod_id})
        return (yield from self.get(pod_id))

    def resume(self, pod_id: str, gpu_count: int | None) -> Plan[Pod]:
        """Start a stopped pod again, with the GPU count it had unless another is given."""
        if gpu_count is None:
            pod = yield from self.get(pod_id)
            gpu_count = pod.gpu_count or None
        yield call("ResumePod", input=compact({"podId": pod_id, "gpuCount": gpu_count}))
        return (yield from self.get(pod_id))

    def terminate(self, pod_id: str) -> Plan[None]:
        """Delete a pod and its volume."""
        yield call("TerminatePod", input={"podId": pod_id})
