"""The status file: written atomically, read back whole, tolerant of fields a newer srtctl adds."""

import dataclasses
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from srtctl.runtime.status import JobStatus, ProcessStatus, Readiness, read_status, write_status

STATUS = JobStatus(
    job_id="12",
    name="demo",
    stage="health",
    started_at="2026-11-22T12:00:00+00:00",
    updated_at="2026-11-22T12:00:05+00:00",
    log_dir="/o/12/logs",
    prefill=Readiness(ready=0, expected=1),
    decode=Readiness(ready=1, expected=1),
    processes=(ProcessStatus(name="prefill_w0", kind="worker", role="prefill", node="n1", log_file="/o/p.out"),),
)


def test_a_written_status_reads_back_equal(tmp_path: Path) -> None:
    path = write_status(STATUS, tmp_path)
    assert path == tmp_path / "status.json"
    assert read_status(path.read_bytes()) == STATUS


def test_writing_replaces_the_file_and_leaves_no_temporary_behind(tmp_path: Path) -> None:
    write_status(STATUS, tmp_path)
    write_status(dataclasses.replace(STATUS, stage="completed"), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]
    assert read_status((tmp_path / "status.json").read_text()).stage == "completed"


def test_fields_from_a_newer_writer_are_ignored(tmp_path: Path) -> None:
    data = json.loads(write_status(STATUS, tmp_path).read_text())
    data["gpu_temperature"] = 71
    assert read_status(json.dumps(data)) == STATUS


def test_final_stages_are_final() -> None:
    assert not STATUS.is_final
    assert dataclasses.replace(STATUS, stage="cancelled").is_final


def test_text_that_is_not_a_status_is_rejected() -> None:
    with pytest.raises(ValidationError):
        read_status('{"stage": "nonsense"}')
