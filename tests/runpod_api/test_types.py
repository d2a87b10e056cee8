"""Models: answers tolerate what the server adds, parameters refuse what the caller gets wrong."""

from __future__ import annotations

import pickle

import pytest
from pydantic import ValidationError

from runpod_api import NOT_GIVEN, NotGiven, Timeout
from runpod_api.types import EndpointParams, Pod, PodCreateParams, ServerlessEndpoint, Template, TemplateParams


def test_answers_keep_fields_the_server_adds() -> None:
    pod = Pod.model_validate({"id": "p1", "desiredStatus": "RUNNING", "brandNewField": {"x": 1}})
    assert pod.desired_status == "RUNNING"
    assert pod.model_extra == {"brandNewField": {"x": 1}}


def test_env_is_read_from_either_wire_form() -> None:
    assert Pod.model_validate({"id": "p", "env": ["A=1", "B=x=y", "C="]}).env == {"A": "1", "B": "x=y", "C": ""}
    template = Template.model_validate({"id": "t", "env": [{"key": "A", "value": "1"}, {"key": "B", "value": None}]})
    assert template.env == {"A": "1", "B": ""}
    assert ServerlessEndpoint.model_validate({"id": "e", "env": None}).env == {}


def test_null_entries_in_lists_are_skipped() -> None:
    pod = Pod.model_validate({"id": "p", "runtime": {"ports": [None, {"privatePort": 22}], "gpus": None}})
    assert pod.runtime is not None
    assert [p.private_port for p in pod.runtime.ports] == [22] and pod.runtime.gpus == []


def test_public_address_only_for_public_ports() -> None:
    pod = Pod.model_validate(
        {
            "id": "p",
            "desiredStatus": "RUNNING",
            "runtime": {"ports": [{"ip": "10.0.0.1", "isIpPublic": False, "privatePort": 22, "publicPort": 22}]},
        }
    )
    assert pod.is_running and pod.public_address(22) is None
    assert Pod(id="p").public_address(22) is None


def test_parameters_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="gpu_typ"):
        PodCreateParams.model_validate({"name": "p", "image_name": "a", "gpu_typ": "x"})


def test_parameters_are_strict_about_types() -> None:
    with pytest.raises(ValidationError, match="gpu_count"):
        PodCreateParams(name="p", image_name="a", gpu_type_id="g", gpu_count="2")  # type: ignore[arg-type]


def test_parameter_errors_never_echo_the_input() -> None:
    with pytest.raises(ValidationError) as exc:
        PodCreateParams(name="p", image_name="a", gpu_type_id="g", env={"TOKEN": 12345678})  # type: ignore[dict-item]
    assert "12345678" not in str(exc.value)


def test_parameters_repr_hides_env() -> None:
    params = PodCreateParams(name="p", image_name="a", gpu_type_id="g", env={"TOKEN": "tok-secret"})
    assert "tok-secret" not in repr(params)


def test_ports_are_normalised() -> None:
    params = PodCreateParams(name="p", image_name="a", gpu_type_id="g", ports=" 8888/http , 22/tcp,")
    assert params.ports == "8888/http,22/tcp"
    with pytest.raises(ValidationError, match="port '70000/tcp'"):
        PodCreateParams(name="p", image_name="a", gpu_type_id="g", ports="70000/tcp")


def test_endpoint_comma_lists_accept_strings_and_lists() -> None:
    params = EndpointParams(name="e", template_id="t", gpu_ids=" AMPERE_16 , ADA_24", locations=["EU-RO-1"])
    assert (params.gpu_ids, params.locations) == ("AMPERE_16,ADA_24", "EU-RO-1")


def test_template_params_are_rebuilt_from_a_template_with_changes() -> None:
    template = Template.model_validate(
        {
            "id": "t",
            "name": "n",
            "imageName": "i",
            "env": [{"key": "A", "value": "1"}],
            "portsConfig": [{"port": "80", "name": "web"}],
        }
    )
    params = TemplateParams.from_template(template, readme="r")
    assert (params.env, params.ports_config, params.readme) == ({"A": "1"}, {"80": "web"}, "r")


def test_timeout_from_a_number_sets_every_phase() -> None:
    assert Timeout.of(3) == Timeout(connect=3, read=3, write=3, pool=3)
    assert Timeout.of(None) == Timeout(connect=None, read=None, write=None, pool=None)
    with pytest.raises(ValueError, match="positive"):
        Timeout.of(0)
    with pytest.raises(TypeError, match="number of seconds"):
        Timeout.of("5")  # type: ignore[arg-type]


def test_not_given_is_a_falsy_singleton() -> None:
    assert NotGiven() is NOT_GIVEN and not NOT_GIVEN and repr(NOT_GIVEN) == "NOT_GIVEN"
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN
