"""identity-book serve: a live preview that rebuilds when a catalogue file changes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _page(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return ""


def _wait_for(url: str, text: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = _page(url)
        if text in page:
            return page
        time.sleep(1)
    raise AssertionError(f"{text!r} never appeared at {url}")


@pytest.mark.slow
def test_serve_rebuilds_when_a_catalogue_file_changes(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("_build", "chapters", "indexes"))
    shutil.copytree(ROOT / "tests" / "handbook_catalogue", tmp_path / "identities")
    port = _free_port()
    env = {**os.environ, "IDENTITY_BOOK_CACHE": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "identity_book", "serve", "identities", "--docs", "docs", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--no-symbolic"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/chapters/basics.html"
        _wait_for(url, "Cyclic property of the trace", 240)
        entry = next(p for p in (tmp_path / "identities").rglob("*.yaml") if "id: trace-cyclic" in p.read_text())
        entry.write_text(entry.read_text().replace("title: ", "title: Live edited ", 1))
        _wait_for(url, "Live edited Cyclic property of the trace", 240)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
