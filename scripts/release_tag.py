"""Map a release tag `<package>-v<version>` to its package, after checking the version matches.

Prints the package name on success, so `make release-build` can build exactly that package; exits 1 with
the reason otherwise (unknown package, malformed tag, or a tag that disagrees with the pyproject).
"""

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("runpod-api", "runpod-worker", "srtctl")


def package_for_tag(tag: str, root: Path = ROOT) -> str:
    """Return the package a release tag names, or raise ValueError saying what is wrong with the tag."""
    name, sep, version = tag.rpartition("-v")
    if not sep or name not in PACKAGES or not version:
        raise ValueError(f"tag {tag!r} is not <package>-v<version> with package one of {', '.join(PACKAGES)}")
    declared = tomllib.loads((root / "packages" / name / "pyproject.toml").read_text())["project"]["version"]
    if declared != version:
        raise ValueError(f"tag {tag!r} says version {version} but packages/{name}/pyproject.toml has {declared}")
    return name


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: release_tag.py <package>-v<version>", file=sys.stderr)
        return 2
    try:
        print(package_for_tag(argv[0]))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
