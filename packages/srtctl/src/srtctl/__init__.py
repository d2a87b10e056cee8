"""A SLURM launcher for disaggregated LLM inference."""

from ._version import __version__ as __version__

__all__ = ("__version__",)
