"""The local cluster that tools/slurm starts has the shape the srtctl tests rely on."""

import subprocess
import time

import pytest

pytestmark = pytest.mark.slurm


def test_cluster_runs_a_two_node_job_with_eight_gpus_per_node(slurm_cluster, tmp_path) -> None:
    out = tmp_path / "out.txt"
    job_id = slurm_cluster.track(
        subprocess.run(
            [
                "sbatch",
                "--parsable",
                "--nodes=2",
                "--ntasks-per-node=1",
                "--gpus-per-node=8",
                f"--output={out}",
                "--wrap",
                "srun --overlap -l bash -c 'echo $SLURMD_NODENAME $CUDA_VISIBLE_DEVICES'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    deadline = time.monotonic() + 30
    while subprocess.run(["squeue", "-h", "-j", job_id], capture_output=True, text=True).stdout.strip():
        assert time.monotonic() < deadline, "the job did not finish within 30 s"
        time.sleep(0.2)
    lines = sorted(line.split(": ", 1)[1] for line in out.read_text().splitlines())
    assert len(lines) == 2
    assert lines[0].split()[0] != lines[1].split()[0]
    assert all(line.split()[1] == "0,1,2,3,4,5,6,7" for line in lines)
