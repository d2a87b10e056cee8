"""The in-job orchestrator: ``python -m srtctl.runtime.orchestrator <job dir>/job.json``.

The sbatch script srtctl renders runs it on the job's first node. It plans the job against the nodes
SLURM gave it, then goes through the stages a status file records:

1. ``workers``: start infrastructure and every worker, each as its own step (``srun --overlap``).
2. ``frontend``: start the frontends.
3. ``health``: poll the frontend until it reports every prefill and decode worker, within the deadline.
4. ``benchmark``: run the configured benchmark against the frontend and write its results.

Any critical process that exits, with any status, fails the job at once: the orchestrator names it and
prints the tail of its log. On every way out (done, failed, cancelled with SIGTERM) it cancels the steps
it started, waits for them, kills what is left, and exits with the job's status: 0, 1, or 128 + signal.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType

from .._exceptions import HealthCheckTimeout, SrtctlError
from ..frontends.base import HealthReport
from ..plan.model import LaunchPlan, Process
from ..slurm import Slurm
from .health import wait_for_ports, wait_until_healthy
from .processes import ProcessGroup, Started, describe_exit, tail_lines
from .status import JobStatus, ProcessStatus, Readiness, Stage, now_iso, write_status

__all__ = ("PLAN_FILE", "Orchestrator", "benchmark_launcher", "configure_logging", "main", "run_configured_benchmark")

# Named explicitly: run with `python -m`, this module's __name__ is "__main__", outside srtctl's loggers.
logger = logging.getLogger("srtctl.runtime.orchestrator")

PLAN_FILE = "plan.json"
"""The plan as run, in the job's directory (``srtctl logs`` finds each process's log through it)."""
LOG_TAIL_LINES = 30
EXIT_FAILED = 1
_SIGNAL_BASE = 128
_WATCH_INTERVAL_S = 0.5

Benchmark = Callable[[LaunchPlan, Callable[[str], None]], str | None]
"""Runs the plan's benchmark against its healthy frontend; returns the results file, or None if none ran."""


class _Cancelled(Exception):
    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


class _ProcessExited(Exception):
    def __init__(self, started: Started) -> None:
        self.started = started
        super().__init__(started.process.name)


