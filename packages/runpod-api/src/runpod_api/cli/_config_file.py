"""Writing a profile's API key into `~/.runpod/config.toml` without disturbing anything else in the file.

The file holds one table per profile (`[default]` with `api_key = "..."`), the format runpod-python
writes and runpod-api reads; other tables, top-level keys (runpodctl's `apikey`) and comments are kept
as they are. The change is made on the text, checked by parsing the result, and written atomically with
mode 0600, so a key never lands in a file others can read and a failed write leaves the old file whole.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from pathlib import Path

from .._exceptions import ConfigError

__all__ = ("PROFILE_NAME", "make_private_dir", "mask", "set_api_key", "write_private")

PROFILE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
"""Profile names: what TOML accepts as a bare table name."""

_HEADER = re.compile(r"""^\s*\[\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*\]\s*(?:#.*)?$""")
_ANY_HEADER = re.compile(r"^\s*\[")
_KEY_LINE = re.compile(r"^\s*(?:api_key|\"api_key\"|'api_key')\s*=")


def mask(api_key: str) -> str:
    """Show enough of a key to tell keys apart, never the whole: `rpa_…WXYZ`, or `***` for a short one."""
    return f"{api_key[:4]}…{api_key[-4:]}" if len(api_key) >= 16 else "***"


def set_api_key(text: str, profile: str, api_key: str) -> str:
    """Return the config text with `api_key` set in the table `[profile]`, everything else unchanged.

    Raises:
        ConfigError: The text is not valid TOML, or the profile name is not a plain name.
    """
    if not PROFILE_NAME.match(profile):
        raise ConfigError(f"profile name {profile!r} may hold only letters, digits, '-' and '_'")
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the config file is not valid TOML ({exc}); fix or remove it first") from None
    entry = f"api_key = {json.dumps(api_key)}"
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _header_name(line) == profile), None)
    if start is None:
        prefix = "\n".join(lines).rstrip("\n")
        new = (prefix + "\n\n" if prefix else "") + f"[{profile}]\n{entry}\n"
    else:
        end = next((i for i in range(start + 1, len(lines)) if _ANY_HEADER.match(lines[i])), len(lines))
        existing = next((i for i in range(start + 1, end) if _KEY_LINE.match(lines[i])), None)
        if existing is None:
            lines.insert(start + 1, entry)
        else:
            lines[existing] = entry
        new = "\n".join(lines) + "\n"
    # The edit is textual; make sure it meant what it should (dotted keys or a multi-line value could fool it).
    try:
        table = tomllib.loads(new).get(profile)
    except tomllib.TOMLDecodeError:
        table = None
    if not isinstance(table, dict) or table.get("api_key") != api_key:
        raise ConfigError(f"could not set the key of profile {profile!r} in the config file; edit it by hand")
    return new


def _header_name(line: str) -> str | None:
    match = _HEADER.match(line)
    if match is None:
        return None
    return next(group for group in match.groups() if group is not None)


def make_private_dir(path: Path) -> None:
    """Create a directory and any missing parents with mode 0700 (mkdir(parents=True) gives parents 0755)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically, readable by the owner only (new directories made 0700)."""
    make_private_dir(path.parent)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
