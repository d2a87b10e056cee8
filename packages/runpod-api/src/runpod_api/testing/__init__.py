"""A fake Runpod control plane for tests: a real GraphQL server on loopback, in memory, with faults on demand.

It serves runpod-api's checked-in schema with graphql-core, so a client under test sends real HTTP
requests and gets real GraphQL answers; records are created, read, updated, listed and deleted for
real. Use it in-process (`with FakeRunpod() as server:`) or as a separate process
(`python -m runpod_api.testing`, which prints its URL and API key as one JSON line).

Example:
    >>> from runpod_api import Runpod
    >>> from runpod_api.testing import FakeRunpod, Fault
    >>> with FakeRunpod() as server:  # doctest: +SKIP
    ...     client = Runpod(api_key=server.api_key, base_url=server.url)
    ...     pod = client.pods.create(name="t", image_name="alpine", gpu_type_id="NVIDIA GeForce RTX 4090")
"""

from ._server import DEFAULT_API_KEY as DEFAULT_API_KEY
from ._server import FakeRunpod as FakeRunpod
from ._server import Fault as Fault
from ._server import RecordedRequest as RecordedRequest
from ._state import GPU_TYPES as GPU_TYPES
from ._state import FakeState as FakeState

__all__ = ("DEFAULT_API_KEY", "GPU_TYPES", "FakeRunpod", "FakeState", "Fault", "RecordedRequest")
