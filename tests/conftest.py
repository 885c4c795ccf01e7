"""Shared test configuration: Sphinx's testing fixtures and the projects under tests/roots/."""

import os
from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)


def pytest_configure(config: pytest.Config) -> None:
    """Plain output from every subprocess: a CI that sets ``FORCE_COLOR`` would otherwise put
    ANSI colour codes into the Sphinx and CLI messages the tests read."""
    os.environ.pop("FORCE_COLOR", None)
    os.environ["NO_COLOR"] = "1"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``@pytest.mark.sphinx(testroot="x")`` finds ``tests/roots/test-x``."""
    return Path(__file__).parent / "roots"
