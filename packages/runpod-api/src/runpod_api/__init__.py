"""A typed client for the Runpod cloud.

Importing this package does no I/O, reads no environment and loads no GraphQL machinery.
"""

from ._client import AsyncRunpod as AsyncRunpod
from ._client import Runpod as Runpod
from ._exceptions import APIConnectionError as APIConnectionError
from ._exceptions import APIError as APIError
from ._exceptions import APIResponseValidationError as APIResponseValidationError
from ._exceptions import APIStatusError as APIStatusError
from ._exceptions import APITimeoutError as APITimeoutError
from ._exceptions import AuthenticationError as AuthenticationError
from ._exceptions import BadRequestError as BadRequestError
from ._exceptions import ConfigError as ConfigError
from ._exceptions import ConflictError as ConflictError
from ._exceptions import GraphQLError as GraphQLError
from ._exceptions import InternalServerError as InternalServerError
from ._exceptions import JobCancelledError as JobCancelledError
from ._exceptions import JobError as JobError
from ._exceptions import JobFailedError as JobFailedError
from ._exceptions import JobTimeoutError as JobTimeoutError
from ._exceptions import NotFoundError as NotFoundError
from ._exceptions import PermissionDeniedError as PermissionDeniedError
from ._exceptions import RateLimitError as RateLimitError
from ._exceptions import ResourceStateError as ResourceStateError
from ._exceptions import RunpodError as RunpodError
from ._exceptions import WaitTimeoutError as WaitTimeoutError
from ._retry import RetryPolicy as RetryPolicy
from ._types import NOT_GIVEN as NOT_GIVEN
from ._types import NotGiven as NotGiven
from ._types import Timeout as Timeout
from ._version import __version__ as __version__
from .serverless import AsyncEndpoint as AsyncEndpoint
from .serverless import Endpoint as Endpoint

__all__ = (
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncEndpoint",
    "AsyncRunpod",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "ConflictError",
    "Endpoint",
    "GraphQLError",
    "InternalServerError",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobTimeoutError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "ResourceStateError",
    "RetryPolicy",
    "Runpod",
    "RunpodError",
    "Timeout",
    "WaitTimeoutError",
    "__version__",
)
