"""Finding the API key and base URLs: argument, environment, config file profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from runpod_api._config import (
    DEFAULT_API_BASE_URL,
    config_path,
    resolve_api_key,
    resolve_base_url,
)
from runpod_api._exceptions import ConfigError

KEY = "rpa_FILEKEY0000000000"


def write_config(home: Path, text: str) -> Path:
    path = config_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_argument_wins_over_environment_and_file(tmp_path: Path) -> None:
    write_config(tmp_path, f'[default]\napi_key = "{KEY}"\n')
    creds = resolve_api_key("arg-key", environ={"RUNPOD_API_KEY": "env-key"}, home=tmp_path)
    assert (creds.api_key, creds.source) == ("arg-key", "the api_key argument")


def test_environment_wins_over_default_profile(tmp_path: Path) -> None:
    write_config(tmp_path, f'[default]\napi_key = "{KEY}"\n')
    creds = resolve_api_key(environ={"RUNPOD_API_KEY": " env-key\n"}, home=tmp_path)
    assert (creds.api_key, creds.source) == ("env-key", "RUNPOD_API_KEY")


def test_default_profile_is_read_when_nothing_else_is_set(tmp_path: Path) -> None:
    write_config(tmp_path, f'[default]\napi_key = "{KEY}"\n\n[work]\napi_key = "other"\n')
    creds = resolve_api_key(environ={}, home=tmp_path)
    assert creds.api_key == KEY
    assert "profile 'default'" in creds.source


def test_explicit_profile_beats_the_environment(tmp_path: Path) -> None:
    write_config(tmp_path, f'[default]\napi_key = "{KEY}"\n\n[work]\napi_key = "work-key"\n')
    creds = resolve_api_key(profile="work", environ={"RUNPOD_API_KEY": "env-key"}, home=tmp_path)
    assert creds.api_key == "work-key"


def test_profile_can_come_from_the_environment(tmp_path: Path) -> None:
    write_config(tmp_path, '[default]\napi_key = "d"\n\n[work]\napi_key = "work-key"\n')
    assert resolve_api_key(environ={"RUNPOD_PROFILE": "work"}, home=tmp_path).api_key == "work-key"


def test_empty_environment_variable_counts_as_unset(tmp_path: Path) -> None:
    write_config(tmp_path, f'[default]\napi_key = "{KEY}"\n')
    assert resolve_api_key(environ={"RUNPOD_API_KEY": ""}, home=tmp_path).api_key == KEY


def test_runpodctl_top_level_apikey_serves_as_default_profile(tmp_path: Path) -> None:
    write_config(tmp_path, f'apikey = "{KEY}"\napiurl = "https://api.runpod.io/graphql"\n')
    assert resolve_api_key(environ={}, home=tmp_path).api_key == KEY


def test_no_key_anywhere_says_every_way_to_give_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        resolve_api_key(environ={}, home=tmp_path)
    message = str(exc.value)
    assert "api_key=" in message and "RUNPOD_API_KEY" in message and str(config_path(tmp_path)) in message


def test_missing_profile_lists_the_profiles_there(tmp_path: Path) -> None:
    write_config(tmp_path, f'[default]\napi_key = "{KEY}"\n\n[work]\napi_key = "w"\n')
    with pytest.raises(ConfigError, match=r"profile 'home' not found .*'default', 'work'") as exc:
        resolve_api_key(profile="home", environ={}, home=tmp_path)
    assert KEY not in str(exc.value)


def test_named_profile_without_a_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="profile 'work' not found: there is no Runpod config file"):
        resolve_api_key(profile="work", environ={}, home=tmp_path)


def test_profile_without_api_key_is_named(tmp_path: Path) -> None:
    write_config(tmp_path, '[default]\nregion = "eu"\n')
    with pytest.raises(ConfigError, match="profile 'default' .* has no api_key"):
        resolve_api_key(environ={}, home=tmp_path)


def test_non_string_api_key_is_refused(tmp_path: Path) -> None:
    write_config(tmp_path, "[default]\napi_key = 12345\n")
    with pytest.raises(ConfigError, match="is not a string"):
        resolve_api_key(environ={}, home=tmp_path)


def test_invalid_toml_names_the_file_and_line_but_not_its_text(tmp_path: Path) -> None:
    path = write_config(tmp_path, f'[default]\napi_key = "{KEY}\n')
    with pytest.raises(ConfigError) as exc:
        resolve_api_key(environ={}, home=tmp_path)
    assert str(path) in str(exc.value) and "line 2" in str(exc.value)
    assert KEY not in str(exc.value)


def test_unreadable_config_file_is_a_config_error(tmp_path: Path) -> None:
    config_path(tmp_path).mkdir(parents=True)  # a directory where the file should be
    with pytest.raises(ConfigError, match="cannot read the Runpod config file"):
        resolve_api_key(environ={}, home=tmp_path)


@pytest.mark.parametrize("bad", ["", "   ", "abc\ndef", "abc def", "abc\x00"])
def test_unusable_key_is_refused_without_showing_it(bad: str) -> None:
    with pytest.raises(ConfigError) as exc:
        resolve_api_key(bad, environ={})
    assert "api_key argument" in str(exc.value)
    if bad.strip():
        assert bad.strip() not in str(exc.value)


def test_default_home_is_the_users_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    write_config(tmp_path, f'[default]\napi_key = "{KEY}"\n')
    monkeypatch.delenv("RUNPOD_API_KEY", raising=False)
    monkeypatch.delenv("RUNPOD_PROFILE", raising=False)
    assert resolve_api_key().api_key == KEY


def test_credentials_repr_hides_the_key() -> None:
    creds = resolve_api_key("very-secret-key", environ={})
    assert "very-secret-key" not in repr(creds)


def test_base_url_argument_then_environment_then_default() -> None:
    env = {"RUNPOD_API_BASE_URL": "http://127.0.0.1:9/"}
    kwargs = {"env_var": "RUNPOD_API_BASE_URL", "default": DEFAULT_API_BASE_URL}
    assert resolve_base_url("https://example.test/", environ=env, **kwargs) == "https://example.test"
    assert resolve_base_url(None, environ=env, **kwargs) == "http://127.0.0.1:9"
    assert resolve_base_url(None, environ={}, **kwargs) == "https://api.runpod.io"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("ftp://example.test", "ftp://example.test"),
        ("example.test/graphql", "example.test/graphql"),
        ("https://user:hunter2@example.test", "https://example.test"),
        ("https://example.test/?api_key=rpa_SECRETSECRET", "https://example.test/?api_key=***"),
    ],
)
def test_bad_base_url_is_refused_without_credentials_in_the_message(url: str, shown: str) -> None:
    with pytest.raises(ConfigError) as exc:
        resolve_base_url(url, env_var="X", default="https://a.test", environ={})
    assert repr(shown) in str(exc.value)
    assert "hunter2" not in str(exc.value) and "SECRETSECRET" not in str(exc.value)
