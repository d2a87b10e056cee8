"""The serverless endpoint client: run jobs on a Runpod serverless endpoint and get their results.

    from runpod_api import Endpoint

    with Endpoint("abc123") as endpoint:
        output = endpoint.run_sync({"prompt": "hello"}, timeout=60)

This package never imports the GraphQL machinery, so it stays quick to import.
"""

from ._endpoint import DEFAULT_RUN_SYNC_TIMEOUT as DEFAULT_RUN_SYNC_TIMEOUT
from ._endpoint import AsyncEndpoint as AsyncEndpoint
from ._endpoint import AsyncJob as AsyncJob
from ._endpoint import Endpoint as Endpoint
from ._endpoint import Job as Job
from ._models import EndpointHealth as EndpointHealth
from ._models import JobCounts as JobCounts
from ._models import JobPolicy as JobPolicy
from ._models import JobState as JobState
from ._models import JobStatus as JobStatus
from ._models import PurgeResult as PurgeResult
from ._models import S3Config as S3Config
from ._models import WorkerCounts as WorkerCounts
from ._plan import PollPolicy as PollPolicy

__all__ = (
    "DEFAULT_RUN_SYNC_TIMEOUT",
    "AsyncEndpoint",
    "AsyncJob",
    "Endpoint",
    "EndpointHealth",
    "Job",
    "JobCounts",
    "JobPolicy",
    "JobState",
    "JobStatus",
    "PollPolicy",
    "PurgeResult",
    "S3Config",
    "WorkerCounts",
)
