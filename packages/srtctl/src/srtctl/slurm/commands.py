"""SLURM's commands (sbatch, squeue, scontrol, sacct, scancel), run through a `Runner` and parsed."""

from __future__ import annotations

from collections.abc import Sequence

from .parse import (
    SACCT_FIELDS,
    SQUEUE_STEP_FORMAT,
    JobInfo,
    StepInfo,
    parse_sacct,
    parse_sbatch,
    parse_scontrol_job,
    parse_squeue_steps,
)
from .runner import LocalRunner, Runner

__all__ = ("Slurm",)

_TIMEOUT_S = 60.0


class Slurm:
    """A SLURM cluster as its command-line tools see it, from this machine or a login node."""

    def __init__(self, runner: Runner | None = None, *, timeout: float = _TIMEOUT_S) -> None:
        """Create a handle on the cluster.

        Args:
            runner: where the commands run (this machine when None).
            timeout: seconds any one command may take.
        """
        self.runner: Runner = runner or LocalRunner()
        self.timeout = timeout

    def submit(self, script: str, *, args: Sequence[str] = ()) -> str:
        """Submit a batch script (given as text, on sbatch's stdin) and return the job id.

        Raises:
            CommandError: sbatch refused the job; the error holds SLURM's message.
            SubmitError: sbatch succeeded but printed no job id.
        """
        result = self.runner.run(["sbatch", "--parsable", *args], input=script, timeout=self.timeout).check()
        return parse_sbatch(result.stdout)

    def job(self, job_id: str) -> JobInfo | None:
        """What SLURM knows of a job, or None if it knows nothing.

        ``scontrol`` answers for jobs that are queued, running or recently ended; older jobs come from
        accounting (``sacct``), or from the job-completion log (``sacct -c``) on clusters without a database.
        """
        shown = self.runner.run(["scontrol", "show", "job", "--oneliner", job_id], timeout=self.timeout)
        if shown.returncode == 0:
            for job in parse_scontrol_job(shown.stdout):
                if job.job_id == job_id:
                    return job
        for completion in (False, True):
            argv = ["sacct", *(["-c"] if completion else ["-X"]), "-P", "-j", job_id, "-o", SACCT_FIELDS]
            result = self.runner.run(argv, timeout=self.timeout)
            if result.returncode == 0:
                found = [job for job in parse_sacct(result.stdout) if job.job_id == job_id]
                if found:
                    return found[-1]
        return None

    def steps(self, job_id: str) -> list[StepInfo]:
        """The job's steps that are running now (the batch step included)."""
        argv = ["squeue", "--steps", "--noheader", "-o", SQUEUE_STEP_FORMAT, "-j", job_id]
        result = self.runner.run(argv, timeout=self.timeout)
        if result.returncode != 0:
            # squeue fails for a job that has left the queue: it has no steps.
            return []
        return [step for step in parse_squeue_steps(result.stdout) if step.step_id.split(".")[0] == job_id]

    def cancel(self, *ids: str, signal: str | None = None) -> None:
        """Cancel jobs or steps (``12``, ``12.3``), or only send them ``signal`` (``TERM``, ``INT``...).

        Raises:
            CommandError: scancel failed (for instance, a job of another user).
        """
        if not ids:
            return
        argv = ["scancel", *([f"--signal={signal}"] if signal else []), *ids]
        self.runner.run(argv, timeout=self.timeout).check()

    def __repr__(self) -> str:
        return f"Slurm({self.runner!r})"
