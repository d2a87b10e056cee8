"""The download policy: which addresses are reachable, and its settings from the environment."""

from __future__ import annotations

import ipaddress

import pytest

from runpod_worker import ConfigError
from runpod_worker.files import DEFAULT_MAX_BYTES, DownloadPolicy, DownloadRefusedError


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "non-public"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("::1", "loopback"),
        ("fd00::1", "private"),
        ("fe80::1%eth0", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    with pytest.raises(DownloadRefusedError, match=f"a {kind} address"):
        DownloadPolicy().check(address, url="http://x/")


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    DownloadPolicy().check(address, url="http://x/")


def test_allowed_networks_open_only_those_networks() -> None:
    policy = DownloadPolicy(allowed_networks=(ipaddress.ip_network("10.8.0.0/16"),))
    policy.check("10.8.1.1", url="http://x/")
    with pytest.raises(DownloadRefusedError):
        policy.check("10.9.1.1", url="http://x/")


def test_allow_private_opens_everything() -> None:
    DownloadPolicy(allow_private=True).check("127.0.0.1", url="http://x/")


def test_defaults_from_an_empty_environment() -> None:
    policy = DownloadPolicy.from_env({})
    assert (policy.max_bytes, policy.allow_private) == (DEFAULT_MAX_BYTES, False)


def test_environment_sets_the_cap_and_private_access() -> None:
    policy = DownloadPolicy.from_env({"RUNPOD_MAX_DOWNLOAD_BYTES": "1000", "RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS": "YES"})
    assert (policy.max_bytes, policy.allow_private) == (1000, True)


def test_bad_cap_in_the_environment_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="RUNPOD_MAX_DOWNLOAD_BYTES must be a number of bytes, got '5GB'"):
        DownloadPolicy.from_env({"RUNPOD_MAX_DOWNLOAD_BYTES": "5GB"})


@pytest.mark.parametrize(("field", "value"), [("max_bytes", 0), ("attempts", 0)])
def test_nonsense_limits_are_rejected(field: str, value: int) -> None:
    with pytest.raises(ConfigError, match=field):
        DownloadPolicy(**{field: value})
