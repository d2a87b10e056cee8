"""The `runpod` command line (extra `runpod-api[cli]`)."""

from ._app import app as app

__all__ = ("app",)
