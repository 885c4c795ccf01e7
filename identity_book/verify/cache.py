"""A content-hash cache of verification results; a damaged entry is ignored, never trusted."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from identity_book import __version__
from identity_book.catalogue.records import Identity
from identity_book.verify.checks import Settings
from identity_book.verify.results import Result

VERIFIER_VERSION = "9"  # 8: the prover for all sizes (Result.proof), typed reports; 9: prover cases, multiplying out


class Cache:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    @staticmethod
    def key(identity: Identity, settings: Settings) -> str:
        payload = json.dumps(
            [identity.content(), identity.status, __version__, VERIFIER_VERSION, settings.key()],
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, identity: Identity, settings: Settings) -> Result | None:
        key = self.key(identity, settings)
        try:
            data = json.loads(self._path(key).read_text())
            if data.get("key") != key or data["result"]["id"] != identity.id:
                return None
            result = Result.from_json(data["result"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        result.file, result.line, result.cached = identity.file, identity.location.line, True
        return result

    def put(self, identity: Identity, settings: Settings, result: Result) -> None:
        if result.status == "error":
            return
        key = self.key(identity, settings)
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                json.dump({"key": key, "result": result.to_json()}, fh)
            os.replace(tmp, path)
        except OSError:
            pass
