"""Reading streamed completions: the event reader, fed bytes as they might arrive."""

import pytest

from srtctl.benchmarks._http import EventReader
from srtctl.benchmarks._stats import RequestRecord


def read(*chunks: tuple[float, bytes]) -> RequestRecord:
    record = RequestRecord(start=0.0)
    reader = EventReader(record)
    for now, chunk in chunks:
        reader.feed(chunk, now)
    reader.close()
    return record


def completion(text: str) -> bytes:
    return b'data: {"choices":[{"index":0,"text":"%s"}]}\n\n' % text.encode()


def test_first_text_sets_ttft_and_later_texts_the_gaps() -> None:
    record = read((0.5, completion("a")), (0.6, completion("b")), (0.75, completion("c") + b"data: [DONE]\n\n"))
    assert record.ttft == 0.5
    assert record.itl == pytest.approx([0.1, 0.15])
    assert record.output_tokens == 3
    assert record.error is None


def test_events_split_across_reads_are_reassembled() -> None:
    event = completion("hello")
    record = read((0.1, event[:10]), (0.2, event[10:]))
    assert record.ttft == 0.2
    assert record.output_tokens == 1


def test_usage_event_gives_the_token_count() -> None:
    usage = b'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9}}\n\n'
    record = read((0.1, completion("several words at once")), (0.2, usage))
    assert record.output_tokens == 9


def test_chat_deltas_count_content_and_reasoning_but_not_the_role_alone() -> None:
    role = b'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n'
    think = b'data: {"choices":[{"delta":{"reasoning_content":"hmm"}}]}\n\n'
    say = b'data: {"choices":[{"delta":{"content":"yes"}}]}\n\n'
    record = read((0.1, role), (0.3, think), (0.4, say))
    assert record.ttft == 0.3
    assert record.output_tokens == 2


def test_error_event_fails_the_request_with_its_message() -> None:
    record = read((0.1, b'data: {"error": {"message": "out of memory"}}\n\n'))
    assert record.error == "error event: out of memory"


def test_malformed_event_fails_the_request() -> None:
    assert read((0.1, b"data: {nope\n\n")).error == "malformed stream event: {nope"


def test_stream_without_a_final_newline_still_counts_its_last_event() -> None:
    record = read((0.1, completion("a")), (0.2, completion("b").rstrip()))
    assert record.output_tokens == 2


def test_comments_and_other_fields_are_ignored() -> None:
    record = read((0.1, b": keep-alive\n\nevent: message\n" + completion("a")), (0.2, b"data: 42\n\n"))
    assert (record.output_tokens, record.error) == (1, None)
