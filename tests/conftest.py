"""Shared test configuration: Sphinx's testing fixtures and the projects under tests/roots/."""

from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``@pytest.mark.sphinx(testroot="x")`` finds ``tests/roots/test-x``."""
    return Path(__file__).parent / "roots"
