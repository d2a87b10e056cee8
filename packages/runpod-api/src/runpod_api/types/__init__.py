"""The models the control plane returns (tolerant of fields Runpod adds) and the parameters it takes (strict)."""

from .endpoints import EndpointParams as EndpointParams
from .endpoints import EndpointVolume as EndpointVolume
from .endpoints import FlashBootType as FlashBootType
from .endpoints import ScalerType as ScalerType
from .endpoints import ServerlessEndpoint as ServerlessEndpoint
from .gpus import GpuPrice as GpuPrice
from .gpus import GpuType as GpuType
from .network_volumes import NetworkVolume as NetworkVolume
from .network_volumes import NetworkVolumeParams as NetworkVolumeParams
from .pods import CloudType as CloudType
from .pods import Pod as Pod
from .pods import PodCreateParams as PodCreateParams
from .pods import PodGpuUsage as PodGpuUsage
from .pods import PodMachine as PodMachine
from .pods import PodPort as PodPort
from .pods import PodRuntime as PodRuntime
from .registry_auths import RegistryAuth as RegistryAuth
from .registry_auths import RegistryAuthParams as RegistryAuthParams
from .templates import PortLabel as PortLabel
from .templates import Template as Template
from .templates import TemplateParams as TemplateParams
from .user import User as User

__all__ = (
    "CloudType",
    "EndpointParams",
    "EndpointVolume",
    "FlashBootType",
    "GpuPrice",
    "GpuType",
    "NetworkVolume",
    "NetworkVolumeParams",
    "Pod",
    "PodCreateParams",
    "PodGpuUsage",
    "PodMachine",
    "PodPort",
    "PodRuntime",
    "PortLabel",
    "RegistryAuth",
    "RegistryAuthParams",
    "ScalerType",
    "ServerlessEndpoint",
    "Template",
    "TemplateParams",
    "User",
)
