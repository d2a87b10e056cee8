"""`runpod config set|show|check`: keys saved 0600, never echoed, never shown whole."""

from __future__ import annotations

import tomllib
from pathlib import Path

from runpod_api.testing import FakeRunpod

from .conftest import Runpod

KEY = "rpa_0123456789ABCDEFGHIJKLMNOPQRSTUV"


def config_file(runpod: Runpod) -> Path:
    return runpod.home / ".runpod" / "config.toml"


def test_set_reads_the_key_from_stdin_and_writes_it_0600(runpod: Runpod) -> None:
    result = runpod.ok("config", "set", input=KEY + "\n")
    path = config_file(runpod)
    assert tomllib.loads(path.read_text()) == {"default": {"api_key": KEY}}
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert KEY not in result.stdout + result.stderr
    assert "rpa_…STUV" in result.stdout


def test_set_keeps_other_profiles_and_comments(runpod: Runpod) -> None:
    path = config_file(runpod)
    path.parent.mkdir()
    path.write_text('# my keys\napikey = "from-runpodctl"\n\n[work]\napi_key = "work-key-123456789"  # work\n')
    runpod.ok("config", "set", "--profile", "ci", input=KEY)
    text = path.read_text()
    assert text.startswith('# my keys\napikey = "from-runpodctl"\n\n[work]\napi_key = "work-key-123456789"  # work\n')
    assert tomllib.loads(text)["ci"] == {"api_key": KEY}


def test_set_replaces_the_key_of_a_profile(runpod: Runpod) -> None:
    runpod.ok("config", "set", input="rpa_OLDOLDOLDOLDOLDOLDOLD1111")
    result = runpod.ok("config", "set", input=KEY)
    assert tomllib.loads(config_file(runpod).read_text()) == {"default": {"api_key": KEY}}
    assert "(replacing rpa_…1111)" in result.stdout


def test_set_uses_the_root_profile_option(runpod: Runpod) -> None:
    runpod.ok("--profile", "work", "config", "set", input=KEY)
    assert "work" in tomllib.loads(config_file(runpod).read_text())


def test_set_refuses_an_empty_key(runpod: Runpod) -> None:
    result = runpod("config", "set", input="\n")
    assert result.code == 3
    assert result.error == "error: the API key from the input is empty"
    assert not config_file(runpod).exists()


def test_set_refuses_a_broken_config_file_without_touching_it(runpod: Runpod) -> None:
    path = config_file(runpod)
    path.parent.mkdir()
    path.write_text("[default\n")
    result = runpod("config", "set", input=KEY)
    assert result.code == 3
    assert "is not valid TOML" in result.error
    assert path.read_text() == "[default\n"


def test_show_masks_keys_and_marks_the_active_profile(runpod: Runpod) -> None:
    runpod.ok("config", "set", input=KEY)
    runpod.ok("config", "set", "-p", "work", input="rpa_WORKWORKWORKWORKWORK9999")
    shown = runpod.ok("config", "show", "--json", env={"RUNPOD_API_KEY": None, "RUNPOD_PROFILE": "work"}).json()
    assert shown["active"] == "work"
    assert shown["profiles"] == [
        {"name": "default", "api_key": "rpa_…STUV", "active": False},
        {"name": "work", "api_key": "rpa_…9999", "active": True},
    ]
    table = runpod.ok("config", "show", env={"RUNPOD_API_KEY": None}).stdout
    assert KEY not in table
    assert "rpa_…STUV" in table


def test_show_says_when_the_environment_key_wins(runpod: Runpod, fake: FakeRunpod) -> None:
    out = runpod.ok("config", "show").stdout
    assert "commands use the key in RUNPOD_API_KEY (rpa_…0000)" in out
    assert fake.api_key not in out


def test_show_without_a_file(runpod: Runpod) -> None:
    assert "no profiles yet" in runpod.ok("config", "show").stdout


def test_check_asks_runpod(runpod: Runpod) -> None:
    result = runpod.ok("config", "check", "--json").json()
    assert result == {
        "ok": True,
        "profile": "RUNPOD_API_KEY",
        "user_id": "user-fake0001",
        "email": "developer@example.com",
    }


def test_check_with_a_saved_profile(runpod: Runpod, fake: FakeRunpod) -> None:
    runpod.ok("config", "set", "-p", "work", input=fake.api_key)
    out = runpod.ok("-p", "work", "config", "check", env={"RUNPOD_API_KEY": None}).stdout
    assert out == "The key of 'work' works: account developer@example.com.\n"


def test_check_of_a_refused_key_exits_3(runpod: Runpod) -> None:
    result = runpod("config", "check", env={"RUNPOD_API_KEY": KEY})
    assert result.code == 3
    assert KEY not in result.stderr


def test_unknown_profile_exits_3(runpod: Runpod) -> None:
    runpod.ok("config", "set", input=KEY)
    result = runpod("-p", "nope", "pod", "list")
    assert result.code == 3
    assert "profile 'nope' not found" in result.error
