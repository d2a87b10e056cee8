"""The `srtctl` command line."""

from typer.testing import CliRunner

from srtctl import __version__
from srtctl.cli import app


def test_version_flag_prints_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"srtctl {__version__}"
