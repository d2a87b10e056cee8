"""allocate_endpoints: upstream's packing, worked examples, mocked racks, and properties that always hold."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srtctl._exceptions import AllocationError
from srtctl.plan import allocate_endpoints, nodes_required


def layout(endpoints) -> list[tuple[str, tuple[str, ...], tuple[int, ...]]]:
    return [(e.name, e.nodes, e.gpus) for e in endpoints]


def nodes(n: int) -> list[str]:
    return [f"n{i}" for i in range(n)]


# -- upstream's worked examples -----------------------------------------------------------------------------


def test_partial_workers_pack_and_prefill_and_decode_take_separate_nodes() -> None:
    placed = allocate_endpoints(2, 2, 0, 2, 2, 0, 4, nodes(2))
    assert layout(placed) == [
        ("prefill_w0", ("n0",), (0, 1)),
        ("prefill_w1", ("n0",), (2, 3)),
        ("decode_w0", ("n1",), (0, 1)),
        ("decode_w1", ("n1",), (2, 3)),
    ]


def test_a_worker_larger_than_a_node_takes_whole_nodes() -> None:
    placed = allocate_endpoints(1, 1, 0, 8, 8, 0, 4, nodes(4))
    assert layout(placed) == [("prefill_w0", ("n0", "n1"), (0, 1, 2, 3)), ("decode_w0", ("n2", "n3"), (0, 1, 2, 3))]


def test_too_few_nodes_is_a_clear_error_instead_of_an_index_error() -> None:
    with pytest.raises(AllocationError) as caught:
        allocate_endpoints(2, 2, 0, 8, 8, 0, 4, nodes(2))
    assert str(caught.value) == (
        "not enough nodes: 2 prefill × 8 GPUs + 2 decode × 8 GPUs need 8 node(s) of 4 GPUs, but 2 are available"
    )


def test_a_whole_node_decode_skips_the_partly_used_prefill_node() -> None:
    placed = allocate_endpoints(3, 1, 0, 2, 32, 0, 4, nodes(11))
    assert layout(placed)[:3] == [
        ("prefill_w0", ("n0",), (0, 1)),
        ("prefill_w1", ("n0",), (2, 3)),
        ("prefill_w2", ("n1",), (0, 1)),
    ]
    assert placed[3].nodes == tuple(f"n{i}" for i in range(2, 10))


def test_a_whole_node_worker_never_reuses_a_partly_used_node_even_on_the_last_node() -> None:
    # upstream gave n0's GPUs 0-1 twice here (prefill, then the whole-node decode)
    with pytest.raises(AllocationError, match="need 2 node"):
        allocate_endpoints(1, 1, 0, 2, 4, 0, 4, nodes(1))


def test_decode_shares_the_last_prefill_node_only_when_no_fresh_node_is_left() -> None:
    assert layout(allocate_endpoints(1, 1, 0, 2, 2, 0, 4, nodes(1))) == [
        ("prefill_w0", ("n0",), (0, 1)),
        ("decode_w0", ("n0",), (2, 3)),
    ]
    assert layout(allocate_endpoints(1, 1, 0, 2, 2, 0, 4, nodes(2)))[1] == ("decode_w0", ("n1",), (0, 1))


def test_decode_nodes_zero_packs_decode_after_prefill_on_shared_nodes() -> None:
    placed = allocate_endpoints(6, 2, 0, 2, 2, 0, 8, nodes(2))
    assert layout(placed)[4:] == [
        ("prefill_w4", ("n1",), (0, 1)),
        ("prefill_w5", ("n1",), (2, 3)),
        ("decode_w0", ("n1",), (4, 5)),
        ("decode_w1", ("n1",), (6, 7)),
    ]


def test_decode_shares_when_a_fresh_start_would_not_fit_but_sharing_does() -> None:
    # 1P x 2 and 5D x 2 on three 4-GPU nodes: starting fresh, decode would need n1..n3; sharing n0, it fits
    placed = allocate_endpoints(1, 5, 0, 2, 2, 0, 4, nodes(3))
    assert layout(placed)[1] == ("decode_w0", ("n0",), (2, 3))
    assert placed[-1].nodes == ("n2",)


def test_a_role_starts_fresh_when_it_fits_in_the_nodes_left() -> None:
    placed = allocate_endpoints(1, 4, 0, 2, 2, 0, 4, nodes(3))
    assert [e.nodes for e in placed if e.role == "decode"] == [("n1",), ("n1",), ("n2",), ("n2",)]


def test_multi_node_workers_take_consecutive_nodes() -> None:
    placed = allocate_endpoints(2, 1, 0, 16, 32, 0, 8, nodes(8))
    assert [e.nodes for e in placed] == [("n0", "n1"), ("n2", "n3"), ("n4", "n5", "n6", "n7")]


def test_aggregated_workers_pack_like_any_other() -> None:
    assert layout(allocate_endpoints(0, 0, 3, 0, 0, 4, 8, nodes(2))) == [
        ("agg_w0", ("n0",), (0, 1, 2, 3)),
        ("agg_w1", ("n0",), (4, 5, 6, 7)),
        ("agg_w2", ("n1",), (0, 1, 2, 3)),
    ]


def test_a_multi_node_worker_must_be_whole_nodes() -> None:
    with pytest.raises(AllocationError, match="a prefill worker with 6 GPUs spans nodes of 4 GPUs"):
        allocate_endpoints(1, 0, 0, 6, 0, 0, 4, nodes(4))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 0, 0, 1, 1, 1, 8, ["a"]), "must not be negative"),
        ((1, 0, 0, 0, 1, 1, 8, ["a"]), "need at least 1 GPU each"),
        ((1, 0, 0, 1, 1, 1, 0, ["a"]), "gpus_per_node must be at least 1"),
        ((1, 0, 0, 1, 1, 1, 8, ["a", "a"]), "lists a node twice"),
    ],
)
def test_malformed_requests_are_clear_errors(args: tuple, message: str) -> None:
    with pytest.raises(AllocationError, match=message):
        allocate_endpoints(*args)


def test_no_workers_need_no_nodes() -> None:
    assert allocate_endpoints(0, 0, 0, 0, 0, 0, 8, []) == ()


# -- properties ---------------------------------------------------------------------------------------------


@st.composite
def requests(draw: st.DrawFn) -> tuple[list[tuple[int, int]], int, int]:
    gpn = draw(st.sampled_from([1, 2, 4, 8]))
    sizes = [*range(1, gpn + 1), gpn * 2, gpn * 3]
    groups = [(draw(st.integers(0, 6)), draw(st.sampled_from(sizes))) for _ in range(3)]
    return groups, gpn, draw(st.integers(0, 24))


@settings(max_examples=400, deadline=None)
@given(requests())
def test_allocation_fails_exactly_when_the_node_budget_is_exceeded(request: tuple) -> None:
    groups, gpn, count = request
    args = (*(c for c, _ in groups), *(g for _, g in groups), gpn, nodes(count))
    budget = nodes_required(groups, gpn)
    if budget > count:
        with pytest.raises(AllocationError, match=f"need {budget} node"):
            allocate_endpoints(*args)
    else:
        allocate_endpoints(*args)


@settings(max_examples=400, deadline=None)
@given(requests())
def test_no_gpu_is_given_twice_and_every_worker_gets_exactly_its_gpus(request: tuple) -> None:
    groups, gpn, spare = request
    available = nodes(nodes_required(groups, gpn) + spare)
    placed = allocate_endpoints(*(c for c, _ in groups), *(g for _, g in groups), gpn, available)
    slots = Counter((node, gpu) for e in placed for node in e.nodes for gpu in e.gpus)
    assert all(n == 1 for n in slots.values())
    assert all(0 <= gpu < gpn for _, gpu in slots)
    expected = {role: g for role, (_, g) in zip(("prefill", "decode", "aggregated"), groups, strict=True)}
    assert all(e.num_gpus == expected[e.role] for e in placed)
    assert Counter(e.role for e in placed) == Counter(
        {role: c for role, (c, _) in zip(("prefill", "decode", "aggregated"), groups, strict=True) if c}
    )


@settings(max_examples=300, deadline=None)
@given(requests())
def test_roles_never_share_a_node_when_there_are_nodes_enough_for_each(request: tuple) -> None:
    groups, gpn, _ = request
    separate = sum(nodes_required([group], gpn) for group in groups)
    placed = allocate_endpoints(*(c for c, _ in groups), *(g for _, g in groups), gpn, nodes(separate))
    roles_on = {}
    for endpoint in placed:
        for node in endpoint.nodes:
            roles_on.setdefault(node, set()).add(endpoint.role)
    assert all(len(roles) == 1 for roles in roles_on.values())


@settings(max_examples=200, deadline=None)
@given(requests())
def test_whole_node_workers_own_every_gpu_of_consecutive_nodes(request: tuple) -> None:
    groups, gpn, _ = request
    names = nodes(nodes_required(groups, gpn))
    for endpoint in allocate_endpoints(*(c for c, _ in groups), *(g for _, g in groups), gpn, names):
        if len(endpoint.nodes) > 1 or len(endpoint.gpus) == gpn:
            assert endpoint.gpus == tuple(range(gpn))
            first = names.index(endpoint.nodes[0])
            assert endpoint.nodes == tuple(names[first : first + len(endpoint.nodes)])
