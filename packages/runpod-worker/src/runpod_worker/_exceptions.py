"""The errors runpod-worker raises, all rooted in one base class.

```
WorkerError                 anything this package raises on purpose
├── ConfigError             a bad environment variable, option or `start()` config key, found at start
├── FitnessCheckError       a fitness check failed before the first job: the machine is unfit to take jobs
└── ProtocolError           a value that cannot go over the wire (a progress update that is not JSON)
```
"""

__all__ = ("ConfigError", "FitnessCheckError", "ProtocolError", "WorkerError")


class WorkerError(Exception):
    """Base class of every error raised by runpod-worker."""


class ConfigError(WorkerError):
    """A setting (environment variable, `Worker` option or `start()` key) is missing or invalid."""


class FitnessCheckError(WorkerError):
    """A fitness check failed: this machine should not take jobs.

    `Worker.run()` (and `start()`) report it to the platform and exit with code 1.
    """

    def __init__(self, check: str, reason: str) -> None:
        super().__init__(f"fitness check {check!r} failed: {reason}")
        self.check = check
        """The check's name (`memory`, `disk`, `gpu`, or the function's name)."""
        self.reason = reason
        """Why it failed, such as `RuntimeError: the model weights are missing`."""


class ProtocolError(WorkerError):
    """A value cannot be sent to the platform as the protocol requires (for example, it is not JSON)."""
