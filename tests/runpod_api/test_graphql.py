"""The GraphQL layer: every operation matches the checked-in schema and carries values only as variables."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from graphql import (
    ArgumentNode,
    BooleanValueNode,
    EnumValueNode,
    FloatValueNode,
    IntValueNode,
    ListValueNode,
    NonNullTypeNode,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
    build_schema,
    validate,
    visit,
)
from graphql.language import Visitor

from runpod_api import _graphql
from runpod_api._exceptions import APIResponseValidationError, GraphQLError

OPERATIONS = _graphql.operation_names()


def test_schema_builds() -> None:
    schema = build_schema(_graphql.schema_sdl())
    assert schema.query_type is not None and schema.mutation_type is not None


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_is_valid_against_the_schema(name: str) -> None:
    operation = _graphql.operation(name)
    assert validate(_graphql.schema(), operation.document) == []


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_passes_every_value_as_a_variable(name: str) -> None:
    literals: list[str] = []

    class FindLiterals(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            def walk(value: object) -> None:
                if isinstance(value, ObjectValueNode):
                    for f in value.fields:
                        walk(f.value)
                elif isinstance(value, ListValueNode):
                    for v in value.values:
                        walk(v)
                elif isinstance(
                    value, StringValueNode | IntValueNode | FloatValueNode | BooleanValueNode | EnumValueNode
                ):
                    literals.append(f"{node.name.value}: {value.to_kwargs()}")

            walk(node.value)

    visit(_graphql.operation(name).document, FindLiterals())
    assert literals == []


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_variable_is_declared_non_null(name: str) -> None:
    # The server rejects a nullable variable in a non-null position; a non-null one fits everywhere.
    definition = _graphql.operation(name).document.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    assert all(isinstance(v.type, NonNullTypeNode) for v in definition.variable_definitions or ())


def test_each_operation_document_holds_only_the_fragments_it_uses() -> None:
    printed = _graphql.operation("CreateGpuPod").payload({})["query"]
    assert "fragment DeployedPodFields" in printed and "fragment PodFields" not in printed


def test_payload_names_the_operation_and_carries_variables() -> None:
    payload = _graphql.operation("GetPod").payload({"input": {"podId": "abc"}})
    assert payload["operationName"] == "GetPod"
    assert payload["variables"] == {"input": {"podId": "abc"}}


def test_unknown_operation_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no GraphQL operation named 'Nope'"):
        _graphql.operation("Nope")


def test_queries_are_idempotent_and_mutations_are_not() -> None:
    assert _graphql.operation("ListPods").is_query
    assert not _graphql.operation("CreateGpuPod").is_query


def test_read_result_refuses_a_body_that_is_not_a_result() -> None:
    with pytest.raises(APIResponseValidationError, match="not a GraphQL result"):
        _graphql.read_result(["x"], operation_name="Op")


def test_read_result_keeps_malformed_error_entries() -> None:
    with pytest.raises(GraphQLError) as exc:
        _graphql.read_result({"errors": ["plain text error"]}, operation_name="Op")
    assert exc.value.errors == [{"message": "plain text error"}]


def _run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_import_loads_no_graphql_machinery() -> None:
    out = _run(
        """
        import sys
        import runpod_api
        client = runpod_api.Runpod(api_key="k" * 20, base_url="http://127.0.0.1:9")
        client.pods, client.templates
        print(sorted(m for m in ("gql", "graphql") if m in sys.modules))
        """
    )
    assert out == "[]"


def test_first_control_plane_call_loads_gql(fake_process: dict[str, str]) -> None:
    out = _run(
        f"""
        import sys
        import runpod_api
        client = runpod_api.Runpod(api_key={fake_process["api_key"]!r}, base_url={fake_process["url"]!r})
        before = "gql" in sys.modules
        client.pods.list()
        print(before, "gql" in sys.modules)
        """
    )
    assert out == "False True"
