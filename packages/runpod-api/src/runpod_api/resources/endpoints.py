"""`client.endpoints`: serverless endpoint configuration (list, get, create, update, update_template, delete)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from .._resource import AsyncAPIResource, SyncAPIResource, require_id
from .._types import NOT_GIVEN, NotGiven, TimeoutTypes
from ..types import EndpointParams, ScalerType, ServerlessEndpoint
from ._params import changes, given

__all__ = ("AsyncEndpoints", "Endpoints")

EndpointType = Literal["QB", "LB"]


def _create_params(arguments: dict[str, Any]) -> EndpointParams:
    values = given(arguments, drop=("flashboot", "endpoint_type"))
    if arguments["flashboot"]:
        values["flash_boot_type"] = "FLASHBOOT"
    if arguments["endpoint_type"] is not None:
        values["type"] = arguments["endpoint_type"]
    return EndpointParams.model_validate(values)


def _update_changes(endpoint_id: str, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    require_id("endpoint_id", endpoint_id)
    values = changes(arguments, drop=("endpoint_id", "flashboot"))
    flashboot = arguments["flashboot"]
    if not isinstance(flashboot, NotGiven):
        values["flash_boot_type"] = None if flashboot is None else ("FLASHBOOT" if flashboot else "OFF")
    if not values:
        raise ValueError("give at least one setting to change")
    for required in ("name", "template_id"):
        if required in values and values[required] is None:
            raise ValueError(f"{required} cannot be cleared")
    return endpoint_id, values


class Endpoints(SyncAPIResource):
    """Serverless endpoints' configuration: `client.endpoints`."""

    def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[ServerlessEndpoint]:
        """Return every serverless endpoint of the account."""
        return self._run(self._backend.endpoints.list(), timeout=timeout, max_retries=max_retries)

    def get(
        self, endpoint_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> ServerlessEndpoint:
        """Return one endpoint.

        Raises:
            NotFoundError: There is no endpoint with this id.
        """
        plan = self._backend.endpoints.get(require_id("endpoint_id", endpoint_id))
        return self._run(plan, timeout=timeout, max_retries=max_retries)

    def create(
        self,
        *,
        name: str,
        template_id: str,
        gpu_ids: str | Sequence[str] | None = None,
        gpu_count: int = 1,
        instance_ids: Sequence[str] | None = None,
        network_volume_id: str | None = None,
        network_volume_ids: Sequence[str] | None = None,
        locations: str | Sequence[str] | None = None,
        idle_timeout: int = 5,
        scaler_type: ScalerType = "QUEUE_DELAY",
        scaler_value: int = 4,
        workers_min: int = 0,
        workers_max: int = 3,
        flashboot: bool = False,
        allowed_cuda_versions: str | Sequence[str] | None = None,
        min_cuda_version: str | None = None,
        execution_timeout_ms: int | None = None,
        endpoint_type: EndpointType | None = None,
        env: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ServerlessEndpoint:
        """Create a serverless endpoint that runs workers from a template.

        The defaults are runpod-python's `create_endpoint` defaults.

        Args:
            name: The endpoint's name.
            template_id: The (serverless) template its workers run.
            gpu_ids: GPU pool ids, e.g. "AMPERE_16" or ["ADA_24", "AMPERE_48"]; give these or `instance_ids`.
            gpu_count: GPUs per worker.
            instance_ids: CPU instance ids for a CPU endpoint, e.g. ["cpu3c-2-4"].
            network_volume_id: A network volume to mount in every worker.
            network_volume_ids: Several network volumes (in different data centers).
            locations: Data centers to run in, e.g. "EU-RO-1,US-TX-3"; None for any.
            idle_timeout: Seconds an idle worker is kept before it scales down.
            scaler_type: "QUEUE_DELAY" (seconds a job waits) or "REQUEST_COUNT" (jobs per worker).
            scaler_value: The target for `scaler_type`.
            workers_min: Workers kept running even when idle.
            workers_max: The most workers at once.
            flashboot: Start workers from cached snapshots.
            allowed_cuda_versions: CUDA versions a host may have, e.g. ["12.4", "12.6"].
            min_cuda_version: The oldest CUDA version a host may have.
            execution_timeout_ms: The longest a job may run, in milliseconds.
            endpoint_type: "QB" (queue-based, the default) or "LB" (load-balanced).
            env: Environment variables for the workers; their values never appear in errors or reprs.
            timeout: This call's time limits.
            max_retries: This call's retry count.

        Raises:
            ValueError: The arguments do not describe a valid endpoint (the message names the field).
        """
        params = _create_params(locals())
        return self._run(self._backend.endpoints.create(params), timeout=timeout, max_retries=max_retries)

    def update(
        self,
        endpoint_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        template_id: str | NotGiven = NOT_GIVEN,
        gpu_ids: str | Sequence[str] | NotGiven = NOT_GIVEN,
        gpu_count: int | NotGiven = NOT_GIVEN,
        instance_ids: Sequence[str] | None | NotGiven = NOT_GIVEN,
        network_volume_id: str | None | NotGiven = NOT_GIVEN,
        network_volume_ids: Sequence[str] | None | NotGiven = NOT_GIVEN,
        locations: str | Sequence[str] | None | NotGiven = NOT_GIVEN,
        idle_timeout: int | NotGiven = NOT_GIVEN,
        scaler_type: ScalerType | NotGiven = NOT_GIVEN,
        scaler_value: int | NotGiven = NOT_GIVEN,
        workers_min: int | NotGiven = NOT_GIVEN,
        workers_max: int | NotGiven = NOT_GIVEN,
        flashboot: bool | NotGiven = NOT_GIVEN,
        allowed_cuda_versions: str | Sequence[str] | None | NotGiven = NOT_GIVEN,
        min_cuda_version: str | None | NotGiven = NOT_GIVEN,
        execution_timeout_ms: int | None | NotGiven = NOT_GIVEN,
        env: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ServerlessEndpoint:
        """Change some of an endpoint's settings (workers, scaling, GPUs, timeouts...); the rest stay.

        Only the arguments passed change; None clears an optional setting. Runpod replaces an endpoint's
        whole configuration on update, so this reads the current one first and sends it back changed.

        Raises:
            NotFoundError: There is no endpoint with this id.
            ValueError: No setting was given, or the result would be invalid.
        """
        endpoint_id, values = _update_changes(endpoint_id, locals())
        return self._run(self._backend.endpoints.update(endpoint_id, values), timeout=timeout, max_retries=max_retries)

    def update_template(
        self,
        endpoint_id: str,
        template_id: str,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ServerlessEndpoint:
        """Point an endpoint at another template (new workers start from it) and return the endpoint."""
        plan = self._backend.endpoints.update_template(
            require_id("endpoint_id", endpoint_id), require_id("template_id", template_id)
        )
        return self._run(plan, timeout=timeout, max_retries=max_retries)

    def delete(
        self, endpoint_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> None:
        """Delete an endpoint, scaling it to zero workers first as Runpod requires."""
        plan = self._backend.endpoints.delete(require_id("endpoint_id", endpoint_id))
        self._run(plan, timeout=timeout, max_retries=max_retries)


class AsyncEndpoints(AsyncAPIResource):
    """Serverless endpoints' configuration: `client.endpoints` of an `AsyncRunpod`; the methods of `Endpoints`."""

    async def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[ServerlessEndpoint]:
        """Return every serverless endpoint of the account."""
        return await self._run(self._backend.endpoints.list(), timeout=timeout, max_retries=max_retries)

    async def get(
        self, endpoint_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> ServerlessEndpoint:
        """Return one endpoint (see `Endpoints.get`)."""
        plan = self._backend.endpoints.get(require_id("endpoint_id", endpoint_id))
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def create(
        self,
        *,
        name: str,
        template_id: str,
        gpu_ids: str | Sequence[str] | None = None,
        gpu_count: int = 1,
        instance_ids: Sequence[str] | None = None,
        network_volume_id: str | None = None,
        network_volume_ids: Sequence[str] | None = None,
        locations: str | Sequence[str] | None = None,
        idle_timeout: int = 5,
        scaler_type: ScalerType = "QUEUE_DELAY",
        scaler_value: int = 4,
        workers_min: int = 0,
        workers_max: int = 3,
        flashboot: bool = False,
        allowed_cuda_versions: str | Sequence[str] | None = None,
        min_cuda_version: str | None = None,
        execution_timeout_ms: int | None = None,
        endpoint_type: EndpointType | None = None,
        env: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ServerlessEndpoint:
        """Create a serverless endpoint (see `Endpoints.create` for every argument)."""
        params = _create_params(locals())
        return await self._run(self._backend.endpoints.create(params), timeout=timeout, max_retries=max_retries)

    async def update(
        self,
        endpoint_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        template_id: str | NotGiven = NOT_GIVEN,
        gpu_ids: str | Sequence[str] | NotGiven = NOT_GIVEN,
        gpu_count: int | NotGiven = NOT_GIVEN,
        instance_ids: Sequence[str] | None | NotGiven = NOT_GIVEN,
        network_volume_id: str | None | NotGiven = NOT_GIVEN,
        network_volume_ids: Sequence[str] | None | NotGiven = NOT_GIVEN,
        locations: str | Sequence[str] | None | NotGiven = NOT_GIVEN,
        idle_timeout: int | NotGiven = NOT_GIVEN,
        scaler_type: ScalerType | NotGiven = NOT_GIVEN,
        scaler_value: int | NotGiven = NOT_GIVEN,
        workers_min: int | NotGiven = NOT_GIVEN,
        workers_max: int | NotGiven = NOT_GIVEN,
        flashboot: bool | NotGiven = NOT_GIVEN,
        allowed_cuda_versions: str | Sequence[str] | None | NotGiven = NOT_GIVEN,
        min_cuda_version: str | None | NotGiven = NOT_GIVEN,
        execution_timeout_ms: int | None | NotGiven = NOT_GIVEN,
        env: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ServerlessEndpoint:
        """Change some of an endpoint's settings; the rest stay (see `Endpoints.update`)."""
        endpoint_id, values = _update_changes(endpoint_id, locals())
        plan = self._backend.endpoints.update(endpoint_id, values)
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def update_template(
        self,
        endpoint_id: str,
        template_id: str,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ServerlessEndpoint:
        """Point an endpoint at another template and return the endpoint."""
        plan = self._backend.endpoints.update_template(
            require_id("endpoint_id", endpoint_id), require_id("template_id", template_id)
        )
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def delete(
        self, endpoint_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> None:
        """Delete an endpoint, scaling it to zero workers first."""
        plan = self._backend.endpoints.delete(require_id("endpoint_id", endpoint_id))
        await self._run(plan, timeout=timeout, max_retries=max_retries)
