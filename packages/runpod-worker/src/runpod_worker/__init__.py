"""The runtime inside a Runpod serverless worker.

Importing this package does no I/O, reads no environment and configures no logger.
"""

from ._version import __version__ as __version__

__all__ = ("__version__",)
