"""The public surface is what we mean: each public module's __all__ names exactly what it offers."""

import importlib
import subprocess
import sys
import types

import pytest

PUBLIC_MODULES = [
    "srtctl",
    "srtctl.config",
    "srtctl.plan",
    "srtctl.backends",
    "srtctl.frontends",
    "srtctl.runtime.context",
    "srtctl._exceptions",
    "srtctl.slurm",
    "srtctl.runtime.status",
    "srtctl.runtime.jobs",
    "srtctl.runtime.health",
    "srtctl.runtime.processes",
    "srtctl.runtime.orchestrator",
]


def public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", module.__name__).startswith("srtctl")
        and name not in {"annotations", "TYPE_CHECKING", "Any"}
    }


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_name_in_all_resolves(name: str) -> None:
    module = importlib.import_module(name)
    assert isinstance(module.__all__, tuple)
    for attribute in module.__all__:
        assert getattr(module, attribute) is not None


@pytest.mark.parametrize(
    "name", ["srtctl.config", "srtctl.backends", "srtctl.frontends", "srtctl._exceptions", "srtctl.slurm"]
)
def test_all_lists_every_public_name(name: str) -> None:
    module = importlib.import_module(name)
    assert public_names(module) <= set(module.__all__)


def test_the_package_exposes_the_api_the_apply_command_builds_on() -> None:
    import srtctl

    assert set(srtctl.__all__) == {
        "AllocationError",
        "ClusterConfig",
        "CommandError",
        "ConfigError",
        "ConfigIssue",
        "HealthCheckTimeout",
        "JobConfig",
        "LaunchPlan",
        "RuntimeContext",
        "SrtctlError",
        "SubmitError",
        "TopologyError",
        "__version__",
        "allocate_endpoints",
        "load_cluster",
        "load_config",
        "load_configs",
        "plan",
    }
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        srtctl.nope  # noqa: B018
    import srtctl.plan

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        srtctl.plan.nope  # noqa: B018


def test_errors_share_one_root() -> None:
    import srtctl

    for name in (
        "ConfigError",
        "TopologyError",
        "AllocationError",
        "CommandError",
        "SubmitError",
        "HealthCheckTimeout",
    ):
        assert issubclass(getattr(srtctl, name), srtctl.SrtctlError)
    assert issubclass(srtctl.AllocationError, srtctl.TopologyError)
    assert issubclass(srtctl.TopologyError, srtctl.ConfigError)


def test_importing_srtctl_loads_no_heavy_machinery() -> None:
    code = (
        "import sys, srtctl\n"
        "heavy = {'pydantic', 'yaml', 'jinja2', 'typer', 'rich', 'fabric', 'httpx2'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_command_error_keeps_its_evidence() -> None:
    from srtctl import CommandError

    error = CommandError(["sbatch", "job.sh"], 1, stdout="", stderr="sbatch: error: invalid partition\n")
    assert str(error) == "'sbatch' exited with status 1: sbatch: error: invalid partition"
    assert (error.argv, error.returncode) == (("sbatch", "job.sh"), 1)
    assert str(CommandError([], 2)) == "'<empty>' exited with status 2"


def test_a_config_error_from_a_message_has_one_issue() -> None:
    from srtctl import ConfigError, ConfigIssue

    error = ConfigError("plain message")
    assert error.issues == (ConfigIssue(message="plain message"),)
    assert str(ConfigIssue(message="m", variant="v")) == "(variant 'v'): m"
