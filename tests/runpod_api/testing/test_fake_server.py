"""The fake control plane as a process of its own, driven over HTTP as the CLI tests will drive it."""

from __future__ import annotations

import httpx2
import pytest

from runpod_api import InternalServerError, RetryPolicy, Runpod
from runpod_api.testing import FakeRunpod, Fault


@pytest.fixture
def control(fake_process: dict[str, str]) -> httpx2.Client:
    with httpx2.Client(base_url=fake_process["url"]) as client:
        client.post("/_fake/reset").raise_for_status()
        yield client


def test_process_serves_the_client(fake_process: dict[str, str], control: httpx2.Client) -> None:
    with Runpod(api_key=fake_process["api_key"], base_url=fake_process["url"]) as client:
        pod = client.pods.create(name="p", image_name="a", instance_id="cpu3c-2-4")
        assert [p.id for p in client.pods.list()] == [pod.id]
    state = control.get("/_fake/state").json()
    assert list(state["pods"]) == [pod.id]
    assert [r["operation"] for r in control.get("/_fake/requests").json()] == ["CreateCpuPod", "ListPods"]


def test_faults_can_be_queued_over_http(
    fake_process: dict[str, str], control: httpx2.Client, policy: RetryPolicy
) -> None:
    control.post("/_fake/faults", json={"status": 500, "times": 3}).raise_for_status()
    with Runpod(api_key=fake_process["api_key"], base_url=fake_process["url"], retry_policy=policy) as client:
        with pytest.raises(InternalServerError):
            client.with_options(max_retries=0).user.get()
        assert client.user.get().email == "developer@example.com"  # the two faults left are retried away


def test_reset_forgets_everything(fake_process: dict[str, str], control: httpx2.Client) -> None:
    with Runpod(api_key=fake_process["api_key"], base_url=fake_process["url"]) as client:
        client.network_volumes.create(name="v", size=1, data_center_id="EU-RO-1")
    control.post("/_fake/reset").raise_for_status()
    assert control.get("/_fake/state").json()["network_volumes"] == {}
    assert control.get("/_fake/requests").json() == []


def test_bad_fault_is_refused_with_the_reason(control: httpx2.Client) -> None:
    response = control.post("/_fake/faults", json={"status": 500, "colour": "red"})
    assert response.status_code == 400
    assert "colour" in response.json()["error"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [("GET", "/nope", None, 404), ("POST", "/nope", {}, 404), ("POST", "/graphql", b"{not json", 400)],
)
def test_unknown_routes_and_bad_bodies(control: httpx2.Client, method: str, path: str, body, status: int) -> None:
    content = body if isinstance(body, bytes) else None
    response = control.request(method, path, json=None if content else body, content=content)
    assert response.status_code == status


def test_request_without_a_query_is_a_bad_request() -> None:
    with FakeRunpod() as server:
        response = httpx2.post(
            f"{server.url}/graphql", json={"variables": {}}, headers={"Authorization": f"Bearer {server.api_key}"}
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "the request has no query"


def test_fault_matches_only_its_operation() -> None:
    with FakeRunpod() as server, Runpod(api_key=server.api_key, base_url=server.url, max_retries=0) as client:
        server.add_fault(Fault(status=500, operation="GetUser"))
        assert client.pods.list() == []
        with pytest.raises(InternalServerError):
            client.user.get()


def test_in_process_server_can_run_in_the_calling_thread() -> None:
    import threading

    server = FakeRunpod()
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        with Runpod(api_key=server.api_key, base_url=server.url) as client:
            assert client.gpus.list()
    finally:
        server.shutdown()
        thread.join()
