"""A SLURM launcher for disaggregated LLM inference.

``load_config`` reads a job file into a frozen, validated config; ``plan`` turns it into the LaunchPlan
(allocation, ports, every command and environment, the sbatch script). Both are pure. Importing srtctl is
cheap: the config and planning machinery load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._exceptions import AllocationError as AllocationError
from ._exceptions import CommandError as CommandError
from ._exceptions import ConfigError as ConfigError
from ._exceptions import ConfigIssue as ConfigIssue
from ._exceptions import HealthCheckTimeout as HealthCheckTimeout
from ._exceptions import SrtctlError as SrtctlError
from ._exceptions import SubmitError as SubmitError
from ._exceptions import TopologyError as TopologyError
from ._lazy import lazy_attributes
from ._version import __version__ as __version__

if TYPE_CHECKING:
    from .config import ClusterConfig as ClusterConfig
    from .config import JobConfig as JobConfig
    from .config import load_cluster as load_cluster
    from .config import load_config as load_config
    from .config import load_configs as load_configs
    from .plan import LaunchPlan as LaunchPlan
    from .plan import allocate_endpoints as allocate_endpoints
    from .plan import plan as plan
    from .runtime.context import RuntimeContext as RuntimeContext

__all__ = (
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
)

_LAZY = {
    "ClusterConfig": ".config",
    "JobConfig": ".config",
    "load_cluster": ".config",
    "load_config": ".config",
    "load_configs": ".config",
    "LaunchPlan": ".plan",
    "allocate_endpoints": ".plan",
    "plan": ".plan",
    "RuntimeContext": ".runtime.context",
}

__getattr__ = lazy_attributes(__name__, _LAZY)