class Orchestrator:
    """Runs one LaunchPlan inside its allocation, from the first process to cleanup."""

    def __init__(
        self,
        plan: LaunchPlan,
        *,
        slurm: Slurm | None = None,
        benchmark: Benchmark | None = None,
        stop_grace: float = 20.0,
    ) -> None:
        """Prepare to run ``plan``.

        Args:
            plan: the job's plan, made inside the allocation (:func:`srtctl.plan.plan_in_job`).
            slurm: how to reach SLURM (this machine's commands when None).
            benchmark: the benchmark step (srtctl's benchmark runners when None).
            stop_grace: seconds processes get to stop before they are killed.
        """
        self.plan = plan
        self.slurm = slurm or Slurm()
        self.benchmark = benchmark or run_configured_benchmark
        self.stop_grace = stop_grace
        self.group = ProcessGroup(plan.runtime.job_id, self.slurm)
        self.job_dir = Path(plan.runtime.output_dir)
        self._wake = threading.Event()
        self._signal: int | None = None
        self._status = JobStatus(
            job_id=plan.runtime.job_id,
            name=plan.config.name,
            stage="starting",
            started_at=now_iso(),
            updated_at=now_iso(),
            log_dir=plan.runtime.log_dir,
            mode=plan.topology.mode,
            frontend_urls=plan.frontend_urls,
            prefill=Readiness(expected=plan.health.expected_prefill),
            decode=Readiness(expected=plan.health.expected_decode),
        )

    def run(self) -> int:
        """Run the job to its end and return its exit status."""
        self._catch_signals()
        Path(self.plan.runtime.log_dir).mkdir(parents=True, exist_ok=True)
        # The plan holds every process's environment, which may carry tokens: readable by the job's owner only.
        plan_file = self.job_dir / PLAN_FILE
        plan_file.touch(mode=0o600)
        plan_file.write_text(self.plan.to_json(indent=2) + "\n")
        self._say(
            f"job {self.plan.runtime.job_id} ({self.plan.topology.label}) on {', '.join(self.plan.runtime.nodes)}"
        )
        self._say(f"logs in {self.plan.runtime.log_dir}")
        code = EXIT_FAILED
        try:
            code = self._stages()
        except _Cancelled as cancel:
            code = _SIGNAL_BASE + cancel.signum
            self._update(stage="cancelled", message=f"cancelled ({cancel}) during {self._status.stage}")
            self._say(f"received {cancel}: stopping")
        except _ProcessExited as exited:
            self._fail_on_exit(exited.started)
        except HealthCheckTimeout as exc:
            self._update(stage="failed", message=str(exc))
            self._say(f"error: {exc}")
            self._print_tails(self.plan.processes)
        except SrtctlError as exc:
            # A benchmark that ran but failed its validity gate still wrote what it measured.
            results = Path(self.plan.runtime.log_dir) / "results.json"
            self._update(stage="failed", message=str(exc), results=str(results) if results.exists() else None)
            self._say(f"error: {exc}")
        except Exception as exc:
            logger.exception("the orchestrator failed")
            self._update(stage="failed", message=f"internal error: {type(exc).__name__}: {exc}")
        finally:
            self._cleanup()
        self._update(exit_code=code)
        self._say(f"job {self._status.stage} (exit status {code})")
        return code

    def _stages(self) -> int:
        infra = [p for p in self.plan.processes if p.kind == "infra"]
        workers = [p for p in self.plan.processes if p.kind == "worker"]
        frontends = [p for p in self.plan.processes if p.kind == "frontend"]
        if infra:
            self._update(stage="workers", message=f"starting {', '.join(p.name for p in infra)}")
            for process in infra:
                self.group.start(process)
            # Workers register with etcd/NATS as they start: those must listen first.
            ports = [(p.address, port) for p in infra for port in p.ports.values()]
            wait_for_ports(ports, timeout=self.plan.health.timeout_seconds, watch=self._watch, sleep=self._wake.wait)
            self._say(f"{', '.join(p.name for p in infra)} listening")
        self._update(stage="workers", message=f"starting {len(workers)} worker process(es)")
        for process in workers:
            self.group.start(process)
            self._watch()
        self._update(stage="frontend", message=f"starting {len(frontends)} frontend(s)")
        for process in frontends:
            self.group.start(process)
            self._watch()
        self._update(stage="health", message=f"waiting for {self.plan.health.url}")
        wait_until_healthy(
            self.plan.health,
            watch=self._watch,
            on_report=self._on_health,
            progress=self._progress,
            sleep=self._wake.wait,
        )
        self._update(stage="benchmark", message=f"benchmark {self.plan.config.benchmark.type}")
        results = self._run_benchmark()
        message = f"benchmark results in {results}" if results else "healthy; no benchmark configured"
        self._update(stage="completed", message=message, results=results)
        return 0

    def _run_benchmark(self) -> str | None:
        outcome: dict[str, object] = {}

        def target() -> None:
            try:
                outcome["results"] = self.benchmark(self.plan, self._progress)
            except BaseException as exc:
                outcome["error"] = exc
            finally:
                self._wake.set()

        thread = threading.Thread(target=target, name="benchmark", daemon=True)
        thread.start()
        while thread.is_alive():
            self._watch()
            self._wake.wait(_WATCH_INTERVAL_S)
            if self._signal is None:
                self._wake.clear()
        self._watch()
        error = outcome.get("error")
        if isinstance(error, BaseException):
            raise error
        results = outcome.get("results")
        return results if isinstance(results, str) else None

    def _watch(self) -> None:
        if self._signal is not None:
            raise _Cancelled(self._signal)
        exited = self.group.first_exit()
        if exited is not None:
            raise _ProcessExited(exited)

    def _fail_on_exit(self, started: Started) -> None:
        process, code = started.process, started.exit_code
        assert code is not None
        stage = self._status.stage
        reason = f"{process.name} ({process.kind} on {process.node}) {describe_exit(code)} during stage {stage!r}"
        tail = tail_lines(process.log_file, LOG_TAIL_LINES)
        self._update(stage="failed", message=reason, failed_process=process.name, log_tail=tuple(tail))
        self._say(f"error: {reason}")
        self._print_tail(process, tail)

    def _print_tails(self, processes: Sequence[Process]) -> None:
        for process in processes:
            self._print_tail(process, tail_lines(process.log_file, LOG_TAIL_LINES // 3))

    def _print_tail(self, process: Process, tail: Sequence[str]) -> None:
        header = f"--- last {len(tail)} line(s) of {process.name}'s log, {process.log_file}"
        sys.stderr.write("\n".join([header, *tail, "---"]) + "\n")
        sys.stderr.flush()

    def _cleanup(self) -> None:
        if not self.group.started:
            return
        self._say(f"stopping {len(self.group.started)} process(es)")
        left = self.group.stop(grace=self.stop_grace)
        if left:
            self._say(f"warning: still running after cleanup: {', '.join(left)}")
        self._update()

    def _on_health(self, report: HealthReport) -> None:
        prefill = Readiness(ready=report.prefill, expected=report.expected_prefill)
        decode = Readiness(ready=report.decode, expected=report.expected_decode)
        if (prefill, decode) != (self._status.prefill, self._status.decode):
            self._update(prefill=prefill, decode=decode)

    def _progress(self, line: str) -> None:
        self._say(line)
        self._update(message=line)

    def _update(self, *, stage: Stage | None = None, **changes: object) -> None:
        if stage is not None:
            changes["stage"] = stage
        self._status = replace(self._status, updated_at=now_iso(), processes=self._processes(), **changes)
        write_status(self._status, self.job_dir)

    def _processes(self) -> tuple[ProcessStatus, ...]:
        started = {s.process.name: s for s in self.group.started}
        states = []
        for process in self.plan.processes:
            entry = ProcessStatus(
                name=process.name, kind=process.kind, role=process.role, node=process.node, log_file=process.log_file
            )
            if process.name in started:
                run = started[process.name]
                code = run.exit_code
                state = "running" if code is None else ("stopped" if run.stopped else "exited")
                entry = replace(entry, state=state, exit_code=code)
            states.append(entry)
        return tuple(states)

    def _say(self, line: str) -> None:
        logger.info("%s", line)

    def _catch_signals(self) -> None:
        def handler(signum: int, frame: FrameType | None) -> None:
            del frame
            self._signal = signum
            self._wake.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, handler)


def run_configured_benchmark(plan: LaunchPlan, progress: Callable[[str], None]) -> str | None:
    """Run the benchmark the job's config names, if any, and return its ``results.json``.

    Raises:
        BenchmarkError: the benchmark could not run, or its result failed the validity gate.
    """
    from ..benchmarks import run_benchmark, spec_from_plan

    spec = spec_from_plan(plan, launcher=benchmark_launcher(plan))
    if spec is None:
        progress("no benchmark configured")
        return None
    log_dir = Path(plan.runtime.log_dir)
    run_benchmark(spec, log_dir)
    return str(log_dir / "results.json")


def benchmark_launcher(plan: LaunchPlan) -> tuple[str, ...]:
    """The srun prefix that runs an external benchmark tool as a step on the head node, in the job's container."""
    runtime = plan.runtime
    argv = ["srun", "--overlap", "--nodes=1", "--ntasks=1", f"--nodelist={runtime.head_node}", "--job-name=benchmark"]
    if runtime.container_image:
        argv.append(f"--container-image={runtime.container_image}")
        if runtime.container_mounts:
            argv.append(f"--container-mounts={','.join(runtime.container_mounts)}")
        argv += ["--no-container-mount-home", "--no-container-entrypoint"]
    return tuple(argv)


def configure_logging() -> None:
    """Send srtctl's progress lines to stderr with a timestamp (the orchestrator is a program, not a library)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[srtctl %(asctime)s] %(message)s", datefmt="%H:%M:%S"))
    package = logging.getLogger("srtctl")
    package.addHandler(handler)
    package.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the orchestrator for the job spec named on the command line; return the job's exit status."""
    from ..plan.render import JobSpec, plan_in_job

    args = list(sys.argv[1:] if argv is None else argv)
    configure_logging()
    if len(args) != 1:
        sys.stderr.write("usage: python -m srtctl.runtime.orchestrator <job dir>/job.json\n")
        return 2
    try:
        spec = JobSpec.from_json(Path(args[0]).read_text())
        plan = plan_in_job(spec)
    except (OSError, ValueError, SrtctlError) as exc:
        logger.error("cannot plan the job from %s: %s", args[0], exc)
        return EXIT_FAILED
    return Orchestrator(plan).run()


if __name__ == "__main__":
    sys.exit(main())
