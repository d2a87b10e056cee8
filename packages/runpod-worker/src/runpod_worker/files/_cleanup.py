"""Per-job working folders, and removing them (and runpod-python's scratch folders) when a job is done."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

__all__ = ("DEFAULT_ROOT", "LEGACY_FOLDERS", "clean", "job_dir")

logger = logging.getLogger(__name__)

DEFAULT_ROOT = Path("jobs")
"""Job folders live under ``./jobs/<job id>/`` unless a root is given."""
LEGACY_FOLDERS = ("input_objects", "output_objects", "job_files", "output.zip")
"""The scratch paths runpod-python's ``clean()`` removes from the working directory."""


def job_dir(job_id: str, *, root: str | Path = DEFAULT_ROOT, create: bool = True) -> Path:
    """The working folder of one job, ``<root>/<job id>``.

    Raises:
        ValueError: ``job_id`` is empty or is not a single path component (``..``, ``a/b``).
    """
    if not job_id or job_id in (".", "..") or Path(job_id).name != job_id or "\\" in job_id:
        raise ValueError(f"job id {job_id!r} cannot name a folder: it must be one non-empty path component")
    path = Path(root) / job_id
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def clean(
    job_id: str | None = None,
    *,
    folders: Iterable[str | Path] = (),
    root: str | Path = DEFAULT_ROOT,
    legacy: bool = True,
) -> list[Path]:
    """Remove a job's folder, the given folders and (by default) runpod-python's scratch folders.

    Args:
        job_id: remove ``<root>/<job id>`` (downloads included).
        folders: more files or folders to remove.
        root: where job folders live.
        legacy: also remove :data:`LEGACY_FOLDERS` from the working directory, as runpod-python's ``clean()``.

    Returns:
        The paths that existed and were removed.
    """
    targets = [Path(f) for f in folders]
    if job_id is not None:
        targets.insert(0, job_dir(job_id, root=root, create=False))
    if legacy:
        targets.extend(Path(name) for name in LEGACY_FOLDERS)
    removed = []
    for target in targets:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        else:
            continue
        logger.debug("removed %s", target)
        removed.append(target)
    return removed
