"""`client.pods`: list, get, create (GPU or CPU), stop, resume, terminate, and wait until running."""

from __future__ import annotations

import builtins
import math
import time
from collections.abc import Mapping, Sequence

from .._backends import PodsBackend
from .._exceptions import ResourceStateError, WaitTimeoutError
from .._plan import Plan, Sleep
from .._resource import AsyncAPIResource, SyncAPIResource, require_id
from .._types import NOT_GIVEN, NotGiven, TimeoutTypes
from ..types import CloudType, Pod, PodCreateParams
from ..types.pods import TERMINAL_STATUSES
from ._params import given

__all__ = ("AsyncPods", "Pods", "wait_until_running")


def wait_until_running(backend: PodsBackend, pod_id: str, *, max_wait: float, poll_interval: float) -> Plan[Pod]:
    """A plan that polls a pod until it runs.

    At most `max_wait / poll_interval + 1` polls are made, and none after `max_wait` seconds.

    Raises:
        ResourceStateError: The pod is stopped or terminated, so it will not start by itself.
        WaitTimeoutError: It was not running in time.
    """
    if poll_interval <= 0:
        raise ValueError(f"poll_interval must be positive, got {poll_interval!r}")
    if max_wait < 0:
        raise ValueError(f"max_wait must be >= 0, got {max_wait!r}")
    polls = math.ceil(max_wait / poll_interval) + 1
    deadline = time.monotonic() + max_wait
    status: str | None = None
    for attempt in range(polls):
        pod = yield from backend.get(pod_id)
        status = pod.desired_status
        if pod.is_running:
            return pod
        if status in TERMINAL_STATUSES:
            raise ResourceStateError(
                f"pod {pod_id!r} is {status} and will not start by itself (resume it first)",
                resource="pod",
                resource_id=pod_id,
                state=status,
            )
        remaining = deadline - time.monotonic()
        if attempt + 1 == polls or remaining <= 0:
            break
        yield Sleep(min(poll_interval, remaining))
    raise WaitTimeoutError(
        f"pod {pod_id!r} was not running after {max_wait:g}s (last status {status})",
        resource="pod",
        resource_id=pod_id,
        state=status,
    )


