"""`srtctl validate`, `srtctl schema` and `srtctl dry-run`, as a user runs them."""

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from srtctl.cli import app
from srtctl.plan import LaunchPlan

JOB = """\
name: demo
model: {path: hf:org/model}
resources:
  gpu_type: h100
  gpus_per_node: 8
  prefill_nodes: 1
  prefill_workers: 1
  decode_nodes: 1
  decode_workers: 1
"""

Write = Callable[[str, str], Path]


@pytest.fixture(autouse=True)
def no_cluster_file_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SRTSLURM_CONFIG", raising=False)


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def test_validate_reports_ok_with_the_jobs_it_found(write: Write) -> None:
    path = write("job.yaml", JOB)
    result = run("validate", "-f", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == f"{path}: ok, 1 job (demo)\n"


def test_validate_names_the_cluster_file_it_used(write: Write) -> None:
    cluster = write("srtslurm.yaml", "gpus_per_node: 8\n")
    path = write("jobs/job.yaml", JOB.replace("  gpus_per_node: 8\n", ""))
    result = run("validate", "-f", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"with {cluster}\n")


def test_validate_reports_every_problem_located_and_exits_1(write: Write) -> None:
    path = write("job.yaml", JOB.replace("decode_workers: 1", "decode_workers: 0") + "bogus: 1\n")
    result = run("validate", "-f", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {path}:9 resources.decode_workers: must be at least 1",
        f"error: {path}:10 bogus: unknown key; expected one of: name, model, resources, slurm, backend, frontend, "
        "benchmark, health_check, environment, container_mounts",
    ]


def test_validate_expands_sweeps_and_takes_a_variant_selector(write: Write) -> None:
    path = write(
        "job.yaml",
        "sweep: {grid: {n: [1, 2]}}\n"
        + JOB.replace("decode_workers: 1", "decode_workers: '{n}'").replace("decode_nodes: 1", "decode_nodes: '{n}'"),
    )
    assert run("validate", "-f", str(path)).output == f"{path}: ok, 2 jobs (demo_n1, demo_n2)\n"
    assert run("validate", "-f", f"{path}:demo_n2").output == f"{path}: ok, 1 job (demo_n2)\n"


def test_validate_with_an_explicit_cluster_file(write: Write) -> None:
    cluster = write("site.yaml", "bogus: 1\n")
    result = run("validate", "-f", str(write("job.yaml", JOB)), "--cluster", str(cluster))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {cluster}:1 bogus: unknown key")


def test_schema_prints_the_job_file_schema_with_descriptions() -> None:
    result = run("schema")
    schema = json.loads(result.output)
    job = schema["$defs"]["JobConfig"]
    assert job["additionalProperties"] is False
    assert set(job["required"]) == {"name", "model", "resources"}
    assert "sweep" in job["properties"]
    resources = schema["$defs"]["ResourcesConfig"]["properties"]
    assert resources["decode_nodes"]["description"].startswith("Nodes given to decode workers; 0 packs")
    assert schema["anyOf"][1]["required"] == ["base"]


def test_schema_of_the_cluster_file() -> None:
    schema = json.loads(run("schema", "cluster").output)
    assert schema["title"] == "srtctl cluster file"
    assert schema["properties"]["node_addresses"]["description"].startswith("Addresses peers use")


def test_dry_run_prints_allocation_sbatch_and_every_process(write: Write) -> None:
    result = run("dry-run", "-f", str(write("job.yaml", JOB)), "--output-dir", "/shared/out")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "== demo: disaggregated 1P_1D on 2 node(s) x 8 GPUs (h100)" in text
    assert "  prefill_w0  node0  0-7 (8)  http 10000, nccl 12000, bootstrap 11000\n" in text
    assert "#SBATCH --output=/shared/out/slurm-%j.out" in text
    assert "    command: " in text and "    environment:\n      CUDA_VISIBLE_DEVICES=0,1,2,3,4,5,6,7\n" in text


def test_dry_run_json_is_the_plan_for_machines(write: Write) -> None:
    result = run("dry-run", "--json", "-f", str(write("job.yaml", JOB)))
    launched = LaunchPlan.from_json(result.output)
    assert [p.name for p in launched.processes] == ["prefill_w0", "decode_w0", "frontend_0"]


def test_dry_run_json_of_several_variants_is_a_list(write: Write) -> None:
    path = write("job.yaml", "sweep: {grid: {n: [1, 2]}}\n" + JOB.replace("name: demo", "name: 'd{n}'"))
    documents = json.loads(run("dry-run", "--json", "-f", str(path)).output)
    assert [d["config"]["name"] for d in documents] == ["d1", "d2"]


def test_dry_run_text_of_several_variants_shows_each(write: Write) -> None:
    path = write("job.yaml", "sweep: {grid: {n: [1, 2]}}\n" + JOB.replace("name: demo", "name: 'd{n}'"))
    text = run("dry-run", "-f", str(path)).output
    assert "== d1: " in text and "\n\n== d2: " in text


def test_dry_run_previews_a_given_job_id_and_nodelist(write: Write) -> None:
    path = write("job.yaml", JOB)
    result = run("dry-run", "--json", "-f", str(path), "--job-id", "31", "--nodelist", "gpu[07-08]")
    launched = LaunchPlan.from_json(result.output)
    assert launched.runtime.nodes == ("gpu07", "gpu08")
    assert launched.process("prefill_w0").ports["http"] == 10032  # slot 1


def test_dry_run_refuses_a_malformed_nodelist(write: Write) -> None:
    result = run("dry-run", "-f", str(write("job.yaml", JOB)), "--nodelist", "gpu[1")
    assert result.exit_code == 2
    assert "unbalanced" in result.output


def test_dry_run_with_too_few_nodes_is_an_error(write: Write) -> None:
    result = run("dry-run", "-f", str(write("job.yaml", JOB)), "--nodelist", "gpu1")
    assert result.exit_code == 1
    assert result.stderr == "error: the job needs 2 node(s) (1P_1D), but SLURM gave 1: gpu1\n"


def test_dry_run_of_a_missing_file_is_an_error(tmp_path: Path) -> None:
    result = run("dry-run", "-f", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert "cannot read the job file" in result.stderr


def test_dry_run_needs_no_slurm_no_network_and_no_ssh_library(write: Write) -> None:
    path = write("job.yaml", JOB)
    code = textwrap.dedent(f"""\
        import socket, sys
        def refuse(*args, **kwargs):
            raise AssertionError("dry-run opened a network connection")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from srtctl.cli import main
        sys.argv = ["srtctl", "dry-run", "-f", {str(path)!r}]
        try:
            main()
        except SystemExit as exit:
            assert not exit.code, exit.code
        finally:
            assert "fabric" not in sys.modules and "paramiko" not in sys.modules, "dry-run imported the SSH library"
        """)
    env = {**os.environ, "PATH": "/nonexistent"}  # no sbatch, srun or scontrol to find
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "== demo" in result.stdout


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert all(name in result.output for name in ("validate", "schema", "dry-run"))
