"""SciPy's modules, imported on first use.

SciPy takes most of a second to import, and a build whose results all come from the cache
evaluates nothing; the verifier's modules reach SciPy through these names instead.
"""

from __future__ import annotations

import importlib
from typing import Any


class _Module:
    """Stands for the module ``name`` and imports it when an attribute is first asked for."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


linalg: Any = _Module("scipy.linalg")
optimize: Any = _Module("scipy.optimize")
special: Any = _Module("scipy.special")
