"""The dev server's OpenAPI document, with the handler's own input schema when it declares one (pure)."""

from __future__ import annotations

import copy
from typing import Any

__all__ = ("REF_TEMPLATE", "openapi_document")

REF_TEMPLATE = "#/components/schemas/{model}"
"""Where a handler's input schema must point its references (pydantic's ``ref_template``)."""

_STATES = ["IN_QUEUE", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"]
_JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
_WORKER_ID = {"name": "worker_id", "in": "path", "required": True, "schema": {"type": "string"}}
_ENDPOINT_ID = {"name": "endpoint_id", "in": "path", "required": True, "schema": {"type": "string"}}
_WAIT = {
    "name": "wait",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 0},
    "description": "Milliseconds to hold the request open for the answer.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"description": description or "OK", "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    reasons = {400: "Malformed request", 404: "Unknown job", 409: "The job's state does not allow this"}
    return {str(code): _json_body(_ref("Error"), reasons[code]) for code in codes}


def _schemas(input_schema: dict[str, Any] | None) -> dict[str, Any]:
    job_input: dict[str, Any] = {"description": "The handler's input: any JSON value the handler accepts."}
    extra: dict[str, Any] = {}
    if input_schema is not None:
        job_input = copy.deepcopy(input_schema)
        extra = job_input.pop("$defs", {})
    return {
        **extra,
        "JobInput": job_input,
        "RunRequest": {
            "type": "object",
            "required": ["input"],
            "properties": {
                "input": _ref("JobInput"),
                "webhook": {
                    "type": "string",
                    "format": "uri",
                    "description": "Receives the /status body when the job finishes (retried on failure).",
                },
                "policy": {
                    "type": "object",
                    "properties": {
                        "executionTimeout": {
                            "type": "integer",
                            "description": "Milliseconds the job may run before it is TIMED_OUT.",
                        }
                    },
                },
            },
        },
        "JobStatus": {
            "type": "object",
            "required": ["id", "status"],
            "properties": {
                "id": {"type": "string"},
                "status": {"type": "string", "enum": _STATES},
                "output": {"description": "The handler's output (or its latest progress update while running)."},
                "error": {"type": "string"},
                "delayTime": {"type": "integer", "description": "Milliseconds spent in the queue."},
                "executionTime": {"type": "integer", "description": "Milliseconds spent running."},
                "workerId": {"type": "string"},
            },
        },
        "StreamResponse": {
            "type": "object",
            "required": ["id", "status", "stream"],
            "properties": {
                "id": {"type": "string"},
                "status": {"type": "string", "enum": _STATES},
                "stream": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"output": {}}},
                    "description": "Chunks produced since the last call; none is repeated.",
                },
                "error": {"type": "string"},
            },
        },
        "Health": {
            "type": "object",
            "properties": {
                "jobs": {
                    "type": "object",
                    "properties": {
                        k: {"type": "integer"} for k in ("completed", "failed", "inProgress", "inQueue", "retried")
                    },
                },
                "workers": {
                    "type": "object",
                    "properties": {
                        k: {"type": "integer"}
                        for k in ("idle", "initializing", "ready", "running", "throttled", "unhealthy")
                    },
                },
            },
        },
        "Purged": {
            "type": "object",
            "properties": {"removed": {"type": "integer"}, "status": {"type": "string", "enum": ["completed"]}},
        },
        "WorkItem": {
            "type": "object",
            "required": ["id", "input"],
            "properties": {"id": {"type": "string"}, "input": _ref("JobInput"), "webhook": {"type": "string"}},
        },
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    }


