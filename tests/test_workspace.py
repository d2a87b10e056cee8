"""The workspace keeps the promises its README makes: three packages, each on its own version."""

import importlib
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"runpod-api": "runpod_api", "runpod-worker": "runpod_worker", "srtctl": "srtctl"}


@pytest.mark.parametrize(("dist", "module"), PACKAGES.items())
def test_version_matches_pyproject(dist: str, module: str) -> None:
    meta = tomllib.loads((ROOT / "packages" / dist / "pyproject.toml").read_text())
    assert importlib.import_module(module).__version__ == meta["project"]["version"]


@pytest.mark.parametrize("dist", PACKAGES)
def test_package_ships_typed_marker_readme_and_changelog(dist: str) -> None:
    pkg = ROOT / "packages" / dist
    assert (pkg / "src" / PACKAGES[dist] / "py.typed").is_file()
    assert (pkg / "README.md").read_text().strip()
    assert (pkg / "CHANGELOG.md").read_text().strip()
    assert (pkg / "LICENSE").read_text().strip()


@pytest.mark.parametrize("dist", PACKAGES)
def test_package_requires_python_311(dist: str) -> None:
    meta = tomllib.loads((ROOT / "packages" / dist / "pyproject.toml").read_text())
    assert meta["project"]["requires-python"] == ">=3.11"
    assert meta["build-system"]["build-backend"] == "hatchling.build"


def test_worker_base_dependencies_stay_small() -> None:
    meta = tomllib.loads((ROOT / "packages" / "runpod-worker" / "pyproject.toml").read_text())
    names = {dep.split(">")[0].split("=")[0].split("[")[0].strip() for dep in meta["project"]["dependencies"]}
    assert names == {"anyio", "httpx2", "pydantic"}


def _release_tag():
    import importlib.util

    spec = importlib.util.spec_from_file_location("release_tag", ROOT / "scripts" / "release_tag.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dist", PACKAGES)
def test_release_tag_names_exactly_its_package(dist: str) -> None:
    version = tomllib.loads((ROOT / "packages" / dist / "pyproject.toml").read_text())["project"]["version"]
    assert _release_tag().package_for_tag(f"{dist}-v{version}") == dist


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        ("runpod-worker-v9.9.9", "pyproject.toml has"),
        ("runpod-v0.1.0", "is not <package>-v<version>"),
        ("srtctl-0.1.0", "is not <package>-v<version>"),
        ("srtctl-v", "is not <package>-v<version>"),
    ],
)
def test_release_tag_refuses_mismatch(tag: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        _release_tag().package_for_tag(tag)
