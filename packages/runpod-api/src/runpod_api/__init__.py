"""A typed client for the Runpod cloud.

Importing this package does no I/O, reads no environment and loads no GraphQL machinery.
"""

from ._version import __version__ as __version__

__all__ = ("__version__",)
