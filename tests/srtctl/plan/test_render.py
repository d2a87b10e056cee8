"""plan() and the sbatch script: quoting, container flags, the job spec, and planning inside the job."""

import shlex
import subprocess
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from srtctl._exceptions import ConfigError
from srtctl.config import ClusterConfig, parse_cluster, parse_config
from srtctl.plan import JobSpec, LaunchPlan, plan, plan_in_job

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
JOB = """\
name: demo
model: {path: hf:org/model}
resources: {gpu_type: h100, gpus_per_node: 8, prefill_nodes: 1, prefill_workers: 1, decode_nodes: 1, decode_workers: 1}
"""


def launch(extra: str = "", cluster: ClusterConfig | None = None, **kwargs: object) -> LaunchPlan:
    config = parse_config(JOB + textwrap.dedent(extra), cluster=cluster)
    return plan(config, cluster=cluster, output_base="/out", python="/py", now=NOW, **kwargs)  # type: ignore[arg-type]


def directives(script: str) -> list[str]:
    return [line.removeprefix("#SBATCH ") for line in script.splitlines() if line.startswith("#SBATCH ")]


def test_sbatch_asks_for_the_nodes_and_gpus_the_topology_needs() -> None:
    assert directives(launch().sbatch) == [
        "--job-name=demo",
        "--nodes=2",
        "--ntasks-per-node=1",
        "--gpus-per-node=8",
        "--output=/out/slurm-%j.out",
    ]


def test_sbatch_values_are_shell_quoted() -> None:
    script = launch("slurm: {account: 'a b', sbatch_directives: {comment: \"x'; rm -rf /\"}}\n").sbatch
    assert "--account='a b'" in directives(script)
    assert "--comment='x'\"'\"'; rm -rf /'" in directives(script)


def test_a_false_directive_drops_the_clusters_default() -> None:
    cluster = parse_cluster("sbatch_directives: {qos: normal, reservation: r1}\n")
    script = launch("slurm: {sbatch_directives: {reservation: false}}\n", cluster=cluster).sbatch
    assert directives(script)[-1:] == ["--qos=normal"]


def test_cluster_toggles_add_exclusive_and_segment_once() -> None:
    cluster = parse_cluster("exclusive: true\nsegment_directive: true\ngpus_per_node_directive: false\n")
    lines = directives(launch(cluster=cluster).sbatch)
    assert "--exclusive" in lines and "--segment=2" in lines
    assert not any(line.startswith("--gpus-per-node") for line in lines)
    own = directives(launch("slurm: {sbatch_directives: {exclusive: true}}\n", cluster=cluster).sbatch)
    assert own.count("--exclusive") == 1


def test_the_script_is_valid_bash_and_carries_the_job_spec(tmp_path: Path) -> None:
    script = launch('environment: {X: "it\'s $HOME"}\n').sbatch
    path = tmp_path / "job.sh"
    path.write_text(script)
    subprocess.run(["bash", "-n", str(path)], check=True)
    spec_line = script.split("<<'SRTCTL_JOB_SPEC'\n", 1)[1].split("\n", 1)[0]
    spec = JobSpec.from_json(spec_line)
    assert spec.config.environment == {"X": "it's $HOME"}
    assert spec.python == "/py"


