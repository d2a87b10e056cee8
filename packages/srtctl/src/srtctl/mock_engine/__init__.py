"""A mock inference engine with SGLang's HTTP surface, for testing deployments and benchmarks without GPUs.

Run it as `python -m srtctl.mock_engine --host HOST --port PORT --role {prefill,decode,aggregated}`, or
in-process as `MockEngine(EngineConfig(...))`. It serves `/health`, `/v1/models`, `/v1/completions`,
`/v1/chat/completions` and `/generate` (streaming or not) plus what the SGLang router calls on its workers
(`/server_info`, `/model_info`, `/get_load`, `/metrics`, `/flush_cache`), with per-token prefill and
decode latencies, a prefill-to-decode handover through the bootstrap port, and injected faults.
It imports only the standard library, so it starts in a blink.
"""

from ._cli import main as main
from ._cli import serve as serve
from ._config import EngineConfig as EngineConfig
from ._config import Role as Role
from ._engine import MockEngine as MockEngine
from ._process import EngineProcess as EngineProcess
from ._process import engine_command as engine_command

__all__ = ("EngineConfig", "EngineProcess", "MockEngine", "Role", "engine_command", "main", "serve")
