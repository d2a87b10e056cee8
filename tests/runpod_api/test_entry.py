"""The `runpod` console script."""

import subprocess
import sys

import pytest

from runpod_api import __version__
from runpod_api._entry import main


def test_version_flag_prints_package_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from runpod_api._entry import main; main()", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"runpod-api {__version__}"


def test_missing_cli_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A None entry in sys.modules makes `import typer` fail as it does when the extra is not installed.
    monkeypatch.setitem(sys.modules, "typer", None)
    monkeypatch.delitem(sys.modules, "runpod_api.cli", raising=False)
    monkeypatch.delitem(sys.modules, "runpod_api.cli._app", raising=False)
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 1
    assert "pip install 'runpod-api[cli]'" in capsys.readouterr().err
