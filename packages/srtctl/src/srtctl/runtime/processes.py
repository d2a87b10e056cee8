"""The job's processes: each started as its own SLURM step, watched, and stopped with its step.

Every process runs under ``srun --overlap --job-name=<process name>``, so it is a step of the job that
SLURM can find by name. Stopping therefore goes through SLURM: ``scancel --signal=TERM`` of the steps has
slurmstepd deliver SIGTERM to the processes on their nodes, so engines shut down cleanly; steps still there
after the grace period are cancelled outright, and srun clients still running are killed. Signalling only
the local ``srun`` clients would leave the remote processes to SLURM's mercy.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .._exceptions import CommandError
from ..plan.model import Process
from ..slurm import Slurm

__all__ = ("ProcessGroup", "Started", "describe_exit", "redact_argv", "tail_lines")

logger = logging.getLogger(__name__)

_SECRET_WORDS = frozenset({"key", "token", "secret", "password", "passwd"})
_TAIL_BYTES = 64 * 1024
_HARD_STOP_S = 10.0


@dataclass(slots=True)
class Started:
    """A process of the plan and the local ``srun`` client that runs it."""

    process: Process
    client: subprocess.Popen[bytes]
    stopped: bool = field(default=False)
    """Whether srtctl stopped it (as opposed to it exiting on its own)."""

    @property
    def exit_code(self) -> int | None:
        """The process's exit status as srun reports it, or None while it runs."""
        return self.client.poll()


class ProcessGroup:
    """Starts the plan's processes as steps of one job, reports the first to exit, and stops them all."""

    def __init__(self, job_id: str, slurm: Slurm, *, env: dict[str, str] | None = None) -> None:
        """Create an empty group.

        Args:
            job_id: the SLURM job the steps belong to.
            slurm: how to list and cancel steps.
            env: the srun clients' environment (this process's when None).
        """
        self.job_id = job_id
        self.slurm = slurm
        self.env = env
        self.started: list[Started] = []

    def start(self, process: Process) -> Started:
        """Launch ``process`` (srun, then its environment, then its command) and return at once."""
        Path(process.log_file).parent.mkdir(parents=True, exist_ok=True)
        argv = process.launch_argv()
        logger.info("starting %s on %s: %s", process.name, process.node, " ".join(redact_argv(process.argv)))
        client = subprocess.Popen(argv, stdin=subprocess.DEVNULL, env=self.env)
        started = Started(process=process, client=client)
        self.started.append(started)
        return started

    def first_exit(self) -> Started | None:
        """The first critical process found to have exited on its own, with any status, or None."""
        for started in self.started:
            if started.process.critical and not started.stopped and started.exit_code is not None:
                return started
        return None

    def our_steps(self) -> list[str]:
        """Ids of the job's running steps that are processes of this group."""
        names = {started.process.name for started in self.started}
        return [step.step_id for step in self.slurm.steps(self.job_id) if step.name in names]

    def stop(self, grace: float = 20.0, poll: float = 0.2) -> list[str]:
        """Stop every process: SIGTERM to their steps, ``grace`` seconds to exit, then cancel and kill.

        Returns:
            The names of processes, and ids of steps, still alive afterwards (empty when all are gone).
        """
        for started in self.started:
            if started.exit_code is None:
                started.stopped = True
        steps = self._listed_steps()
        if steps:
            logger.info("sending SIGTERM to steps %s", ", ".join(steps))
            self._cancel(steps, signal="TERM")
        else:
            # No step to signal (not registered yet, or SLURM unreachable): signal the srun clients instead.
            for started in self._running():
                started.client.terminate()
        steps = self._wait(steps, grace, poll)
        if steps:
            logger.warning("steps %s ignored SIGTERM for %.0f s: cancelling them", ", ".join(steps), grace)
            self._cancel(steps)
            steps = self._wait(steps, _HARD_STOP_S, poll)
        for started in self._running():
            logger.warning("the srun client of %s is still running: killing it", started.process.name)
            started.client.kill()
        for started in self.started:
            _reap(started.client)
        return [s.process.name for s in self._running()] + steps

    def _running(self) -> list[Started]:
        return [started for started in self.started if started.exit_code is None]

    def _listed_steps(self) -> list[str]:
        try:
            return self.our_steps()
        except CommandError as exc:
            logger.warning("could not list the job's steps: %s", exc)
            return []

    def _wait(self, steps: list[str], seconds: float, poll: float) -> list[str]:
        """Wait until the steps are gone and every srun client has exited; return the steps left."""
        deadline = time.monotonic() + seconds
        while steps or self._running():
            if time.monotonic() >= deadline:
                break
            time.sleep(poll)
            if steps:
                steps = self._listed_steps()
        return steps

    def _cancel(self, steps: Iterable[str], signal: str | None = None) -> None:
        try:
            self.slurm.cancel(*steps, signal=signal)
        except CommandError as exc:
            # scancel also fails for a step that ended meanwhile, and Slurm 22.05 reports "Invalid job id"
            # for a signalled step even though the signal was delivered; the steps are listed again after.
            logger.debug("scancel: %s", exc)


def _reap(client: subprocess.Popen[bytes]) -> None:
    try:
        client.wait(timeout=5)
    except subprocess.TimeoutExpired:
        logger.warning("srun client %d did not exit after SIGKILL", client.pid)


def tail_lines(path: str | os.PathLike[str], lines: int = 30) -> list[str]:
    """The last ``lines`` lines of a text file (empty when the file does not exist)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - _TAIL_BYTES))
            data = handle.read()
    except FileNotFoundError:
        return []
    return data.decode(errors="replace").splitlines()[-lines:]


def describe_exit(code: int) -> str:
    """``exited with status 3``, or ``was killed by signal 9`` for srun's negative statuses."""
    return f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"


def redact_argv(argv: Sequence[str]) -> list[str]:
    """``argv`` with the value of every flag that names a secret (``--api-key``, ``--hf-token=``...) hidden."""
    shown: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            shown.append("***")
            hide_next = False
            continue
        flag, equals, _ = arg.partition("=")
        words = flag.lower().lstrip("-").replace("_", "-").split("-")
        secret = flag.startswith("-") and any(word in _SECRET_WORDS for word in words)
        if secret and equals:
            shown.append(f"{flag}=***")
        else:
            shown.append(arg)
            hide_next = secret
    return shown
