"""Editing ~/.runpod/config.toml as text: only the profile's key changes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from runpod_api import ConfigError
from runpod_api.cli._config_file import make_private_dir, mask, set_api_key, write_private


def test_adds_a_table_to_an_empty_file() -> None:
    assert set_api_key("", "default", "k1") == '[default]\napi_key = "k1"\n'


def test_replaces_the_key_line_inside_its_table_only() -> None:
    text = '[a]\napi_key = "old"\nother = 1\n\n[b]\napi_key = "keep"\n'
    assert set_api_key(text, "a", "new") == '[a]\napi_key = "new"\nother = 1\n\n[b]\napi_key = "keep"\n'


def test_adds_the_key_to_a_table_without_one() -> None:
    assert tomllib.loads(set_api_key("[a]\nx = 1\n", "a", "k"))["a"] == {"api_key": "k", "x": 1}


def test_quoted_table_names_are_found() -> None:
    assert set_api_key('["a"]\napi_key = "old"\n', "a", "new") == '["a"]\napi_key = "new"\n'


def test_escapes_characters_toml_needs_escaped() -> None:
    assert tomllib.loads(set_api_key("", "p", 'a"b\\c'))["p"]["api_key"] == 'a"b\\c'


def test_a_profile_set_with_dotted_keys_is_not_half_edited() -> None:
    with pytest.raises(ConfigError, match="edit it by hand"):
        set_api_key('a.api_key = "old"\n', "a", "new")


@pytest.mark.parametrize("name", ["", "a b", "a.b", "[x]"])
def test_profile_names_must_be_plain(name: str) -> None:
    with pytest.raises(ConfigError, match="may hold only"):
        set_api_key("", name, "k")


def test_mask_shows_at_most_the_ends_of_a_long_key() -> None:
    assert mask("rpa_ABCDEFGHIJKLMNOP") == "rpa_…MNOP"
    assert mask("short-key") == "***"


def test_write_private_is_0600_in_0700_directories(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "config.toml"
    write_private(target, "x = 1\n")
    assert target.read_text() == "x = 1\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "new" / "deeper").stat().st_mode & 0o777 == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["config.toml"]


def test_make_private_dir_leaves_existing_directories_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    make_private_dir(tmp_path / "a")
    assert tmp_path.stat().st_mode & 0o777 == 0o755
