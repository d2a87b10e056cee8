"""Fail unless each package's own code is covered to at least the minimum.

One coverage run measures all three packages (child processes included); this gate reads the combined
data and reports each package on its own, so a well-tested package cannot hide a poorly tested one.
"""

import argparse
import io
import sys

import coverage
from coverage.exceptions import NoDataError

PACKAGES = ("runpod_api", "runpod_worker", "srtctl")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--min", type=float, default=90.0, help="minimum line+branch coverage per package (percent)")
    args = parser.parse_args()

    cov = coverage.Coverage()
    # Load what pytest-cov already combined first, so data files written afterwards (a child process that
    # outlived the session) are added to it rather than replacing it.
    cov.load()
    cov.combine(strict=False)
    failed = False
    for package in PACKAGES:
        include = [f"*/{package}/*"]
        try:
            percent = cov.report(include=include, file=io.StringIO())
        except NoDataError:
            print(f"coverage {package:<14} no data: none of its code ran under the tests")
            failed = True
            continue
        ok = percent >= args.min
        failed |= not ok
        print(f"coverage {package:<14} {percent:6.2f}%  (minimum {args.min:.0f}%) {'ok' if ok else 'TOO LOW'}")
        if not ok:
            cov.report(include=include, show_missing=True, skip_covered=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
