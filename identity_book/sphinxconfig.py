"""Sphinx configuration as a typed settings object, the way MyST-Parser registers its own.

Each extension declares a frozen dataclass whose fields are its settings: the default, the
accepted types and what a change rebuilds live in the field's metadata. :func:`register`
adds every field as ``<prefix><name>`` to Sphinx; :func:`read` gives back one checked object,
so no module reads ``app.config`` by name, and a wrong type is an error naming the setting.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, TypeVar

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

T = TypeVar("T")


def meta(types: tuple[type, ...], rebuild: Literal["", "env", "html"] = "env", doc: str = "") -> dict[str, Any]:
    """A settings field's metadata: the accepted ``types``, what a change rebuilds, what it is."""
    return {"types": types, "rebuild": rebuild, "doc": doc}


def register(app: Sphinx, cls: type, prefix: str) -> None:
    for f in dataclasses.fields(cls):
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default  # type: ignore[operator]
        app.add_config_value(prefix + f.name, default, f.metadata["rebuild"], types=frozenset(f.metadata["types"]))


def read(config: Config, cls: type[T], prefix: str) -> T:
    """The settings of one build, checked against their types."""
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        value = config[prefix + f.name]
        if not isinstance(value, f.metadata["types"]):
            want = " or ".join(t.__name__ for t in f.metadata["types"])
            raise ConfigError(f"{prefix}{f.name} must be {want}, not {type(value).__name__} ({value!r})")
        values[f.name] = value
    return cls(**values)
