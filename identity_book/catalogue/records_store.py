"""Checked catalogue records kept between loads, so that an edit re-reads only the file it changed.

Reading a catalogue file (YAML with positions, the schema, the expression and LaTeX checks)
costs about a millisecond per identity; a rebuild after one edit would spend a second on files
that did not change. The store keeps, for every file of the last load that had no problem, its
records under the digest of the file's bytes, its name as reported and its place in the
catalogue, and the package's code (:func:`identity_book.stamp.code_digest`). A file whose digest
is stored is not read again.

The store is one JSON file in the cache folder, validated into the record types on reading
(plain data: nothing in it is run). A missing, unreadable or foreign file is an empty store.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from identity_book.catalogue.records import Identity
from identity_book.files import write_atomic
from identity_book.stamp import code_digest

FILE = "catalogue-records.json"
FORMAT = 1


@cache
def _adapter() -> TypeAdapter[dict[str, tuple[Identity, ...]]]:
    return TypeAdapter(dict[str, tuple[Identity, ...]])


def file_key(data: bytes, name: str, place: str) -> str:
    """The digest of a catalogue file's bytes, its reported name, its place and the code."""
    record = json.dumps([FORMAT, code_digest(), name, place]).encode()
    return hashlib.sha256(record + b"\0" + data).hexdigest()


class RecordStore:
    """The checked records of catalogue files, by :func:`file_key`, in ``folder`` (or nowhere)."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / FILE if folder else None
        self.stored: dict[str, tuple[Identity, ...]] = {}
        self.used: dict[str, tuple[Identity, ...]] = {}
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_bytes())
            if isinstance(data, dict) and data.get("format") == FORMAT and data.get("code") == code_digest():
                self.stored = _adapter().validate_python(data.get("files"))
        except (OSError, ValueError, ValidationError):
            self.stored = {}

    def get(self, key: str) -> tuple[Identity, ...] | None:
        records = self.stored.get(key)
        if records is not None:
            self.used[key] = records
        return records

    def put(self, key: str, records: tuple[Identity, ...]) -> None:
        self.used[key] = records

    def save(self) -> None:
        """Keep the records of this load's files (and only those); nothing when they are stored."""
        if self.path is None or self.used.keys() == self.stored.keys():
            return
        files = json.loads(_adapter().dump_json(self.used))
        write_atomic(self.path, json.dumps({"format": FORMAT, "code": code_digest(), "files": files}))
        self.stored = dict(self.used)
