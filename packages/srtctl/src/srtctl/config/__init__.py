"""Job files: schema, loading with located errors, the cluster file, sweeps and overrides."""

from .cluster import CLUSTER_FILE_NAME as CLUSTER_FILE_NAME
from .cluster import ClusterConfig as ClusterConfig
from .cluster import cluster_json_schema as cluster_json_schema
from .cluster import find_cluster_file as find_cluster_file
from .cluster import load_cluster as load_cluster
from .cluster import parse_cluster as parse_cluster
from .load import job_json_schema as job_json_schema
from .load import load_config as load_config
from .load import load_configs as load_configs
from .load import parse_config as parse_config
from .load import parse_configs as parse_configs
from .load import split_selector as split_selector
from .schema import BackendConfig as BackendConfig
from .schema import BenchmarkConfig as BenchmarkConfig
from .schema import FrontendConfig as FrontendConfig
from .schema import HealthCheckConfig as HealthCheckConfig
from .schema import JobConfig as JobConfig
from .schema import ModelConfig as ModelConfig
from .schema import ResourcesConfig as ResourcesConfig
from .schema import RoleConfig as RoleConfig
from .schema import SlurmConfig as SlurmConfig
from .schema import SweepConfig as SweepConfig

__all__ = (
    "CLUSTER_FILE_NAME",
    "BackendConfig",
    "BenchmarkConfig",
    "ClusterConfig",
    "FrontendConfig",
    "HealthCheckConfig",
    "JobConfig",
    "ModelConfig",
    "ResourcesConfig",
    "RoleConfig",
    "SlurmConfig",
    "SweepConfig",
    "cluster_json_schema",
    "find_cluster_file",
    "job_json_schema",
    "load_cluster",
    "load_config",
    "load_configs",
    "parse_cluster",
    "parse_config",
    "parse_configs",
    "split_selector",
)
