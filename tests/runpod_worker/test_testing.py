"""The job-queue test server is itself a public helper: it must behave as documented."""

import http.client
import json
import socket
import threading
import time

import pytest

from runpod_worker.testing import JobQueueServer


def call(queue: JobQueueServer, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", queue.port, timeout=5)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def test_take_hands_out_a_queued_job_with_its_fields() -> None:
    with JobQueueServer(hold=0) as queue:
        job_id = queue.add_job({"x": 1}, webhook="http://hook")
        status, body, headers = call(queue, "GET", "/v2/ep/job-take/w?job_in_progress=0")
    assert status == 200 and headers["content-type"] == "application/json"
    assert json.loads(body) == {"id": job_id, "input": {"x": 1}, "webhook": "http://hook"}
    assert queue.taken == [job_id]


def test_batch_take_hands_out_at_most_batch_size_jobs_as_a_list() -> None:
    with JobQueueServer(hold=0) as queue:
        for n in range(3):
            queue.add_job(n, job_id=f"j{n}")
        _, body, _ = call(queue, "GET", "/v2/ep/job-take-batch/w?batch_size=2")
        assert [job["id"] for job in json.loads(body)] == ["j0", "j1"]
        assert queue.pending_jobs == 1


def test_empty_take_is_held_for_the_hold_time_then_204() -> None:
    with JobQueueServer(hold=0.3) as queue:
        start = time.monotonic()
        status, _, _ = call(queue, "GET", "/v2/ep/job-take/w")
        assert status == 204
        assert time.monotonic() - start >= 0.28


def test_held_take_returns_as_soon_as_a_job_arrives() -> None:
    with JobQueueServer(hold=5) as queue:
        threading.Timer(0.2, queue.add_job, args=("late",)).start()
        start = time.monotonic()
        status, body, _ = call(queue, "GET", "/v2/ep/job-take/w")
        assert status == 200 and json.loads(body)["input"] == "late"
        assert time.monotonic() - start < 2


def test_a_client_that_abandons_a_held_poll_is_not_handed_a_job() -> None:
    with JobQueueServer(hold=5) as queue:
        sock = socket.create_connection(("127.0.0.1", queue.port))
        sock.sendall(b"GET /v2/ep/job-take/w HTTP/1.1\r\nHost: x\r\n\r\n")
        queue.wait_for_requests("job-take", 1)
        sock.close()
        time.sleep(0.2)
        queue.add_job("kept", job_id="kept")
        status, body, _ = call(queue, "GET", "/v2/ep/job-take/w")
        assert json.loads(body)["id"] == "kept"


def test_scripted_take_reply_comes_before_queued_jobs() -> None:
    with JobQueueServer(hold=0) as queue:
        queue.add_job(1)
        queue.add_take_reply(200, '{"id": "raw"}')
        assert call(queue, "GET", "/v2/ep/job-take/w")[1] == b'{"id": "raw"}'


def test_stop_poll_returns_the_stops_then_holds() -> None:
    with JobQueueServer(hold=0.1) as queue:
        queue.stop_job("a")
        queue.stop_job("b")
        assert json.loads(call(queue, "GET", "/v2/ep/job-stop/w")[1]) == {"jobsToStop": ["a", "b"]}
        assert call(queue, "GET", "/v2/ep/job-stop/w")[0] == 204


def test_done_posts_are_split_into_progress_and_final_results() -> None:
    with JobQueueServer() as queue:
        call(queue, "POST", "/v2/ep/job-done/w/j1?isStream=false", b'{"status": "IN_PROGRESS", "output": 1}')
        call(queue, "POST", "/v2/ep/job-done/w/j1?isStream=true", b'{"output": []}')
        call(queue, "POST", "/v2/ep/job-stream/w/j1?isStream=false", b'{"output": "c"}')
        [progress] = queue.progress("j1")
        [final] = queue.results("j1")
        assert progress.body["output"] == 1 and not progress.is_stream
        assert final.body == {"output": []} and final.is_stream
        assert [s.body for s in queue.stream("j1")] == [{"output": "c"}]
        assert len(queue.job_done_posts()) == 2


def test_requests_are_recorded_with_query_headers_and_body() -> None:
    with JobQueueServer() as queue:
        call(queue, "POST", "/v2/ep/job-done/w/j%201?gpu=a&isStream=false", b"not json")
        [req] = queue.requests
        assert (req.method, req.route, req.job_id, req.query["gpu"]) == ("POST", "job-done", "j 1", "a")
        assert req.headers["content-length"] == "8" and req.body == b"not json"
        assert queue.results()[0].body is None


def test_unknown_paths_get_404() -> None:
    with JobQueueServer() as queue:
        assert call(queue, "GET", "/health")[0] == 404


def test_injected_status_applies_the_given_number_of_times() -> None:
    with JobQueueServer() as queue:
        fault = queue.inject("job-done", status=503, body=b"busy", times=2)
        codes = [call(queue, "POST", "/v2/ep/job-done/w/j1", b"{}")[0] for _ in range(3)]
        assert codes == [503, 503, 200]
        assert fault.hits == 2
        assert len(queue.results()) == 1


def test_injected_retry_after_header_is_sent() -> None:
    with JobQueueServer(hold=0) as queue:
        queue.inject("job-take", status=429, headers={"Retry-After": "2"})
        assert call(queue, "GET", "/v2/ep/job-take/w")[2]["retry-after"] == "2"


def test_probabilistic_fault_hits_about_that_share_of_requests() -> None:
    with JobQueueServer(seed=1) as queue:
        queue.inject("ping", status=500, probability=0.25, times=None)
        codes = [call(queue, "GET", "/v2/ep/ping/w")[0] for _ in range(200)]
        assert 30 <= codes.count(500) <= 70


def test_dropped_connection_gets_no_response() -> None:
    with JobQueueServer() as queue:
        queue.inject("job-take", drop=True)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            call(queue, "GET", "/v2/ep/job-take/w")


def test_delay_fault_slows_the_response() -> None:
    with JobQueueServer() as queue:
        queue.inject("*", delay=0.3)
        start = time.monotonic()
        assert call(queue, "GET", "/v2/ep/ping/w")[0] == 200
        assert time.monotonic() - start >= 0.28


def test_unknown_fault_route_is_refused() -> None:
    with JobQueueServer() as queue, pytest.raises(ValueError, match="unknown route 'job-tkae'"):
        queue.inject("job-tkae", status=500)


def test_clear_faults_removes_them() -> None:
    with JobQueueServer() as queue:
        queue.inject("ping", status=500, times=None)
        queue.clear_faults()
        assert call(queue, "GET", "/v2/ep/ping/w")[0] == 200


def test_refused_connections_then_the_same_port_again() -> None:
    with JobQueueServer() as queue:
        port = queue.port
        with queue.refuse_connections(), pytest.raises(ConnectionRefusedError):
            call(queue, "GET", "/v2/ep/ping/w")
        assert queue.port == port
        assert call(queue, "GET", "/v2/ep/ping/w")[0] == 200


def test_keep_alive_connections_serve_many_requests_quickly() -> None:
    with JobQueueServer() as queue:
        conn = http.client.HTTPConnection("127.0.0.1", queue.port)
        start = time.monotonic()
        for _ in range(50):
            conn.request("POST", "/v2/ep/job-done/w/j", body=b"{}")
            conn.getresponse().read()
        # With the Nagle stall each response would take about 40 ms.
        assert time.monotonic() - start < 1.0
        conn.close()


def test_http_10_clients_get_a_closed_connection() -> None:
    with JobQueueServer() as queue:
        sock = socket.create_connection(("127.0.0.1", queue.port))
        sock.sendall(b"GET /v2/ep/ping/w HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        sock.close()
        assert data.startswith(b"HTTP/1.1 200") and b"Connection: close" in data


def test_worker_env_points_at_the_queue_with_placeholders() -> None:
    with JobQueueServer(endpoint_id="my-ep") as queue:
        env = queue.worker_env(pod_id="p1", api_key="k", ping_interval_ms=500)
    assert env["RUNPOD_WEBHOOK_GET_JOB"] == f"{queue.url}/v2/my-ep/job-take/$ID?gpu=test"
    assert env["RUNPOD_WEBHOOK_POST_OUTPUT"].endswith("/job-done/$RUNPOD_POD_ID/$ID?gpu=test")
    assert (env["RUNPOD_POD_ID"], env["RUNPOD_AI_API_KEY"], env["RUNPOD_PING_INTERVAL"]) == ("p1", "k", "500")


def test_wait_for_times_out_with_what_it_waited_for() -> None:
    with JobQueueServer() as queue, pytest.raises(TimeoutError, match="2 final result"):
        queue.wait_for_results(2, timeout=0.1)
