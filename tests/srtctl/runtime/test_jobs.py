"""The list of jobs submitted from here, and reading a job's directory."""

import json
from pathlib import Path

from srtctl.runtime.jobs import JobDirectory, JobIndex, JobRecord
from srtctl.runtime.status import JobStatus, ProcessStatus, write_status


def record(job_id: str, host: str | None = None, output_dir: str = "/o/base/7") -> JobRecord:
    return JobRecord(job_id=job_id, name="demo", output_dir=output_dir, host=host, submitted_at="t")


def test_the_index_lives_in_the_state_dir_from_the_environment(tmp_path: Path) -> None:
    assert JobIndex(environ={"SRTCTL_STATE_DIR": str(tmp_path)}).path == tmp_path / "jobs.jsonl"


def test_the_index_defaults_to_the_xdg_state_home(tmp_path: Path) -> None:
    assert JobIndex(environ={"XDG_STATE_HOME": str(tmp_path)}).path == tmp_path / "srtctl" / "jobs.jsonl"


def test_find_returns_the_newest_record_of_a_job_on_its_host(tmp_path: Path) -> None:
    index = JobIndex(tmp_path / "jobs.jsonl")
    index.add(record("7", output_dir="/old/7"))
    index.add(record("7", host="login1", output_dir="/remote/7"))
    index.add(record("7", output_dir="/new/7"))
    assert index.find("7") == record("7", output_dir="/new/7")
    assert index.find("7", "login1") == record("7", host="login1", output_dir="/remote/7")
    assert index.find("8") is None


def test_lines_that_do_not_parse_are_skipped(tmp_path: Path) -> None:
    index = JobIndex(tmp_path / "jobs.jsonl")
    index.add(record("1"))
    with index.path.open("a") as handle:
        handle.write("not json\n" + json.dumps({"job_id": "2"}) + "\n")
    assert [r.job_id for r in index.records()] == ["1"]


def test_a_missing_index_has_no_records(tmp_path: Path) -> None:
    assert JobIndex(tmp_path / "nothing" / "jobs.jsonl").records() == []


def test_the_batch_output_sits_beside_the_job_directory() -> None:
    assert record("7").slurm_output == "/o/base/slurm-7.out"


def test_a_job_directory_reads_files_from_an_offset(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("hello world\n")
    directory = JobDirectory(record("7", output_dir=str(tmp_path)))
    assert directory.read_bytes(str(log), 6) == b"world\n"
    assert directory.read_bytes(str(tmp_path / "absent")) is None


def test_a_job_directory_without_a_status_file_has_no_status_or_process_logs(tmp_path: Path) -> None:
    directory = JobDirectory(record("7", output_dir=str(tmp_path)))
    assert directory.status() is None
    assert directory.process_logs() == {}


def test_an_unreadable_status_file_counts_as_none(tmp_path: Path) -> None:
    (tmp_path / "status.json").write_text("{half")
    assert JobDirectory(record("7", output_dir=str(tmp_path))).status() is None


def test_process_logs_come_from_the_status_file(tmp_path: Path) -> None:
    status = JobStatus(
        job_id="7", name="demo", stage="health", started_at="t", updated_at="t", log_dir="/l",
        processes=(ProcessStatus(name="decode_w0", kind="worker", node="n2", log_file="/l/decode_w0.out"),),
    )  # fmt: skip
    write_status(status, tmp_path)
    assert JobDirectory(record("7", output_dir=str(tmp_path))).process_logs() == {"decode_w0": "/l/decode_w0.out"}
