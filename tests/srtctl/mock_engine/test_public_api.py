"""The public surface of `srtctl.mock_engine` is exactly what we mean to promise."""

import subprocess
import sys

import srtctl.mock_engine


def test_public_names_are_the_promised_ones() -> None:
    public = {name for name in dir(srtctl.mock_engine) if not name.startswith("_")}
    expected = {"EngineConfig", "EngineProcess", "MockEngine", "Role", "engine_command", "main", "serve"}
    assert set(srtctl.mock_engine.__all__) == expected
    assert public == expected


def test_import_pulls_in_no_third_party_package() -> None:
    code = (
        "import sys, srtctl.mock_engine; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'httpx2', 'anyio', 'yaml', 'typer'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