def _client_paths() -> dict[str, Any]:
    job_state = {"type": "object", "properties": {"id": {"type": "string"}, "status": {"type": "string"}}}
    run_body = {"required": True, "content": {"application/json": {"schema": _ref("RunRequest")}}}
    status_op = {
        "tags": ["jobs"],
        "summary": "A job's state, output or error",
        "parameters": [_JOB_ID],
        "responses": {"200": _json_body(_ref("JobStatus")), **_errors(404)},
    }
    stream_op = {
        "tags": ["jobs"],
        "summary": "Stream chunks produced since the last call (held open until one arrives)",
        "parameters": [_JOB_ID, _WAIT],
        "responses": {"200": _json_body(_ref("StreamResponse")), **_errors(404)},
    }
    return {
        "/run": {
            "post": {
                "tags": ["jobs"],
                "summary": "Queue a job; the worker runs it in the background",
                "requestBody": run_body,
                "responses": {"200": _json_body(job_state, "The job id, IN_QUEUE"), **_errors(400)},
            }
        },
        "/runsync": {
            "post": {
                "tags": ["jobs"],
                "summary": "Queue a job and wait for its result (IN_QUEUE/IN_PROGRESS if it takes longer than wait)",
                "parameters": [_WAIT],
                "requestBody": run_body,
                "responses": {"200": _json_body(_ref("JobStatus")), **_errors(400)},
            }
        },
        "/status/{job_id}": {"get": status_op, "post": {**status_op, "operationId": "status_post"}},
        "/stream/{job_id}": {"get": stream_op, "post": {**stream_op, "operationId": "stream_post"}},
        "/cancel/{job_id}": {
            "post": {
                "tags": ["jobs"],
                "summary": "Cancel a queued or running job (a running one is stopped through job-stop)",
                "parameters": [_JOB_ID],
                "responses": {"200": _json_body(job_state), **_errors(404)},
            }
        },
        "/retry/{job_id}": {
            "post": {
                "tags": ["jobs"],
                "summary": "Queue a FAILED or TIMED_OUT job again under the same id",
                "parameters": [_JOB_ID],
                "responses": {"200": _json_body(job_state), **_errors(404, 409)},
            }
        },
        "/health": {
            "get": {
                "tags": ["endpoint"],
                "summary": "Job counts by state and worker counts",
                "responses": {"200": _json_body(_ref("Health"))},
            }
        },
        "/purge-queue": {
            "post": {
                "tags": ["endpoint"],
                "summary": "Cancel every queued job (running jobs continue)",
                "responses": {"200": _json_body(_ref("Purged"))},
            }
        },
    }


def _worker_paths() -> dict[str, Any]:
    prefix = "/v2/{endpoint_id}"
    accepted = _json_body({"type": "object", "properties": {"accepted": {"type": "boolean"}}})
    any_body = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}

    def op(summary: str, params: list[dict[str, Any]], responses: dict[str, Any], **more: Any) -> dict[str, Any]:
        return {"tags": ["worker protocol"], "summary": summary, "parameters": params, "responses": responses, **more}

    def post(summary: str) -> dict[str, Any]:
        params = [_ENDPOINT_ID, _WORKER_ID, _JOB_ID]
        return op(summary, params, {"200": accepted} | _errors(400, 404), requestBody=any_body)

    no_job = {"204": {"description": "Nothing to hand out within the hold time"}}
    return {
        f"{prefix}/job-take/{{worker_id}}": {
            "get": op(
                "Take one job (long-poll)", [_ENDPOINT_ID, _WORKER_ID], {"200": _json_body(_ref("WorkItem"))} | no_job
            )
        },
        f"{prefix}/job-take-batch/{{worker_id}}": {
            "get": op(
                "Take up to batch_size jobs (long-poll)",
                [
                    _ENDPOINT_ID,
                    _WORKER_ID,
                    {"name": "batch_size", "in": "query", "required": True, "schema": {"type": "integer"}},
                ],
                {"200": _json_body({"type": "array", "items": _ref("WorkItem")})} | no_job | _errors(400),
            )
        },
        f"{prefix}/job-done/{{worker_id}}/{{job_id}}": {
            "post": post(
                'Post a result ({"output"} or {"error"}) or a progress update ({"status": "IN_PROGRESS", "output"})'
            )
        },
        f"{prefix}/job-stream/{{worker_id}}/{{job_id}}": {
            "post": post('Post stream chunks ({"output": chunk} or a list of them)')
        },
        f"{prefix}/job-stop/{{worker_id}}": {
            "get": op(
                "Jobs this worker must stop (long-poll)",
                [_ENDPOINT_ID, _WORKER_ID],
                {"200": _json_body({"type": "object", "properties": {"jobsToStop": {"type": "array"}}})} | no_job,
            )
        },
        f"{prefix}/ping/{{worker_id}}": {
            "get": op("Heartbeat", [_ENDPOINT_ID, _WORKER_ID], {"200": _json_body({"type": "object"})})
        },
    }


def openapi_document(*, title: str, input_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the dev server.

    Args:
        title: the API title.
        input_schema: the handler's input JSON Schema, its references built with :data:`REF_TEMPLATE`; its
            ``$defs`` become component schemas.
    """
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1.0",
            "description": (
                "A local stand-in for a Runpod serverless endpoint. The job routes are served at the root and "
                "under /v2/{endpoint_id}/ (any endpoint id); the worker protocol routes are what the worker's "
                "own job loop calls."
            ),
        },
        "paths": {**_client_paths(), **_worker_paths()},
        "components": {"schemas": _schemas(input_schema)},
    }
