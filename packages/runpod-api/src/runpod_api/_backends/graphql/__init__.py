"""Every resource through Runpod's GraphQL API (the operations live in `_graphql/operations`)."""

from ..base import Backend
from .endpoints import GraphQLEndpoints as GraphQLEndpoints
from .gpus import GraphQLGpus as GraphQLGpus
from .network_volumes import GraphQLNetworkVolumes as GraphQLNetworkVolumes
from .pods import GraphQLPods as GraphQLPods
from .registry_auths import GraphQLRegistryAuths as GraphQLRegistryAuths
from .templates import GraphQLTemplates as GraphQLTemplates
from .user import GraphQLUser as GraphQLUser

__all__ = (
    "GraphQLEndpoints",
    "GraphQLGpus",
    "GraphQLNetworkVolumes",
    "GraphQLPods",
    "GraphQLRegistryAuths",
    "GraphQLTemplates",
    "GraphQLUser",
    "graphql_backend",
)


def graphql_backend() -> Backend:
    """A backend that reaches every resource through GraphQL."""
    return Backend(
        pods=GraphQLPods(),
        gpus=GraphQLGpus(),
        endpoints=GraphQLEndpoints(),
        templates=GraphQLTemplates(),
        network_volumes=GraphQLNetworkVolumes(),
        registry_auths=GraphQLRegistryAuths(),
        user=GraphQLUser(),
    )
