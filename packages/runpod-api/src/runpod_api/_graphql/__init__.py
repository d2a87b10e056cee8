"""GraphQL documents and answers: the only module that imports gql and graphql-core.

It is imported on the first control-plane call, never by `import runpod_api`. It loads the operations
kept in `operations/*.graphql` (named operations with variables only; values are never written into
query text), checks each against the checked-in `schema.graphql` before its first use, builds request
bodies with gql, and turns an answer into its `data` or a `GraphQLError`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from gql import GraphQLRequest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    build_schema,
    parse,
    validate,
    visit,
)

from .._exceptions import APIResponseValidationError, GraphQLError
from .._redact import redact, redact_json

__all__ = (
    "Operation",
    "adhoc_operation",
    "operation",
    "operation_names",
    "read_result",
    "schema",
    "schema_sdl",
)

_HERE = files(__name__)


def schema_sdl() -> str:
    """The text of the checked-in schema."""
    return _HERE.joinpath("schema.graphql").read_text(encoding="utf-8")


@functools.cache
def schema() -> GraphQLSchema:
    """The checked-in schema, built once."""
    return build_schema(schema_sdl())


@dataclass(frozen=True, slots=True)
class Operation:
    """One named operation, in a document that holds it and the fragments it uses."""

    name: str
    """The operation's name, sent as `operationName` (empty for an anonymous ad-hoc operation)."""
    kind: OperationType
    """Query or mutation."""
    document: DocumentNode
    """What is sent as `query`."""

    @property
    def is_query(self) -> bool:
        """Queries only read, so they are safe to retry; mutations are not."""
        return self.kind is OperationType.QUERY

    def payload(self, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The JSON body of a request: the document, its operation name and the variables."""
        request = GraphQLRequest(self.document, variable_values=dict(variables or {}), operation_name=self.name or None)
        return request.payload


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.names.add(node.name.value)


def _spreads(node: Any) -> set[str]:
    collector = _SpreadCollector()
    visit(node, collector)
    return collector.names


@functools.cache
def _definitions() -> tuple[dict[str, OperationDefinitionNode], dict[str, FragmentDefinitionNode]]:
    operations: dict[str, OperationDefinitionNode] = {}
    fragments: dict[str, FragmentDefinitionNode] = {}
    for path in sorted(_HERE.joinpath("operations").iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".graphql"):
            continue
        for definition in parse(path.read_text(encoding="utf-8")).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                if definition.name.value in operations:
                    raise RuntimeError(f"operation {definition.name.value!r} is defined twice ({path.name})")
                operations[definition.name.value] = definition
            elif isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
            else:
                raise RuntimeError(f"{path.name}: every operation must be named")
    return operations, fragments


def operation_names() -> list[str]:
    """The names of every operation in `operations/`."""
    return sorted(_definitions()[0])


def _document(name: str) -> DocumentNode:
    operations, fragments = _definitions()
    try:
        op = operations[name]
    except KeyError:
        raise KeyError(f"no GraphQL operation named {name!r}") from None
    needed: list[FragmentDefinitionNode] = []
    pending = _spreads(op)
    seen: set[str] = set()
    while pending:
        fragment_name = pending.pop()
        if fragment_name in seen or fragment_name not in fragments:
            continue  # an unknown fragment is reported by validation
        seen.add(fragment_name)
        needed.append(fragments[fragment_name])
        pending |= _spreads(fragments[fragment_name])
    return DocumentNode(definitions=(op, *sorted(needed, key=lambda f: f.name.value)))


@functools.cache
def operation(name: str) -> Operation:
    """The named operation, checked against the schema the first time it is asked for.

    Raises:
        KeyError: There is no such operation.
        RuntimeError: The operation does not match the schema (a bug in this package, caught by its tests).
    """
    document = _document(name)
    errors = validate(schema(), document)
    if errors:
        raise RuntimeError(f"GraphQL operation {name!r} does not match schema.graphql: {errors[0].message}")
    definition = document.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    return Operation(name=name, kind=definition.operation, document=document)


def adhoc_operation(query: str, operation_name: str | None = None) -> Operation:
    """An operation written by a caller (`Runpod.graphql`), parsed but not checked against our schema.

    Our schema covers only what this package uses; the server checks the rest.

    Raises:
        ValueError: The text is not GraphQL, or does not hold the operation asked for.
    """
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        raise ValueError(f"the query is not valid GraphQL: {exc.message} at {exc.locations}") from None
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        ops = [d for d in ops if d.name and d.name.value == operation_name]
        if not ops:
            raise ValueError(f"the query holds no operation named {operation_name!r}")
    elif len(ops) != 1:
        raise ValueError(f"the query holds {len(ops)} operations: pass operation_name to choose one")
    name = operation_name or (ops[0].name.value if ops[0].name else None)
    return Operation(name=name or "", kind=ops[0].operation, document=document)


def read_result(
    body: Any,
    *,
    operation_name: str,
    secrets: Iterable[str] = (),
    method: str | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """Return the `data` of a GraphQL answer.

    Raises:
        GraphQLError: The answer carried `errors` (all of them are kept, with any partial data).
        APIResponseValidationError: The answer is not a GraphQL result, or has no data.
    """
    secrets = tuple(secrets)
    if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
        raise APIResponseValidationError(
            f"{operation_name}: the answer is not a GraphQL result (no data and no errors)",
            body=redact_json(body, secrets),
            method=method,
            url=url,
        )
    errors = body.get("errors")
    if errors:
        entries = [
            e if isinstance(e, dict) else {"message": str(e)}
            for e in (errors if isinstance(errors, list) else [errors])
        ]
        entries = redact_json(entries, secrets)
        text = "; ".join(str(e.get("message", "(no message)")) for e in entries)
        raise GraphQLError(
            redact(f"{operation_name} failed: {text}", secrets),
            errors=entries,
            data=redact_json(body.get("data"), secrets),
            method=method,
            url=url,
        )
    data = body.get("data")
    if not isinstance(data, dict):
        raise APIResponseValidationError(
            f"{operation_name}: the answer has no data", body=redact_json(body, secrets), method=method, url=url
        )
    return data
