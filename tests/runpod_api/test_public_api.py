"""The public surface is what we mean: names exported, and sync and async twins alike."""

from __future__ import annotations

import importlib
import inspect
import types

import pytest

import runpod_api
from runpod_api import resources

PUBLIC_MODULES = ["runpod_api", "runpod_api.types", "runpod_api.resources", "runpod_api.testing"]

EXPECTED_TOP_LEVEL = {
    "__version__",
    "Runpod",
    "AsyncRunpod",
    "Endpoint",
    "AsyncEndpoint",
    "RetryPolicy",
    "Timeout",
    "NOT_GIVEN",
    "NotGiven",
    "RunpodError",
    "ConfigError",
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "InternalServerError",
    "GraphQLError",
    "APIResponseValidationError",
    "JobError",
    "JobFailedError",
    "JobTimeoutError",
    "JobCancelledError",
    "ResourceStateError",
    "WaitTimeoutError",
}


def test_top_level_exports_exactly_the_public_api() -> None:
    assert set(runpod_api.__all__) == EXPECTED_TOP_LEVEL
    assert isinstance(runpod_api.__all__, tuple)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_lists_every_public_name_and_nothing_else(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_") and not isinstance(value, types.ModuleType) and attr != "annotations"
    }
    assert exported == public | ({"__version__"} if name == "runpod_api" else set())


def _pairs() -> list[tuple[type, type]]:
    pairs = [(runpod_api.Runpod, runpod_api.AsyncRunpod)]
    for name in resources.__all__:
        if name.startswith("Async"):
            sync_name = name.removeprefix("Async")
            pairs.append((getattr(resources, sync_name), getattr(resources, name)))
    return pairs


def _methods(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property))
    }


@pytest.mark.parametrize(("sync_cls", "async_cls"), _pairs(), ids=lambda c: c.__name__)
def test_async_twin_has_the_same_methods_and_signatures(sync_cls: type, async_cls: type) -> None:
    sync_methods, async_methods = _methods(sync_cls), _methods(async_cls)
    renamed = {"close": "aclose"}
    assert {renamed.get(n, n) for n in sync_methods} == set(async_methods)
    for name, method in sync_methods.items():
        twin = async_methods[renamed.get(name, name)]
        if isinstance(method, property):
            assert isinstance(twin, property)
            continue
        assert inspect.iscoroutinefunction(twin) or name in ("with_options", "endpoint"), f"{async_cls.__name__}.{name}"
        sync_params = list(inspect.signature(method).parameters.values())  # type: ignore[arg-type]
        async_params = list(inspect.signature(twin).parameters.values())  # type: ignore[arg-type]
        strip = [(p.name, p.kind, p.default) for p in sync_params if p.name != "http_client"]
        astrip = [(p.name, p.kind, p.default) for p in async_params if p.name != "http_client"]
        assert strip == astrip, f"{sync_cls.__name__}.{name} and {async_cls.__name__}.{name} differ"


@pytest.mark.parametrize(("sync_cls", "async_cls"), _pairs()[1:], ids=lambda c: c.__name__)
def test_every_resource_method_takes_per_call_timeout_and_retries(sync_cls: type, async_cls: type) -> None:
    for name, method in _methods(sync_cls).items():
        params = inspect.signature(method).parameters  # type: ignore[arg-type]
        assert {"timeout", "max_retries"} <= set(params), f"{sync_cls.__name__}.{name}"


def test_create_signatures_match_their_parameter_models() -> None:
    from runpod_api.types import EndpointParams, PodCreateParams, TemplateParams

    def params_of(method: object) -> set[str]:
        return set(inspect.signature(method).parameters) - {"self", "timeout", "max_retries"}  # type: ignore[arg-type]

    assert params_of(resources.Pods.create) == set(PodCreateParams.model_fields)
    assert params_of(resources.Templates.create) == set(TemplateParams.model_fields)
    endpoint_only = {"workers_pfb_target", "flash_boot_type", "type", "model_references"}
    assert params_of(resources.Endpoints.create) == (set(EndpointParams.model_fields) - endpoint_only) | {
        "flashboot",
        "endpoint_type",
    }


def test_errors_name_the_package_in_their_module() -> None:
    assert runpod_api.NotFoundError.__module__.startswith("runpod_api")
