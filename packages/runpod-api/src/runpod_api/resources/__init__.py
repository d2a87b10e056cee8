"""The resource namespaces of `Runpod` and `AsyncRunpod`, for type annotations.

Each module holds a sync class and its async twin with the same methods: `Pods` / `AsyncPods`...
"""

from .endpoints import AsyncEndpoints as AsyncEndpoints
from .endpoints import Endpoints as Endpoints
from .gpus import AsyncGpus as AsyncGpus
from .gpus import Gpus as Gpus
from .network_volumes import AsyncNetworkVolumes as AsyncNetworkVolumes
from .network_volumes import NetworkVolumes as NetworkVolumes
from .pods import AsyncPods as AsyncPods
from .pods import Pods as Pods
from .registry_auths import AsyncRegistryAuths as AsyncRegistryAuths
from .registry_auths import RegistryAuths as RegistryAuths
from .templates import AsyncTemplates as AsyncTemplates
from .templates import Templates as Templates
from .user import AsyncUserResource as AsyncUserResource
from .user import UserResource as UserResource

__all__ = (
    "AsyncEndpoints",
    "AsyncGpus",
    "AsyncNetworkVolumes",
    "AsyncPods",
    "AsyncRegistryAuths",
    "AsyncTemplates",
    "AsyncUserResource",
    "Endpoints",
    "Gpus",
    "NetworkVolumes",
    "Pods",
    "RegistryAuths",
    "Templates",
    "UserResource",
)
