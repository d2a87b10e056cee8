"""Where a client finds its API key and base URLs. Read when a client is created, never at import.

API key, first found wins:

1. the `api_key` argument;
2. the `profile` argument: that profile in `~/.runpod/config.toml` (an explicit choice beats the environment);
3. the `RUNPOD_API_KEY` environment variable;
4. the profile named by `RUNPOD_PROFILE`, else `default`, in `~/.runpod/config.toml`.

The config file may be in either format the Runpod tools write: runpod-python's one table per profile
(`[default]` with `api_key = "..."`), or runpodctl's top-level `apikey = "..."`, which serves as the
`default` profile when there is no `[default]` table.

Base URLs: the `base_url` argument, else an environment variable (`RUNPOD_API_BASE_URL` for the GraphQL
control plane, `RUNPOD_ENDPOINT_BASE_URL` for serverless endpoints), else Runpod's public URL.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._exceptions import ConfigError
from ._redact import redact

__all__ = (
    "API_BASE_URL_ENV",
    "API_KEY_ENV",
    "DEFAULT_API_BASE_URL",
    "DEFAULT_ENDPOINT_BASE_URL",
    "DEFAULT_PROFILE",
    "ENDPOINT_BASE_URL_ENV",
    "PROFILE_ENV",
    "Credentials",
    "config_path",
    "read_config",
    "resolve_api_key",
    "resolve_base_url",
)

API_KEY_ENV = "RUNPOD_API_KEY"
PROFILE_ENV = "RUNPOD_PROFILE"
API_BASE_URL_ENV = "RUNPOD_API_BASE_URL"
ENDPOINT_BASE_URL_ENV = "RUNPOD_ENDPOINT_BASE_URL"
DEFAULT_API_BASE_URL = "https://api.runpod.io"
DEFAULT_ENDPOINT_BASE_URL = "https://api.runpod.ai/v2"
DEFAULT_PROFILE = "default"


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key and where it came from (the key itself never shows in the repr)."""

    api_key: str = field(repr=False)
    """The key, sent as `Authorization: Bearer <key>`."""
    source: str
    """Where it was found, for messages: "the api_key argument", "RUNPOD_API_KEY", "profile 'default' in ..."."""


def config_path(home: Path | None = None) -> Path:
    """Return the path of the shared Runpod config file, `<home>/.runpod/config.toml`."""
    return (home if home is not None else Path.home()) / ".runpod" / "config.toml"


def read_config(path: Path) -> dict[str, Any] | None:
    """Parse the config file; None when it does not exist.

    Raises:
        ConfigError: The file exists but cannot be read or is not valid TOML.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the Runpod config file {str(path)!r}: {exc.__class__.__name__}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's messages give the line and column, never the text there, so they cannot leak a key.
        raise ConfigError(f"the Runpod config file {str(path)!r} is not valid TOML: {exc}") from None


def _profile_key(config: Mapping[str, Any], profile: str, path: Path) -> str:
    table = config.get(profile)
    if isinstance(table, Mapping):
        # runpod-python writes `api_key`; accept runpodctl's spelling inside a table too.
        key = table.get("api_key", table.get("apikey"))
        if key is None:
            raise ConfigError(f"profile {profile!r} in {str(path)!r} has no api_key")
    elif table is None and profile == DEFAULT_PROFILE and "apikey" in config:
        key = config["apikey"]  # runpodctl's format: top-level keys, no tables
    else:
        names = sorted(k for k, v in config.items() if isinstance(v, Mapping))
        if profile == DEFAULT_PROFILE and "apikey" in config:
            names.insert(0, DEFAULT_PROFILE)
        listed = ", ".join(repr(n) for n in names) or "none"
        raise ConfigError(f"profile {profile!r} not found in {str(path)!r} (profiles there: {listed})")
    if not isinstance(key, str):
        raise ConfigError(f"the api_key of profile {profile!r} in {str(path)!r} is not a string")
    return key


def _checked_key(key: str, source: str) -> str:
    key = key.strip()
    if not key:
        raise ConfigError(f"the API key from {source} is empty")
    if any(ch.isspace() or not ch.isprintable() for ch in key):
        # A header value with a newline would split the request; say so without showing the key.
        raise ConfigError(f"the API key from {source} contains whitespace or control characters")
    return key


def resolve_api_key(
    api_key: str | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Credentials:
    """Find the API key, in the order this module's docstring gives.

    Args:
        api_key: A key given directly; wins over everything else.
        profile: A profile of the config file to use; wins over the environment.
        environ: The environment to read (default: `os.environ`, read now).
        home: The home directory holding `.runpod/config.toml` (default: the user's home).

    Raises:
        ConfigError: No key was found, or the one found is unusable, or the config file is broken. The
            message says where the client looked; it never contains a key.
    """
    env = os.environ if environ is None else environ
    if api_key is not None:
        return Credentials(_checked_key(api_key, "the api_key argument"), "the api_key argument")
    if profile is None:
        from_env = env.get(API_KEY_ENV, "")
        if from_env.strip():
            return Credentials(_checked_key(from_env, API_KEY_ENV), API_KEY_ENV)
    chosen = profile or env.get(PROFILE_ENV, "").strip() or DEFAULT_PROFILE
    path = config_path(home)
    config = read_config(path)
    if config is None:
        if profile is not None or chosen != DEFAULT_PROFILE:
            raise ConfigError(f"profile {chosen!r} not found: there is no Runpod config file at {str(path)!r}")
        raise ConfigError(
            f"no Runpod API key found: pass api_key=..., set {API_KEY_ENV}, or write profile {DEFAULT_PROFILE!r} "
            f"to {str(path)!r} (`runpod config`)"
        )
    source = f"profile {chosen!r} in {str(path)!r}"
    return Credentials(_checked_key(_profile_key(config, chosen, path), source), source)


def resolve_base_url(
    base_url: str | None,
    *,
    env_var: str,
    default: str,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Pick a base URL: the argument, else the environment variable, else the default; no trailing slash.

    Raises:
        ConfigError: The URL chosen is not an absolute http(s) URL.
    """
    env = os.environ if environ is None else environ
    if base_url is not None:
        url, source = base_url, "base_url"
    elif env.get(env_var, "").strip():
        url, source = env[env_var].strip(), env_var
    else:
        url, source = default, "the default"
    parts = urlsplit(url)
    shown = redact(url.replace(parts.netloc, parts.netloc.rpartition("@")[2]))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{source} must be an absolute http(s) URL, got {shown!r}")
    if parts.username is not None or parts.query or parts.fragment:
        raise ConfigError(f"{source} must not carry credentials, a query or a fragment, got {shown!r}")
    return url.rstrip("/")
