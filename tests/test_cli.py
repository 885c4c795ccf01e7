"""The command line as a user runs it: exit codes, JSON, quiet when piped, the cache."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from identity_book import build
from identity_book.cli import main

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


def test_a_fifo_in_the_catalogue_exits_2_and_never_blocks(project: Path) -> None:
    os.mkfifo(project / "identities" / "01-basics" / "pipe.yaml")
    expected = "identities/01-basics/pipe.yaml:1:1: -: not a regular file but a fifo (named pipe)"
    for args in (["verify"], ["verify", "--no-cache"], ["build", "html", "--out", "out"]):
        out = run(*args, cwd=project)
        assert out.returncode == 2, out.stderr
        assert expected in out.stderr
    assert not (project / "out").exists()


def test_a_chapter_named_index_is_malformed_input(project: Path) -> None:
    (project / "identities" / "01-basics").rename(project / "identities" / "03-index")
    for args in (["verify"], ["build", "html", "--out", "out"]):
        out = run(*args, cwd=project)
        assert out.returncode == 2, out.stderr
        assert "identities/03-index/trace.yaml:1:1: -: chapter folder '03-index' would have the page" in out.stderr
    assert not (project / "out").exists()


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("target", ["html", "pdf"])
def test_a_failed_build_leaves_the_output_folder_as_it_was(
    project: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("IDENTITY_BOOK_CACHE", str(project / ".cache"))
    monkeypatch.setattr(build.pdf, "have_latex", lambda: True)
    fail = [True]

    def sphinx(src: Path, out: Path, builder: str, *rest: object, variant: str = "") -> int:
        folder = out / (f"{builder}-{variant}" if variant else builder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(f"{builder} from {(src / 'conf.py').exists()}")
        (out / "doctrees").mkdir(exist_ok=True)
        (out / "doctrees" / "env.pickle").write_text(str(len(list(project.rglob("*.yaml")))))
        return 1 if fail[0] and target == "html" else 0

    def latex(folder: Path, verbose: bool = False) -> Path | None:
        (folder / "identity-book.pdf").write_text("pdf")
        return None if fail[0] else folder / "identity-book.pdf"

    monkeypatch.setattr(build, "run_sphinx", sphinx)
    monkeypatch.setattr(build.pdf, "make_pdf", latex)
    args = ["build", target, "--out", "out"]
    assert main(args) == 1
    assert not (project / "out").exists()  # not even the built-in project's out/source
    fail[0] = False
    assert main(args) == 0
    before = _tree(project / "out")
    assert "source/conf.py" in before and f".identity-book-{target}.stamp" in before
    assert main(args) == 0  # up to date
    (project / "identities" / "01-basics" / "more.yaml").write_text(GOOD.replace("trace-axb", "trace-axb-again"))
    fail[0] = True
    assert main(args) == 1
    after = _tree(project / "out")
    assert after == {k: v for k, v in before.items() if not k.endswith(".stamp")}  # and no stamp: it builds again
    assert sorted(p.name for p in project.iterdir()) == [".cache", "identities", "out"]  # no copy left beside it
    fail[0] = False
    assert main(args) == 0 and _tree(project / "out") != before
