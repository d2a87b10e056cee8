"""Which addresses a download may reach, and how much it may fetch: pure decisions, no I/O."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Mapping

from .._exceptions import ConfigError
from ._errors import DownloadRefusedError

__all__ = ("DEFAULT_MAX_BYTES", "DownloadPolicy")

DEFAULT_MAX_BYTES = 5 * 1024**3
_TRUE = frozenset({"1", "true", "yes", "on"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DownloadPolicy:
    """Limits for downloading job inputs from URLs.

    Handlers download URLs that their callers chose, so by default only public addresses are reachable:
    loopback, private (RFC 1918, ULA), link-local (including the cloud metadata address 169.254.169.254),
    carrier-grade NAT, multicast and reserved ranges are refused, for every address a name resolves to and
    again after each redirect. The connection goes to the address that was checked, so a DNS answer that
    changes between the check and the connect cannot redirect it.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    """Largest body accepted, checked against Content-Length and while streaming."""
    allow_private: bool = False
    """Allow every address, private and loopback included (local development, trusted networks)."""
    allowed_networks: tuple[IPNetwork, ...] = ()
    """Non-public networks to allow anyway, e.g. ``(ipaddress.ip_network("10.8.0.0/16"),)`` for an artifact store."""
    timeout: float = 30.0
    """Seconds allowed for connecting and between two reads."""
    attempts: int = 3
    """Tries per URL on connection errors and 5xx answers."""
    retry_backoff: float = 0.5
    """Seconds before the second try; doubled before each further one."""
    max_redirects: int = 5
    """Redirects followed per URL, each target checked again."""

    def __post_init__(self) -> None:
        if self.max_bytes <= 0:
            raise ConfigError(f"max_bytes must be positive, got {self.max_bytes}")
        if self.attempts < 1:
            raise ConfigError(f"attempts must be at least 1, got {self.attempts}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DownloadPolicy:
        """The default policy, adjusted by ``RUNPOD_MAX_DOWNLOAD_BYTES`` and ``RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS``.

        Args:
            environ: the environment to read (default ``os.environ``, read now).

        Raises:
            ConfigError: ``RUNPOD_MAX_DOWNLOAD_BYTES`` is not a positive integer.
        """
        env = os.environ if environ is None else environ
        max_bytes = DEFAULT_MAX_BYTES
        if raw := env.get("RUNPOD_MAX_DOWNLOAD_BYTES", "").strip():
            try:
                max_bytes = int(raw)
            except ValueError:
                raise ConfigError(f"RUNPOD_MAX_DOWNLOAD_BYTES must be a number of bytes, got {raw!r}") from None
        allow_private = env.get("RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS", "").strip().lower() in _TRUE
        return cls(max_bytes=max_bytes, allow_private=allow_private)

    def check(self, address: str, *, url: str) -> None:
        """Refuse ``address`` unless this policy lets a download reach it.

        Raises:
            DownloadRefusedError: naming the URL and the kind of address.
        """
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if self.allow_private or is_public(ip) or any(ip in net for net in self.allowed_networks):
            return
        raise DownloadRefusedError(
            f"refused to download {url}: it resolves to {ip}, a {_kind(ip)} address "
            "(pass allow_private=True or allowed_networks=..., or set RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS=1, "
            "to reach it)",
            url=url,
        )


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` is a globally routable unicast address."""
    return ip.is_global and not (
        ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified
    )


def _kind(ip: IPAddress) -> str:
    for attribute in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{attribute}"):
            return attribute.replace("_", "-")
    return "non-public"
