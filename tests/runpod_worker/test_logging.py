"""Log lines: plain `LEVEL | job_id | message`, or JSON lines when RUNPOD_ENDPOINT_ID is set."""

import io
import json
import logging
from collections.abc import Iterator

import pytest

from runpod_worker._logging import JSONFormatter, PlainFormatter, configure, current_job

from .conftest import python_prints

LOGGER = logging.getLogger("runpod_worker.test")


@pytest.fixture
def job() -> Iterator[None]:
    token = current_job.set(("job-7", None))
    yield
    current_job.reset(token)


def record(message: str, level: int = logging.INFO, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("bad")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    return LOGGER.makeRecord(LOGGER.name, level, __file__, 1, message, args, exc_info)


def test_plain_line_without_a_job() -> None:
    assert PlainFormatter().format(record("Worker started %s", logging.INFO, "now")) == "INFO   | Worker started now"


def test_plain_line_carries_the_job_id(job: None) -> None:
    assert PlainFormatter().format(record("Finished.")) == "INFO   | job-7 | Finished."


def test_warning_is_written_as_warn_like_the_platform_sdk(job: None) -> None:
    assert PlainFormatter().format(record("careful", logging.WARNING)) == "WARN   | job-7 | careful"


def test_json_line_has_request_id_message_and_level(job: None) -> None:
    line = JSONFormatter().format(record("Started.", logging.ERROR))
    assert json.loads(line) == {"requestId": "job-7", "message": "Started.", "level": "ERROR"}


def test_json_line_without_a_job_has_a_null_request_id() -> None:
    assert json.loads(JSONFormatter().format(record("idle")))["requestId"] is None


def test_batch_id_prefixes_the_message() -> None:
    token = current_job.set(("j1", "batch-3"))
    try:
        assert PlainFormatter().format(record("Started.")) == "INFO   | j1 | [batchId=batch-3] Started."
    finally:
        current_job.reset(token)


def test_exception_traceback_is_part_of_the_message() -> None:
    line = json.loads(JSONFormatter().format(record("Captured handler exception", logging.ERROR, exc=True)))
    assert line["message"].startswith("Captured handler exception\nTraceback")
    assert "ValueError: bad" in line["message"]


def test_very_long_messages_are_cut_in_the_middle() -> None:
    line = PlainFormatter().format(record("a" * 3000 + "b" * 3000))
    assert "...TRUNCATED 1904 CHARACTERS..." in line
    assert line.startswith("INFO   | aaa") and line.endswith("bbb")


def test_configure_writes_the_package_logger_only_and_restores_it() -> None:
    stream = io.StringIO()
    package = logging.getLogger("runpod_worker")
    root_handlers = list(logging.getLogger().handlers)
    before = (package.level, package.propagate, list(package.handlers))
    restore = configure(logging.WARNING, json_lines=False, stream=stream)
    try:
        logging.getLogger("runpod_worker._runtime").info("hidden")
        logging.getLogger("runpod_worker._runtime").warning("shown")
        logging.getLogger("someone.else").warning("not ours")
    finally:
        restore()
    assert stream.getvalue() == "WARN   | shown\n"
    assert logging.getLogger().handlers == root_handlers
    assert (package.level, package.propagate, list(package.handlers)) == before


def test_importing_the_package_configures_no_logger() -> None:
    code = (
        "import logging, runpod_worker, runpod_worker.testing; "
        "print(logging.getLogger().handlers, logging.getLogger('runpod_worker').handlers)"
    )
    assert python_prints(code) == "[] []"
