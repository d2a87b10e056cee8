"""Fixtures shared by every test tree."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio only (the runtime the packages target)."""
    return "asyncio"
