"""SLURM's command-line tools, run locally or over SSH, and pure parsers of what they print."""

from .commands import Slurm as Slurm
from .parse import ACTIVE_STATES as ACTIVE_STATES
from .parse import JobInfo as JobInfo
from .parse import StepInfo as StepInfo
from .parse import parse_sacct as parse_sacct
from .parse import parse_sbatch as parse_sbatch
from .parse import parse_scontrol_fields as parse_scontrol_fields
from .parse import parse_scontrol_job as parse_scontrol_job
from .parse import parse_squeue as parse_squeue
from .parse import parse_squeue_steps as parse_squeue_steps
from .runner import CommandResult as CommandResult
from .runner import LocalRunner as LocalRunner
from .runner import Runner as Runner
from .runner import SshRunner as SshRunner

__all__ = (
    "ACTIVE_STATES",
    "CommandResult",
    "JobInfo",
    "LocalRunner",
    "Runner",
    "Slurm",
    "SshRunner",
    "StepInfo",
    "parse_sacct",
    "parse_sbatch",
    "parse_scontrol_fields",
    "parse_scontrol_job",
    "parse_squeue",
    "parse_squeue_steps",
)
