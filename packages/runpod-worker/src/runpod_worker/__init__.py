"""The runtime inside a Runpod serverless worker.

Importing this package does no I/O, reads no environment and configures no logger.
"""

from ._backoff import RetryPolicy as RetryPolicy
from ._config import WorkerConfig as WorkerConfig
from ._exceptions import ConfigError as ConfigError
from ._exceptions import ProtocolError as ProtocolError
from ._exceptions import WorkerError as WorkerError
from ._version import __version__ as __version__

__all__ = ("ConfigError", "ProtocolError", "RetryPolicy", "WorkerConfig", "WorkerError", "__version__")
