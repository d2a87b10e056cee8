"""Archives pulled from a pod are unpacked only inside the destination, on every Python 3.11."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from runpod_api.cli._errors import CliError
from runpod_api.cli._remote import checked_members


def member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def test_files_directories_and_inner_links_pass(tmp_path: Path) -> None:
    members = [
        member("dir", tarfile.DIRTYPE),
        member("dir/a.txt"),
        member("dir/link", tarfile.SYMTYPE, "a.txt"),
        member("dir/hard", tarfile.LNKTYPE, "dir/a.txt"),
    ]
    assert checked_members(members, tmp_path) == members


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (member("/etc/passwd"), "would land outside"),
        (member("../escape.txt"), "would land outside"),
        (member("dir/../../escape.txt"), "would land outside"),
        (member("dir/link", tarfile.SYMTYPE, "/etc/passwd"), "points outside"),
        (member("dir/link", tarfile.SYMTYPE, "../../etc"), "points outside"),
        (member("dir/hard", tarfile.LNKTYPE, "../outside"), "points outside"),
        (member("dev", tarfile.CHRTYPE), "not a file, directory or link"),
        (member("fifo", tarfile.FIFOTYPE), "not a file, directory or link"),
    ],
)
def test_members_that_leave_the_destination_are_refused(tmp_path: Path, bad: tarfile.TarInfo, reason: str) -> None:
    with pytest.raises(CliError, match=reason):
        checked_members([member("ok.txt"), bad], tmp_path)


def test_a_refused_archive_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runpod_api.cli import _remote

    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (("ok.txt", b"fine"), ("../escape.txt", b"bad")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    # Take the path older Pythons take, without the "data" filter.
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    with pytest.raises(CliError, match="would land outside"):
        _remote._unpack(archive, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert not (tmp_path / "escape.txt").exists()
