"""The runtime inside a Runpod serverless worker.

Importing this package does no I/O, reads no environment and configures no logger: the environment is read
when a worker starts, and only `start()` and `Worker.run()` set up logging, on the package's own logger.
"""

# `serverless` is here so that `runpod.serverless.start(...)` keeps working after `import runpod_worker as runpod`.
from . import serverless as serverless
from ._backoff import RetryPolicy as RetryPolicy
from ._config import WorkerConfig as WorkerConfig
from ._exceptions import ConfigError as ConfigError
from ._exceptions import ProtocolError as ProtocolError
from ._exceptions import WorkerError as WorkerError
from ._progress import progress_update as progress_update
from ._worker import Worker as Worker
from ._worker import start as start

__all__ = (
    "ConfigError",
    "ProtocolError",
    "RetryPolicy",
    "Worker",
    "WorkerConfig",
    "WorkerError",
    "__version__",
    "progress_update",
    "serverless",
    "start",
)


def __getattr__(name: str) -> str:
    # Reading the installed version means importing importlib.metadata, which costs more than the rest of the
    # package: do it only when someone asks.
    if name == "__version__":
        from ._version import __version__

        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
