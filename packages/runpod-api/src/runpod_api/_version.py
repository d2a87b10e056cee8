"""The installed distribution's version, read once from its metadata."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("runpod-api")
except PackageNotFoundError:  # pragma: no cover - only when run from a bare source tree
    __version__ = "0.0.0+unknown"
