"""The errors runpod-worker raises, all rooted in one base class.

```
WorkerError                 anything this package raises on purpose
├── ConfigError             a bad environment variable, option or `start()` config key, found at start
└── ProtocolError           a value that cannot go over the wire (a progress update that is not JSON)
```
"""

__all__ = ("ConfigError", "ProtocolError", "WorkerError")


class WorkerError(Exception):
    """Base class of every error raised by runpod-worker."""


class ConfigError(WorkerError):
    """A setting (environment variable, `Worker` option or `start()` key) is missing or invalid."""


class ProtocolError(WorkerError):
    """A value cannot be sent to the platform as the protocol requires (for example, it is not JSON)."""