class Pods(SyncAPIResource):
    """GPU and CPU pods: `client.pods`."""

    def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[Pod]:
        """Return every pod of the account."""
        return self._run(self._backend.pods.list(), timeout=timeout, max_retries=max_retries)

    def get(
        self, pod_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> Pod:
        """Return one pod.

        Raises:
            NotFoundError: There is no pod with this id.
        """
        return self._run(self._backend.pods.get(require_id("pod_id", pod_id)), timeout=timeout, max_retries=max_retries)

    def create(
        self,
        *,
        name: str,
        image_name: str | None = None,
        template_id: str | None = None,
        gpu_type_id: str | None = None,
        instance_id: str | None = None,
        gpu_count: int | None = None,
        cloud_type: CloudType | None = None,
        support_public_ip: bool | None = None,
        start_ssh: bool | None = None,
        start_jupyter: bool | None = None,
        data_center_id: str | None = None,
        country_code: str | None = None,
        volume_in_gb: int | None = None,
        container_disk_in_gb: int | None = None,
        min_vcpu_count: int | None = None,
        min_memory_in_gb: int | None = None,
        docker_args: str | None = None,
        ports: str | Sequence[str] | None = None,
        volume_mount_path: str | None = None,
        env: Mapping[str, str] | None = None,
        network_volume_id: str | None = None,
        allowed_cuda_versions: Sequence[str] | None = None,
        min_download: int | None = None,
        min_upload: int | None = None,
        container_registry_auth_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Pod:
        """Deploy a pod: a GPU pod when `gpu_type_id` is given, a CPU pod when `instance_id` is.

        Arguments left as None are not sent, so Runpod's (or the template's) defaults apply; GPU pods
        default to one GPU in any cloud with a public IP and SSH on, as runpod-python's `create_pod` did.
        The request is not retried once it may have reached Runpod, so a pod is never created twice.

        Args:
            name: The pod's name.
            image_name: The container image; needed unless `template_id` gives one.
            template_id: A template to start from.
            gpu_type_id: A GPU type id (`client.gpus.list()`), e.g. "NVIDIA GeForce RTX 4090".
            instance_id: A CPU instance, `<flavor>-<vcpus>-<memory GB>`, e.g. "cpu3c-2-4".
            gpu_count: GPUs to attach (GPU pods; default 1).
            cloud_type: "ALL" (the default), "SECURE" or "COMMUNITY".
            support_public_ip: Ask for a public IP (GPU pods default to True).
            start_ssh: Start an SSH server in the pod (default True).
            start_jupyter: Start Jupyter in the pod.
            data_center_id: A data center to deploy in; with `network_volume_id` alone, the volume's.
            country_code: A country to deploy in.
            volume_in_gb: The pod volume's size (GPU pods).
            container_disk_in_gb: The container disk's size (default 10 without a template).
            min_vcpu_count: At least this many vCPUs (GPU pods).
            min_memory_in_gb: At least this much RAM (GPU pods).
            docker_args: The container's start command.
            ports: Ports to expose: "8888/http,22/tcp" or ["8888/http", "22/tcp"].
            volume_mount_path: Where the volume is mounted.
            env: Environment variables; their values never appear in errors or reprs.
            network_volume_id: A network volume to mount.
            allowed_cuda_versions: CUDA versions the host may have, e.g. ["12.4", "12.6"] (GPU pods).
            min_download: Minimum download speed in Mbps.
            min_upload: Minimum upload speed in Mbps.
            container_registry_auth_id: Registry credentials for a private image (`client.registry_auths`).
            timeout: This call's time limits.
            max_retries: This call's retry count.

        Raises:
            ValueError: The arguments do not describe one valid pod (the message names the field).
            GraphQLError: Runpod refused, e.g. no machine has the GPUs asked for.
        """
        params = PodCreateParams.model_validate(given(locals()))
        return self._run(self._backend.pods.create(params), timeout=timeout, max_retries=max_retries)

    def stop(
        self, pod_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> Pod:
        """Stop a pod (its volume is kept) and return it."""
        return self._run(
            self._backend.pods.stop(require_id("pod_id", pod_id)), timeout=timeout, max_retries=max_retries
        )

    def resume(
        self,
        pod_id: str,
        *,
        gpu_count: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Pod:
        """Start a stopped pod again, with as many GPUs as it had unless `gpu_count` says otherwise.

        Raises:
            GraphQLError: Runpod refused, e.g. the host has no free GPUs now.
        """
        plan = self._backend.pods.resume(require_id("pod_id", pod_id), gpu_count)
        return self._run(plan, timeout=timeout, max_retries=max_retries)

    def terminate(
        self, pod_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> None:
        """Delete a pod and its volume."""
        self._run(self._backend.pods.terminate(require_id("pod_id", pod_id)), timeout=timeout, max_retries=max_retries)

    def wait_until_running(
        self,
        pod_id: str,
        *,
        max_wait: float = 600.0,
        poll_interval: float = 5.0,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Pod:
        """Poll a pod every `poll_interval` seconds until its container runs, and return it.

        Raises:
            ResourceStateError: The pod is stopped or terminated, so it will not start by itself.
            WaitTimeoutError: It was not running after `max_wait` seconds.
        """
        plan = wait_until_running(
            self._backend.pods, require_id("pod_id", pod_id), max_wait=max_wait, poll_interval=poll_interval
        )
        return self._run(plan, timeout=timeout, max_retries=max_retries)


class AsyncPods(AsyncAPIResource):
    """GPU and CPU pods: `client.pods` of an `AsyncRunpod`; the methods of `Pods`, awaited."""

    async def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[Pod]:
        """Return every pod of the account."""
        return await self._run(self._backend.pods.list(), timeout=timeout, max_retries=max_retries)

    async def get(
        self, pod_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> Pod:
        """Return one pod (see `Pods.get`)."""
        plan = self._backend.pods.get(require_id("pod_id", pod_id))
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def create(
        self,
        *,
        name: str,
        image_name: str | None = None,
        template_id: str | None = None,
        gpu_type_id: str | None = None,
        instance_id: str | None = None,
        gpu_count: int | None = None,
        cloud_type: CloudType | None = None,
        support_public_ip: bool | None = None,
        start_ssh: bool | None = None,
        start_jupyter: bool | None = None,
        data_center_id: str | None = None,
        country_code: str | None = None,
        volume_in_gb: int | None = None,
        container_disk_in_gb: int | None = None,
        min_vcpu_count: int | None = None,
        min_memory_in_gb: int | None = None,
        docker_args: str | None = None,
        ports: str | Sequence[str] | None = None,
        volume_mount_path: str | None = None,
        env: Mapping[str, str] | None = None,
        network_volume_id: str | None = None,
        allowed_cuda_versions: Sequence[str] | None = None,
        min_download: int | None = None,
        min_upload: int | None = None,
        container_registry_auth_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Pod:
        """Deploy a GPU or CPU pod (see `Pods.create` for every argument)."""
        params = PodCreateParams.model_validate(given(locals()))
        return await self._run(self._backend.pods.create(params), timeout=timeout, max_retries=max_retries)

    async def stop(
        self, pod_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> Pod:
        """Stop a pod (its volume is kept) and return it."""
        plan = self._backend.pods.stop(require_id("pod_id", pod_id))
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def resume(
        self,
        pod_id: str,
        *,
        gpu_count: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Pod:
        """Start a stopped pod again (see `Pods.resume`)."""
        plan = self._backend.pods.resume(require_id("pod_id", pod_id), gpu_count)
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def terminate(
        self, pod_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> None:
        """Delete a pod and its volume."""
        plan = self._backend.pods.terminate(require_id("pod_id", pod_id))
        await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def wait_until_running(
        self,
        pod_id: str,
        *,
        max_wait: float = 600.0,
        poll_interval: float = 5.0,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Pod:
        """Poll a pod until its container runs, and return it (see `Pods.wait_until_running`)."""
        plan = wait_until_running(
            self._backend.pods, require_id("pod_id", pod_id), max_wait=max_wait, poll_interval=poll_interval
        )
        return await self._run(plan, timeout=timeout, max_retries=max_retries)
