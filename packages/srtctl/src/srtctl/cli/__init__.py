"""The `srtctl` command line."""

from . import bench as _bench  # noqa: F401 - registers `srtctl bench`
from . import results as _results  # noqa: F401 - registers `srtctl results`
from ._app import app as app
from ._app import main as main

__all__ = ("app", "main")
