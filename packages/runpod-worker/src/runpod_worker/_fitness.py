"""Fitness checks: is this machine fit to take jobs? Asked once, before the heartbeat and the job loop start.

A worker on a machine with too little memory or disk, or a broken GPU driver, would take jobs and fail every
one of them. The platform's protocol lets it say so instead: on the first failed check the worker sends one
`GET <ping URL>?status=unhealthy&check=<name>&reason=<why>&runpod_version=<version>` and exits with code 1, and
the platform replaces it.

Built-in checks (unless `RUNPOD_SKIP_AUTO_SYSTEM_CHECKS=true`):
- `memory`: at least `RUNPOD_MIN_MEMORY_GB` (4) GB available, counting the container's memory limit;
- `disk`: at least `RUNPOD_MIN_DISK_PERCENT` (10) percent of `/` free;
- `gpu` (unless `RUNPOD_SKIP_GPU_CHECK=true`, and only where `nvidia-smi` is installed): `nvidia-smi` answers
  within `RUNPOD_GPU_TEST_TIMEOUT` (30) seconds and reports CUDA `RUNPOD_MIN_CUDA_VERSION` (11.8) or newer.

No built-in check needs the internet: a worker that can reach its job queue has the network it needs.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from ._exceptions import ConfigError, FitnessCheckError

# `import runpod_worker` imports this module for `register_fitness_check`: everything else it needs (inspect,
# re, subprocess, anyio) is imported when the checks run.

__all__ = (
    "REPORT_TIMEOUT",
    "FitnessCheck",
    "available_memory_gb",
    "checks_for",
    "register_fitness_check",
    "registered_checks",
    "run_checks",
    "unhealthy_url",
)

logger = logging.getLogger(__name__)

FitnessCheck = Callable[[], object | Awaitable[object]]
"""A check: a function or `async` function of no arguments that raises (or returns False) when unfit."""

C = TypeVar("C", bound=Callable[..., Any])

REPORT_TIMEOUT = 2.0
"""Seconds the unhealthy report may take: the worker exits without it after that."""
_REASON_LIMIT = 256
_GIB = 1024**3
_NO_LIMIT = 1 << 60  # cgroup v1 reports "no limit" as a huge number

_registered: list[FitnessCheck] = []


def register_fitness_check(check: C) -> C:
    """Run `check` before the worker takes its first job; if it raises (or returns False), the worker exits.

    Use it as a decorator, as with `runpod.serverless.register_fitness_check`. Checks run in the order they were
    registered, after the built-in ones, only when the worker runs against the platform (not in local test mode
    or under the dev server). A plain function runs in a thread; an `async` one on the event loop. The check's
    name in the platform's unhealthy report is the function's name.

    Example:
        ```python
        import runpod_worker

        @runpod_worker.register_fitness_check
        def model_weights_present():
            if not Path("/models/llama.safetensors").exists():
                raise RuntimeError("the model weights are missing from /models")
        ```

    Raises:
        ConfigError: `check` is not callable.
    """
    if not callable(check):
        raise ConfigError(f"a fitness check must be callable, got {type(check).__name__}: {check!r}")
    _registered.append(check)
    return check


def registered_checks() -> tuple[FitnessCheck, ...]:
    """The checks registered with `register_fitness_check`, in order."""
    return tuple(_registered)


# -- the built-in checks --------------------------------------------------------------------------------------


class _Thresholds(NamedTuple):
    min_memory_gb: float
    min_disk_percent: float
    min_cuda: tuple[int, int]
    gpu_timeout: float


def checks_for(environ: Mapping[str, str], extra: Sequence[FitnessCheck] = ()) -> list[tuple[str, FitnessCheck]]:
    """The checks a worker started with `environ` runs, as `(name, check)` pairs.

    The built-in ones that `environ` asks for come first, then `extra` (the registered ones).

    Raises:
        ConfigError: a threshold variable does not hold a number.
    """
    checks: list[tuple[str, FitnessCheck]] = []
    if not _flag(environ, "RUNPOD_SKIP_AUTO_SYSTEM_CHECKS"):
        limits = _Thresholds(
            min_memory_gb=_number(environ, "RUNPOD_MIN_MEMORY_GB", 4.0),
            min_disk_percent=_number(environ, "RUNPOD_MIN_DISK_PERCENT", 10.0),
            min_cuda=_version(environ, "RUNPOD_MIN_CUDA_VERSION", "11.8"),
            gpu_timeout=_number(environ, "RUNPOD_GPU_TEST_TIMEOUT", 30.0),
        )
        checks.append(("memory", lambda: _check_memory(limits.min_memory_gb)))
        checks.append(("disk", lambda: _check_disk("/", limits.min_disk_percent)))
        if not _flag(environ, "RUNPOD_SKIP_GPU_CHECK"):
            import shutil

            nvidia_smi = shutil.which("nvidia-smi", path=environ.get("PATH"))
            if nvidia_smi:
                checks.append(("gpu", lambda: _check_gpu(nvidia_smi, limits.min_cuda, limits.gpu_timeout)))
    checks.extend((_name(check), check) for check in extra)
    return checks


def available_memory_gb(root: str = "/") -> float | None:
    """GB (GiB) of memory this process can still use; None when that cannot be read.

    That is the host's available memory, or what is left under the container's cgroup limit if that is less.
    """
    import re

    candidates: list[float] = []
    meminfo = _read(os.path.join(root, "proc", "meminfo"))
    if meminfo is not None:
        match = re.search(r"^MemAvailable:\s+(\d+)\s*kB", meminfo, re.MULTILINE)
        if match:
            candidates.append(int(match.group(1)) * 1024 / _GIB)
    cgroup = os.path.join(root, "sys", "fs", "cgroup")
    for limit_file, usage_file in (
        ("memory.max", "memory.current"),  # cgroup v2
        ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes"),  # cgroup v1
    ):
        limit, usage = _read(os.path.join(cgroup, limit_file)), _read(os.path.join(cgroup, usage_file))
        if limit and usage and limit.strip().isdigit() and usage.strip().isdigit() and int(limit) < _NO_LIMIT:
            candidates.append(max(0, int(limit) - int(usage)) / _GIB)
            break
    return min(candidates) if candidates else None


def _check_memory(minimum_gb: float) -> None:
    available = available_memory_gb()
    if available is None:
        logger.warning("Cannot tell how much memory is available (no /proc/meminfo); skipping the memory check")
        return
    if available < minimum_gb:
        raise RuntimeError(
            f"only {available:.2f} GB of memory available, {minimum_gb:g} GB needed (RUNPOD_MIN_MEMORY_GB)"
        )
    logger.debug("Memory check passed: %.2f GB available", available)


def _check_disk(path: str, minimum_percent: float) -> None:
    stats = os.statvfs(path)
    total = stats.f_blocks * stats.f_frsize
    free = stats.f_bavail * stats.f_frsize
    percent = 100 * free / total if total else 100.0
    if percent < minimum_percent:
        raise RuntimeError(
            f"only {free / _GIB:.2f} GB ({percent:.1f}%) of {path} free, {minimum_percent:g}% needed "
            "(RUNPOD_MIN_DISK_PERCENT)"
        )
    logger.debug("Disk check passed: %.2f GB (%.1f%%) of %s free", free / _GIB, percent, path)


def _check_gpu(nvidia_smi: str, min_cuda: tuple[int, int], timeout: float) -> None:
    import re
    import subprocess

    try:
        done = subprocess.run([nvidia_smi], capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"nvidia-smi did not answer within {timeout:g} s (RUNPOD_GPU_TEST_TIMEOUT)") from None
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        last = output.splitlines()[-1] if output else "no output"
        raise RuntimeError(f"nvidia-smi failed with exit code {done.returncode}: {last}")
    match = re.search(r"CUDA Version:\s*(\d+)\.(\d+)", output)
    if match is None:
        logger.warning("nvidia-smi did not report a CUDA version; skipping the CUDA version check")
        return
    cuda = (int(match.group(1)), int(match.group(2)))
    if cuda < min_cuda:
        raise RuntimeError(
            f"the driver supports CUDA {cuda[0]}.{cuda[1]}, {min_cuda[0]}.{min_cuda[1]} or newer is needed "
            "(RUNPOD_MIN_CUDA_VERSION)"
        )
    logger.debug("GPU check passed: CUDA %d.%d", *cuda)


# -- running them ---------------------------------------------------------------------------------------------


async def run_checks(checks: Sequence[tuple[str, FitnessCheck]]) -> None:
    """Run `checks` one after another; the first failure raises `FitnessCheckError` (the rest do not run)."""
    import inspect

    import anyio
    import anyio.to_thread

    if not checks:
        return
    logger.info("Running %d fitness check(s): %s", len(checks), ", ".join(name for name, _ in checks))
    started = anyio.current_time()
    for name, check in checks:
        try:
            result = check() if _is_async(check) else await anyio.to_thread.run_sync(check)
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            raise FitnessCheckError(name, f"{type(exc).__name__}: {exc}") from exc
        if result is False:
            raise FitnessCheckError(name, "the check returned False")
    logger.info("All fitness checks passed in %.2f s", anyio.current_time() - started)


def unhealthy_url(ping_url: str, failure: FitnessCheckError, version: str) -> str:
    """The ping URL that reports a failed check.

    It carries `status=unhealthy`, the check's name, the reason (at most 256 characters) and the worker's version.
    """
    from urllib.parse import quote

    from ._protocol import with_query

    params = [
        ("status", "unhealthy"),
        ("check", quote(failure.check, safe="")),
        ("reason", quote(failure.reason[:_REASON_LIMIT], safe="")),
        ("runpod_version", quote(version, safe="")),
    ]
    return with_query(ping_url, params)


# -- helpers --------------------------------------------------------------------------------------------------


def _is_async(check: object) -> bool:
    import inspect

    # A function (or a partial of one) carries the flag itself; a callable object on its __call__.
    return inspect.iscoroutinefunction(check) or inspect.iscoroutinefunction(type(check).__call__)


def _name(check: object) -> str:
    return getattr(check, "__name__", None) or type(check).__name__


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() == "true"


def _number(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{name}={raw!r} must be zero or a positive number")
    return value


def _version(environ: Mapping[str, str], name: str, default: str) -> tuple[int, int]:
    import re

    raw = environ.get(name, "").strip() or default
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?", raw)
    if match is None:
        raise ConfigError(f"{name}={raw!r} is not a version such as 11.8")
    return int(match.group(1)), int(match.group(2) or 0)


def _read(path: str) -> str | None:
    try:
        with open(path) as file:
            return file.read()
    except OSError:
        return None
