"""The extension's settings (``identity_book_*`` in ``conf.py``), one typed object per build."""

from __future__ import annotations

from dataclasses import dataclass, field

from sphinx.config import Config

from identity_book.sphinxconfig import meta, read

PREFIX = "identity_book_"


@dataclass(frozen=True)
class ExtensionSettings:
    catalogue: str | list[str] | tuple[str, ...] = field(
        default="identities", metadata=meta((str, list, tuple), doc="catalogue folder(s), relative to conf.py")
    )
    cache: str | bool | None = field(
        default=None, metadata=meta((str, bool, type(None)), rebuild="", doc="result cache folder; False for none")
    )
    show_derivation: bool = field(default=False, metadata=meta((bool,), doc="show derivations by default"))
    show_verification: bool = field(default=True, metadata=meta((bool,), doc="show the verification line by default"))
    ref_format: str = field(default="Identity {number}: {title}", metadata=meta((str,), doc="what the role prints"))
    url: str | None = field(
        default=None, metadata=meta((str, type(None)), doc="the handbook the role links to otherwise")
    )


def settings_of(config: Config) -> ExtensionSettings:
    return read(config, ExtensionSettings, PREFIX)
