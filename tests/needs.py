"""The rule for tests that need a real service (PostgreSQL, WordPress, Ghost,
Waline): on a laptop without it they skip; in CI (CI=true) they fail."""
from __future__ import annotations

import os

import pytest


def service_missing(message: str):
    """Skip the test, or fail it under CI=true, saying what is missing."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
