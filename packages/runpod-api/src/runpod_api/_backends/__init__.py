"""The seam between the public resources and the way the platform is reached.

A resource (`client.pods`) never talks to the network itself. It asks its backend for a *plan*: a
generator that yields steps (a GraphQL call, a pause) and finally returns the result. The sync and the
async client run the same plan, each with its own I/O, so one plan serves both. Plans do no I/O themselves
(a wait yields `Sleep` steps), which also makes them easy to test.

Today every resource has a GraphQL backend (`_backends.graphql`). Runpod retires its GraphQL API in
favour of REST v2; a REST backend can then replace one resource at a time by yielding a REST step,
without changing the public methods or the models they return.
"""

from .base import Backend as Backend
from .base import EndpointsBackend as EndpointsBackend
from .base import GpusBackend as GpusBackend
from .base import GraphQLCall as GraphQLCall
from .base import NetworkVolumesBackend as NetworkVolumesBackend
from .base import Plan as Plan
from .base import PodsBackend as PodsBackend
from .base import RegistryAuthsBackend as RegistryAuthsBackend
from .base import Sleep as Sleep
from .base import Step as Step
from .base import TemplatesBackend as TemplatesBackend
from .base import UserBackend as UserBackend

__all__ = (
    "Backend",
    "EndpointsBackend",
    "GpusBackend",
    "GraphQLCall",
    "NetworkVolumesBackend",
    "Plan",
    "PodsBackend",
    "RegistryAuthsBackend",
    "Sleep",
    "Step",
    "TemplatesBackend",
    "UserBackend",
)
