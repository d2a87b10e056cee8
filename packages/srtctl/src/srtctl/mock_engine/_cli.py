"""`python -m srtctl.mock_engine`: run one mock engine until it is signalled, or told to exit."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from ._config import EngineConfig, Role
from ._engine import MockEngine, describe

__all__ = ("build_parser", "config_from_args", "main", "serve")

logger = logging.getLogger("srtctl.mock_engine")

_ROLES_BY_MODE = {"prefill": Role.PREFILL, "decode": Role.DECODE, "null": Role.AGGREGATED}


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser; flags follow SGLang's spelling where SGLang has one."""
    parser = argparse.ArgumentParser(
        prog="python -m srtctl.mock_engine",
        description="An OpenAI-compatible mock inference engine with SGLang's routes and injected latencies.",
        allow_abbrev=False,
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    add("--port", type=int, default=30000, help="API port; 0 picks a free one (default: %(default)s)")
    add("--role", choices=[r.value for r in Role], help="prefill, decode or aggregated (default: aggregated)")
    add("--disaggregation-mode", choices=sorted(_ROLES_BY_MODE), help="SGLang's spelling of --role")
    add("--served-model-name", default=None, help="model id reported to clients (default: the model path)")
    add("--model-path", "--model", dest="model_path", default=None, help="model path reported to clients")
    add("--disaggregation-bootstrap-port", type=int, default=None, help="prefill: port of the KV-handover listener")
    add("--prefill-ms-per-token", type=float, default=0.0, help="prefill time per prompt token, in ms")
    add("--decode-ms-per-token", type=float, default=0.0, help="time between generated tokens, in ms")
    add("--startup-delay", type=float, default=0.0, help="seconds of 503 answers before ready, like loading")
    add("--exit-at-startup", type=int, default=None, metavar="CODE", help="log a few lines, then exit with CODE")
    add("--exit-after", type=float, default=None, metavar="SECONDS", help="exit this long after start")
    add("--exit-code", type=int, default=1, help="exit code used by --exit-after (default: %(default)s)")
    add("--empty-completions", action="store_true", help="answer every completion with zero tokens")
    add("--error-rate", type=float, default=0.0, help="fraction of inference requests answered with HTTP 500")
    add("--api-key", default=None, help="require 'Authorization: Bearer KEY' on every route but /health")
    add("--tp-size", "--tp", dest="tp_size", type=int, default=1, help="tensor-parallel size to report")
    add("--dp-size", "--dp", dest="dp_size", type=int, default=1, help="data-parallel size to report")
    add("--context-length", type=int, default=131072, help="largest prompt plus output, in tokens")
    add("--port-file", type=Path, default=None, help="write the bound ports here as JSON once listening")
    add("--log-level", default="info", choices=["debug", "info", "warning", "error"], help="log level")
    return parser


def config_from_args(args: argparse.Namespace) -> EngineConfig:
    """Turn parsed flags into an `EngineConfig`.

    Raises:
        ValueError: the flags contradict each other or a value is out of range.
    """
    role = Role(args.role) if args.role else None
    if args.disaggregation_mode is not None:
        mode_role = _ROLES_BY_MODE[args.disaggregation_mode]
        if role is not None and role is not mode_role:
            raise ValueError(f"--role {role.value} contradicts --disaggregation-mode {args.disaggregation_mode}")
        role = mode_role
    model_path = args.model_path
    return EngineConfig(
        host=args.host,
        port=args.port,
        role=role or Role.AGGREGATED,
        served_model_name=args.served_model_name or model_path or "mock-model",
        model_path=model_path,
        bootstrap_port=args.disaggregation_bootstrap_port,
        prefill_ms_per_token=args.prefill_ms_per_token,
        decode_ms_per_token=args.decode_ms_per_token,
        startup_delay=args.startup_delay,
        exit_at_startup=args.exit_at_startup,
        exit_after=args.exit_after,
        exit_code=args.exit_code,
        empty_completions=args.empty_completions,
        error_rate=args.error_rate,
        api_key=args.api_key,
        tp_size=args.tp_size,
        dp_size=args.dp_size,
        context_length=args.context_length,
        port_file=args.port_file,
    )


def _write_port_file(path: Path, engine: MockEngine) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"port": engine.port, "bootstrap_port": engine.bootstrap_port, "pid": os.getpid()}))
    tmp.replace(path)


async def serve(config: EngineConfig) -> int:
    """Run one engine until SIGTERM/SIGINT (exit 0) or `exit_after` (exit `exit_code`); return the exit code."""
    logger.info("mock engine starting: %s", describe(config))
    logger.info("loading weights of %s (simulated)", config.model)
    if config.exit_at_startup is not None:
        logger.error("simulated crash during startup: exiting with code %d", config.exit_at_startup)
        return config.exit_at_startup
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    exit_code = 0
    engine = MockEngine(config)
    await engine.start()
    if config.port_file is not None:
        _write_port_file(config.port_file, engine)

    def crash() -> None:
        nonlocal exit_code
        logger.error("simulated crash after %ss: exiting with code %d", config.exit_after, config.exit_code)
        exit_code = config.exit_code
        stop.set()

    def terminate(signum: int) -> None:
        logger.info("received %s: shutting down", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, terminate, signum)
    if config.exit_after is not None:
        loop.call_later(config.exit_after, crash)
    try:
        await stop.wait()
    finally:
        await engine.stop(abort=exit_code != 0)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    logger.info("mock engine stopped")
    return exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, configure logging to stderr, and serve; return the process exit code."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    if unknown:
        logger.warning("ignoring engine flags the mock does not model: %s", " ".join(unknown))
    try:
        return asyncio.run(serve(config))
    except OSError as exc:
        logger.error("cannot listen on %s:%s: %s", config.host, config.port, exc)
        return 1
