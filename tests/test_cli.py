"""The command line as a user runs it: exit codes, JSON, quiet when piped, the cache."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
GOOD = """identities:
  - id: trace-axb
    title: Gradient of tr(AXB)
    variables:
      A: {shape: [p, m]}
      X: {shape: [m, n]}
      B: {shape: [n, p]}
    lhs: grad(tr(A @ X @ B), X)
    rhs: A.T @ B.T
"""


def run(*args: str, cwd: Path, cache: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IDENTITY_BOOK_CACHE": str(cache or cwd / ".cache")}
    return subprocess.run(
        [sys.executable, "-m", "identity_book", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "identities" / "01-basics").mkdir(parents=True)
    (tmp_path / "identities" / "01-basics" / "trace.yaml").write_text(GOOD)
    return tmp_path


def test_verify_exits_0_and_is_quiet_when_piped(project: Path) -> None:
    out = run("verify", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 identities: 1 verified" in out.stdout
    assert out.stderr == ""


def test_dropped_transpose_is_refuted_with_a_counterexample(project: Path) -> None:
    bad = GOOD.replace("trace-axb", "trace-axb-dropped").replace("[p, m]", "[n, n]").replace("[m, n]", "[n, n]")
    bad = bad.replace("[n, p]", "[n, n]").replace("rhs: A.T @ B.T", "rhs: A.T @ B")
    (project / "identities" / "01-basics" / "copy.yaml").write_text(bad)
    out = run("verify", cwd=project)
    assert out.returncode == 1
    assert "trace-axb-dropped: refuted" in out.stdout
    assert "counterexample (exact" in out.stdout


def test_malformed_file_exits_2_naming_file_line_column_and_id(project: Path) -> None:
    (project / "identities" / "broken.yaml").write_text(
        GOOD.replace("trace-axb", "broken").replace("A.T @ B.T", "A.T @ Q")
    )
    out = run("verify", cwd=project)
    assert out.returncode == 2
    assert "identities/broken.yaml:9:16: broken: unknown symbol 'Q'" in out.stderr


def test_json_output(project: Path) -> None:
    out = run("verify", "--json", "identities/01-basics/trace.yaml", cwd=project)
    assert out.returncode == 0
    data = json.loads(out.stdout)
    (result,) = data["results"]
    assert {"id", "file", "status", "checks", "max_rel_error", "counterexample", "message"} <= set(result)
    assert result["status"] == "verified" and result["strength"] == "proved"
    assert set(result["checks"]) >= {"shapes", "numeric", "exact", "prover", "symbolic"}
    assert result["checks"]["prover"]["outcome"] == "passed" and result["proof"]["lhs"] == result["proof"]["rhs"]
    assert result["checks"]["numeric"]["sizes"]
    assert data["summary"]["verified"] == 1 and data["summary"]["ok"] is True


def test_json_for_malformed_input(project: Path) -> None:
    (project / "identities" / "broken.yaml").write_text("identities:\n  - id: x\n")
    out = run("verify", "--json", cwd=project)
    assert out.returncode == 2
    data = json.loads(out.stdout)
    assert all(r["status"] == "error" for r in data["results"])


def test_cache_is_used_and_damaged_entries_are_ignored(project: Path) -> None:
    first = json.loads(run("verify", "--json", cwd=project).stdout)
    second = json.loads(run("verify", "--json", cwd=project).stdout)
    assert first["summary"]["cached"] == 0 and second["summary"]["cached"] == 1
    files = list((project / ".cache").rglob("*.json"))
    assert files
    for f in files:
        f.write_text('{"key": "x", "result": {"status": "verified"')
    third = json.loads(run("verify", "--json", cwd=project).stdout)
    assert third["summary"]["cached"] == 0 and third["summary"]["verified"] == 1


def test_a_forged_cache_entry_for_other_content_is_not_trusted(project: Path) -> None:
    run("verify", cwd=project)
    path = project / "identities" / "01-basics" / "trace.yaml"
    path.write_text(GOOD.replace("rhs: A.T @ B.T", "rhs: 2 * A.T @ B.T"))
    out = run("verify", cwd=project)
    assert out.returncode == 1 and "refuted" in out.stdout


def test_jobs_give_the_same_results(project: Path) -> None:
    one = json.loads(
        run("verify", "--json", "--no-cache", "--jobs", "1", str(ROOT / "tests/data/cases"), cwd=project).stdout
    )
    two = json.loads(
        run("verify", "--json", "--no-cache", "--jobs", "2", str(ROOT / "tests/data/cases"), cwd=project).stdout
    )
    assert [(r["id"], r["status"]) for r in one["results"]] == [(r["id"], r["status"]) for r in two["results"]]


def test_show_prints_latex_and_status(project: Path) -> None:
    out = run("show", "trace-axb", cwd=project)
    assert out.returncode == 0
    assert r"\operatorname{tr}" in out.stdout and "verified (proved for " in out.stdout
    assert re.search(r"Numeric: passed; \d+ points; sizes \(", out.stdout)  # every level, with its sizes


def test_an_inconclusive_result_is_decided_again_not_cached(tmp_path: Path) -> None:
    from identity_book.catalogue.loader import load_catalogue
    from identity_book.verify.cache import Cache
    from identity_book.verify.checks import Settings
    from identity_book.verify.results import Result, Status

    (tmp_path / "t.yaml").write_text(GOOD)
    ident = load_catalogue(tmp_path / "t.yaml").identities[0]
    cache = Cache(tmp_path / "cache", shipped={})
    cache.put(ident, Settings(), Result(ident.id, "t.yaml", 2, Status.INCONCLUSIVE, message="budget"))
    assert not list((tmp_path / "cache").rglob("*.json"))
    cache.put(ident, Settings(), Result(ident.id, "t.yaml", 2, Status.VERIFIED))
    assert cache.get(ident, Settings()) is not None