def test_the_script_writes_the_spec_and_starts_the_orchestrator(tmp_path: Path) -> None:
    # Run the script's body with a fake python that records what it was asked to run.
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$SRTCTL_JOB_DIR/argv"\n')
    fake.chmod(0o755)
    config = parse_config(JOB)
    script = plan(config, output_base=str(tmp_path / "out dir"), python=str(fake), now=NOW).sbatch
    result = subprocess.run(["bash", "-c", script], env={"SLURM_JOB_ID": "42", "PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 0
    job_dir = tmp_path / "out dir" / "42"
    assert JobSpec.from_json((job_dir / "job.json").read_text()).config == config
    assert (job_dir / "argv").read_text().splitlines() == ["-m", "srtctl.runtime.orchestrator", f"{job_dir}/job.json"]


def test_no_container_means_no_pyxis_flags_and_the_host_python() -> None:
    process = launch().process("prefill_w0")
    assert not any(arg.startswith("--container") for arg in process.srun)
    assert process.argv[0] == "/py"


def test_a_container_adds_pyxis_flags_and_mounts() -> None:
    extra = "container_mounts: {'{log_dir}/../shared': /shared:ro}\n"
    config = parse_config(JOB.replace("hf:org/model}", "/models/m, container: img:1}") + extra)
    process = plan(config, output_base="/out", now=NOW).process("decode_w0")
    log_dir = "/out/JOBID/JOBID_1P_1D_20261122-120000"
    assert "--container-image=img:1" in process.srun
    assert f"--container-mounts={log_dir}:/logs,/models/m:/model:ro,{log_dir}/../shared:/shared:ro" in process.srun
    assert process.argv[:3] == ("python3", "-m", "sglang.launch_server")
    assert process.argv[process.argv.index("--model-path") + 1] == "/model"


def test_launch_argv_runs_srun_then_env_then_the_command() -> None:
    process = launch("environment: {A: '1'}\n").process("decode_w0")
    argv = process.launch_argv()
    assert argv[: len(process.srun)] == process.srun
    assert argv[len(process.srun) : len(process.srun) + 3] == ("env", "A=1", "CUDA_VISIBLE_DEVICES=0,1,2,3,4,5,6,7")
    assert argv[-len(process.argv) :] == process.argv


def test_environment_layers_fill_placeholders_per_process() -> None:
    text = "environment: {WHO: '{worker}@{node}', RUN: '{run_name}', LIT: '{{node}}'}\n"
    text += "backend:\n  decode:\n    environment: {WHO: 'decode-{node_rank}'}\n"
    plan_ = launch(text)
    assert plan_.process("prefill_w0").environment["WHO"] == "0@node0"
    assert plan_.process("decode_w0").environment["WHO"] == "decode-0"
    assert plan_.process("decode_w0").environment["RUN"] == "demo_JOBID"
    assert plan_.process("decode_w0").environment["LIT"] == "{node}"


def test_health_check_waits_for_every_worker_at_the_first_frontend() -> None:
    health = launch("frontend: {count: 2}\nhealth_check: {timeout_seconds: 60, interval_seconds: 2}\n").health
    assert (health.url, health.frontend) == ("http://node0:8000/workers", "sglang-router")
    assert (health.expected_prefill, health.expected_decode) == (1, 1)
    assert (health.timeout_seconds, health.interval_seconds) == (60, 2)


def test_aggregated_workers_are_expected_as_decode() -> None:
    config = parse_config(
        JOB.replace(
            "prefill_nodes: 1, prefill_workers: 1, decode_nodes: 1, decode_workers: 1", "agg_nodes: 1, agg_workers: 2"
        )
    )
    health = plan(config, now=NOW).health
    assert (health.expected_prefill, health.expected_decode) == (0, 2)


def test_several_frontends_run_one_per_node() -> None:
    launched = launch("frontend: {count: 2}\n")
    assert launched.frontend_urls == ("http://node0:8000", "http://node1:8000")


def test_the_plan_round_trips_through_json() -> None:
    original = launch("backend: {type: dynamo, request_plane: nats}\n")
    again = LaunchPlan.from_json(original.to_json())
    assert again == original
    assert original.to_dict()["processes"][0]["name"] == "etcd"


def test_process_lookup_by_name() -> None:
    launched = launch()
    assert launched.process("frontend_0").kind == "frontend"
    with pytest.raises(KeyError):
        launched.process("nope")
    assert [p.name for p in launched.workers("decode")] == ["decode_w0"]


def test_plan_in_job_uses_the_jobs_environment() -> None:
    config = parse_config(JOB)
    spec = JobSpec(config=config, cluster=ClusterConfig(), python="/venv/bin/python")
    environ = {"SLURM_JOB_ID": "77", "SLURM_JOB_NODELIST": "gpu[3-4]", "SRTCTL_JOB_DIR": "/data/out/77"}
    launched = plan_in_job(spec, environ=environ, addresses={"gpu3": "10.0.0.3"}, now=NOW)
    assert launched.runtime.nodes == ("gpu3", "gpu4")
    assert launched.runtime.log_dir == "/data/out/77/77_1P_1D_20261122-120000"
    assert launched.frontend_urls == ("http://10.0.0.3:8068",)  # slot 77 % 30 = 17: 8000 + 17 * 4
    router = launched.process("frontend_0").argv
    assert "http://gpu4:10544" in router  # slot 17: 10000 + 17 * 32
    assert "--output=/data/out/slurm-%j.out" in directives(launched.sbatch)


def test_plan_in_job_outside_slurm_is_a_clear_error() -> None:
    spec = JobSpec(config=parse_config(JOB), cluster=ClusterConfig(), python="python")
    with pytest.raises(ConfigError, match="SLURM_JOB_ID is not set"):
        plan_in_job(spec, environ={})


def test_a_shell_word_in_the_script_never_comes_unquoted() -> None:
    script = launch().sbatch
    exec_line = next(line for line in script.splitlines() if line.startswith("exec "))
    assert shlex.split(exec_line)[:4] == ["exec", "/py", "-m", "srtctl.runtime.orchestrator"]
