"""The built site in headless Chromium: formulas rendered offline, permalinks land, no errors.

Needs Debian's ``chromium`` and ``chromium-driver`` (``scripts/system-deps.sh``). The browser
may not resolve any host but the local test server, so a formula renderer fetched from a CDN
would show up as a console error.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from identity_book.cli import main

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
CATALOGUE = HERE / "handbook_catalogue"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--window-size=1280,1000",
)
RAW_TEX = (r"\frac", r"\mathbf", r"\operatorname", r"\left", r"\begin{", r"\(", r"\[", r"\top")


def _need(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        if os.environ.get("IDENTITY_BOOK_SKIP_BROWSER"):
            pytest.skip(f"{program} not installed")
        pytest.fail(f"{program} not installed; run scripts/system-deps.sh (or set IDENTITY_BOOK_SKIP_BROWSER=1)")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the test catalogue's site and serve it on 127.0.0.1; yields the base URL."""
    base = tmp_path_factory.mktemp("browser")
    docs = base / "docs"
    shutil.copytree(HERE.parent / "docs", docs, ignore=shutil.ignore_patterns("_build", "chapters", "indexes"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IDENTITY_BOOK_CACHE", str(base / "cache"))
        assert main(["build", "html", str(CATALOGUE), "--out", str(base / "out"), "--docs", str(docs)]) == 0
    handler = functools.partial(QuietHandler, directory=str(base / "out" / "html"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    chromium, chromedriver = _need("chromium"), _need("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers online
        driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def open_page(driver: Any, url: str) -> None:
    """Load ``url`` and wait until MathJax has typeset it."""
    driver.get(url)
    state = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (!window.MathJax || !MathJax.startup) {"
        "  done(document.querySelector('.math') ? 'math but no MathJax' : 'ok'); return; }"
        "MathJax.startup.promise.then(() => done('ok')).catch(e => done(String(e)));"
    )
    assert state == "ok"


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.parametrize("page", ["chapters/derivatives", "chapters/basics", "indexes/status", "index"])
def test_formulas_are_rendered(server: str, browser: Any, page: str, tmp_path: Path) -> None:
    open_page(browser, server + page + ".html")
    math = browser.execute_script(
        "return Array.from(document.querySelectorAll('.math')).map("
        "e => [e.querySelectorAll('mjx-container').length, e.textContent.slice(0, 80)])"
    )
    if page.startswith("chapters"):
        assert len(math) > 10
    unrendered = [text for count, text in math if count == 0]
    assert unrendered == []
    assert browser.execute_script("return document.querySelectorAll('mjx-merror').length") == 0
    text = browser.execute_script("return document.body.innerText")
    assert [t for t in RAW_TEX if t in text] == []
    assert console_errors(browser) == []
    if page == "chapters/derivatives":
        browser.save_screenshot(str(tmp_path / "chapter.png"))


@pytest.mark.parametrize(
    ("page", "anchor", "heading"),
    [
        ("chapters/derivatives", "trace-axb", "2.1.1 Gradient of tr(AXB)"),
        ("chapters/derivatives", "logdet-gradient", "2.1.4 Gradient of log det X"),
        ("chapters/basics", "1-trace-of-identity", "1.1.2 Trace of the identity matrix"),
    ],
)
def test_permalink_lands_on_its_identity(server: str, browser: Any, page: str, anchor: str, heading: str) -> None:
    open_page(browser, f"{server}{page}.html#{anchor}")
    found = browser.execute_script(
        "const t = document.querySelector(':target');"
        "if (!t) return null;"
        "const bottom = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;"
        "return [t.id, t.querySelector('h3').textContent, t.getBoundingClientRect().top, bottom];"
    )
    assert found is not None
    target_id, title, top, at_bottom = found
    assert target_id == anchor
    assert title.startswith(heading)
    # at the top of the window after MathJax changed the layout (or as far as the page scrolls)
    assert -5 <= top <= 5 or (at_bottom and 0 <= top < 500), top
    assert console_errors(browser) == []


def test_links_from_the_indexes_reach_the_identities(server: str, browser: Any) -> None:
    open_page(browser, server + "indexes/cookbook.html")
    link = browser.find_element("link text", "2.1.1")
    link.click()
    open_page(browser, browser.current_url)
    assert browser.current_url.endswith("chapters/derivatives.html#trace-axb")
    assert browser.execute_script("return document.querySelector(':target').id") == "trace-axb"


def test_search_by_formula_finds_entries_offline(server: str, browser: Any) -> None:
    """The search page normalises the typed formula in the browser and lists matching entries."""
    open_page(browser, server + "indexes/formula-search.html")
    box = browser.find_element("css selector", "#formula-search input")
    box.send_keys("grad(tr(A @ X @ B), X)")
    found = browser.execute_script(
        "return Array.from(document.querySelectorAll('#formula-search li')).map(li => [li.className, li.dataset.id])"
    )
    assert found[0] == ["formula-exact", "trace-axb"]
    assert all(kind == "formula-near" for kind, _ in found[1:])
    status = browser.find_element("css selector", ".formula-search-status").text
    assert status.startswith("1 exact")
    box.clear()
    box.send_keys("grad(tr(P @ W.T @ Q), W)")  # other names, a transpose: a near match, no exact one
    found = browser.execute_script(
        "return Array.from(document.querySelectorAll('#formula-search li')).map(li => [li.className, li.dataset.id])"
    )
    assert ["formula-near", "trace-axb"] in found and not any(k == "formula-exact" for k, _ in found)
    box.clear()
    box.send_keys("tr(A @ foo(X))")
    status = browser.find_element("css selector", ".formula-search-status").text
    assert status == "column 8: unknown function 'foo'"
    box.clear()
    box.send_keys("(B @ A).T")
    browser.find_element("css selector", "#formula-search li.formula-exact a").click()
    open_page(browser, browser.current_url)
    assert browser.current_url.endswith("chapters/derivatives.html#trace-axb")
    assert console_errors(browser) == []
