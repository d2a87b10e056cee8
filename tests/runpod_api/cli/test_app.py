"""The root command: version, help, usage errors, completion, and failures that stay one line."""

from __future__ import annotations

import runpod_api

from .conftest import Runpod


def test_version_prints_the_package_version(runpod: Runpod) -> None:
    result = runpod.ok("--version")
    assert result.stdout.strip() == f"runpod-api {runpod_api.__version__}"


def test_help_lists_every_command_group(runpod: Runpod) -> None:
    result = runpod.ok("--help")
    for group in ("config", "pod", "gpu", "endpoint", "template", "volume", "registry", "ssh", "project"):
        assert f"\n  {group} " in result.stdout


def test_no_arguments_shows_help_and_exits_2(runpod: Runpod) -> None:
    result = runpod()
    assert result.code == 2
    assert "Usage: runpod" in result.stderr


def test_unknown_command_is_a_usage_error(runpod: Runpod) -> None:
    result = runpod("launch")
    assert result.code == 2
    assert "No such command 'launch'" in result.stderr


def test_server_failure_is_one_line_without_traceback(runpod: Runpod, fake: runpod_api.testing.FakeRunpod) -> None:
    from runpod_api.testing import Fault

    fake.add_fault(Fault(status=500, times=10))
    result = runpod("pod", "list")
    assert result.code == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("error: Runpod failed, even after retries (500 Internal Server Error")
    assert "Traceback" not in result.stderr


def test_refused_key_exits_3_and_never_shows_the_key(runpod: Runpod) -> None:
    key = "rpa_WRONGKEY1234567890abcdefghij"
    result = runpod("pod", "list", env={"RUNPOD_API_KEY": key})
    assert result.code == 3
    assert "Runpod refused the API key (401 Unauthorized" in result.error
    assert key not in result.stdout + result.stderr


def test_no_key_anywhere_says_how_to_set_one(runpod: Runpod) -> None:
    result = runpod("pod", "list", env={"RUNPOD_API_KEY": None})
    assert result.code == 3
    assert result.error == "error: no Runpod API key: save one with `runpod config set`, or set RUNPOD_API_KEY"


def test_unreachable_api_is_one_line(runpod: Runpod) -> None:
    result = runpod("gpu", "list", env={"RUNPOD_API_BASE_URL": "http://127.0.0.1:9"})
    assert result.code == 1
    assert result.error.startswith("error: cannot reach Runpod (")


def test_graphql_refusal_is_reported(runpod: Runpod) -> None:
    result = runpod("pod", "create", "x", "--image", "a", "--gpu-type", "NVIDIA Nonexistent")
    assert result.code == 1
    assert result.error.startswith("error: Runpod refused: ")
    assert "no longer any instances available" in result.error


def test_root_json_flag_applies_to_subcommands(runpod: Runpod) -> None:
    assert runpod.ok("--json", "gpu", "list").json()[0]["id"]


def test_help_loads_none_of_the_heavy_modules() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.argv = ['runpod', '--help']\n"
        "from runpod_api._entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('rich', 'fabric', 'paramiko', 'invoke', 'gql', 'graphql', 'pydantic', 'cryptography')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stderr.strip().splitlines()[-1] == "[]"
    assert "Usage: runpod" in done.stdout
