"""The local modes of `start()`: one job from `--test_input` or `test_input.json`, or the dev server.

`--test_input '{"input": ...}'` (or a `test_input.json` in the working directory or beside the script) runs
the handler once, in this process, through the same handler adapters as production: generators really run
and each chunk is logged as it comes. The exit code says how it went: 0 for a result, 1 for anything else.

`--rp_serve_api` starts the dev server (`runpod-worker[server]`) and runs the production job loop against
it, unchanged, with `--rp_api_concurrency` jobs at once.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._args import WorkerArgs
from ._config import WorkerConfig, parse_log_level
from ._exceptions import ConfigError, ProtocolError

if TYPE_CHECKING:
    from ._worker import Worker

__all__ = ("TEST_INPUT_FILE", "TEST_JOB_ID", "load_test_job", "run_test_input", "serve_api")

logger = logging.getLogger(__name__)

TEST_INPUT_FILE = "test_input.json"
TEST_JOB_ID = "local_test"


def load_test_job(test_input: str | None, *, search: Sequence[Path]) -> tuple[dict[str, Any], str]:
    """The job to run locally and where it came from: `--test_input`, else the first `test_input.json` found.

    Args:
        test_input: the `--test_input` value, if given.
        search: folders to look for `test_input.json` in, in order.

    Raises:
        ConfigError: there is no test input, it is not a JSON object, or it has no `input`; the message says which.
    """
    if test_input is not None:
        source, text = "--test_input", test_input
    else:
        found = next((folder / TEST_INPUT_FILE for folder in search if (folder / TEST_INPUT_FILE).is_file()), None)
        if found is None:
            places = " or ".join(str(folder) for folder in dict.fromkeys(search))
            raise ConfigError(
                f"no test input: pass --test_input '{{\"input\": {{...}}}}' or put {TEST_INPUT_FILE} in {places} "
                "(RUNPOD_WEBHOOK_GET_JOB is not set, so this runs one job locally instead of taking jobs from a queue)"
            )
        source, text = str(found), found.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f'{source} must be a JSON object like {{"input": {{...}}}}, not {type(data).__name__}')
    if data.get("input") is None:
        raise ConfigError(f'{source} has no "input": the job must look like {{"input": {{...}}}}')
    return {"id": TEST_JOB_ID, **data}, source


def run_test_input(worker: Worker, args: WorkerArgs, *, environ: Mapping[str, str], script_dir: Path) -> int:
    """Run one job locally and return the exit code: 0 when the job produced a result, 1 otherwise.

    Raises:
        ConfigError: the test input is missing or malformed, or the log level is not one.
    """
    import anyio

    from ._logging import configure

    config = WorkerConfig.from_env(environ)
    level = config.log_level if args.log_level is None else parse_log_level(args.log_level, source="--rp_log_level")
    job, source = load_test_job(args.test_input, search=[Path.cwd(), script_dir])
    restore = configure(level, json_lines=False)
    try:
        logger.info("Running job %s from %s", job["id"], source)
        return anyio.run(_run_job, worker, job)
    finally:
        restore()


async def _run_job(worker: Worker, job: dict[str, Any]) -> int:
    import anyio

    from . import _progress, _protocol
    from ._handlers import run_handler
    from ._logging import current_job

    current_job.set((job["id"], None))
    count = 0

    async def on_chunk(chunk: object) -> None:
        nonlocal count
        count += 1
        logger.info("Chunk %d: %s", count, _show(chunk))

    _progress.register(job["id"], lambda progress: logger.info("Progress: %s", _show(progress)))
    try:
        outcome = await run_handler(
            worker.handler, job, limiter=anyio.CapacityLimiter(1), on_chunk=on_chunk, aggregate=True
        )
    finally:
        _progress.unregister(job["id"])
    if outcome.kind == "raised":
        assert outcome.error is not None
        error = outcome.error
        logger.error("Job %s failed: the handler raised %s: %s", job["id"], type(error).__name__, error, exc_info=error)
        return 1
    if outcome.kind == "streamed" and not outcome.stopped_on_error:
        body = _protocol.stream_end_body(outcome.chunks)
    else:
        body = _protocol.result_body(outcome.value)
    try:
        _protocol.encode_body(body, what="output")
    except ProtocolError as exc:
        logger.error("Job %s failed: its result cannot be sent: %s", job["id"], exc)
        return 1
    if body.get("error"):
        logger.error("Job %s failed with error: %s", job["id"], body["error"])
        return 1
    logger.info("Job result: %s", _show(body))
    logger.info("Local testing complete, exiting.")
    return 0


def serve_api(worker: Worker, args: WorkerArgs, *, environ: Mapping[str, str]) -> None:
    """Serve the dev server on `--rp_api_host:--rp_api_port` and run the job loop against it until stopped.

    Raises:
        ConfigError: the `[server]` extra is missing, a flag is out of range, or the address is in use.
    """
    import anyio

    from ._logging import configure
    from ._worker import leave_lingering_handlers

    try:
        from .devserver import bind, create_app, serve
    except ImportError:
        raise ConfigError("--rp_serve_api needs the dev server: pip install 'runpod-worker[server]'") from None
    if args.api_concurrency < 1:
        raise ConfigError(f"--rp_api_concurrency must be at least 1, got {args.api_concurrency}")
    level = WorkerConfig.from_env(environ).log_level
    if args.log_level is not None:
        level = parse_log_level(args.log_level, source="--rp_log_level")
    worker.concurrency = args.api_concurrency
    spec = getattr(worker.handler, "input_spec", None)
    schema = None
    if spec is not None:
        from .devserver._openapi import REF_TEMPLATE

        schema = spec.json_schema(REF_TEMPLATE)
    app = create_app(input_schema=schema, title=f"{_handler_name(worker.handler)}: runpod-worker dev server")
    try:
        sock = bind(args.api_host, args.api_port)
    except OSError as exc:
        raise ConfigError(exc.strerror or str(exc)) from None
    on_main_thread = threading.current_thread() is threading.main_thread()

    async def run_worker(env: Mapping[str, str]) -> None:
        await worker.serve(WorkerConfig.from_env(env), handle_signals=on_main_thread)

    restore = configure(level, json_lines=False)
    try:
        anyio.run(lambda: serve(app, sock, worker=run_worker))
        leave_lingering_handlers(on_main_thread=on_main_thread)
    finally:
        restore()


def script_dir() -> Path:
    """The folder of the script being run (where `test_input.json` may sit beside the handler)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return Path(path).resolve().parent if path else Path.cwd()


def _handler_name(handler: object) -> str:
    return getattr(handler, "__qualname__", type(handler).__name__)


def _show(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)
