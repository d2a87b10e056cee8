"""Job folders and their cleanup."""

from __future__ import annotations

from pathlib import Path

import pytest

from runpod_worker.files import clean, job_dir


def test_job_dir_is_created_under_the_root(tmp_path: Path) -> None:
    path = job_dir("job-1", root=tmp_path)
    assert path == tmp_path / "job-1"
    assert path.is_dir()


@pytest.mark.parametrize("job_id", ["", ".", "..", "../etc", "a/b", "a\\b"])
def test_job_ids_that_escape_the_root_are_rejected(job_id: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot name a folder"):
        job_dir(job_id, root=tmp_path)


def test_clean_removes_the_job_folder_with_its_downloads(tmp_path: Path) -> None:
    downloads = job_dir("job-1", root=tmp_path) / "downloads"
    downloads.mkdir()
    (downloads / "a.png").write_bytes(b"png")
    other = job_dir("job-2", root=tmp_path)
    assert clean("job-1", root=tmp_path, legacy=False) == [tmp_path / "job-1"]
    assert not (tmp_path / "job-1").exists()
    assert other.is_dir()


def test_clean_removes_runpod_python_scratch_folders_in_the_working_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("job_files").mkdir()
    Path("output.zip").write_bytes(b"zip")
    Path("keep.txt").write_text("keep")
    removed = clean()
    assert sorted(map(str, removed)) == ["job_files", "output.zip"]
    assert Path("keep.txt").exists()


def test_clean_removes_extra_folders_and_files(tmp_path: Path) -> None:
    folder = tmp_path / "scratch"
    folder.mkdir()
    single = tmp_path / "single.tmp"
    single.write_text("x")
    assert clean(folders=[folder, single, tmp_path / "missing"], legacy=False) == [folder, single]


def test_clean_unlinks_a_symlinked_folder_without_following_it(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / "precious").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(target)
    clean(folders=[link], legacy=False)
    assert not link.exists()
    assert (target / "precious").exists()
