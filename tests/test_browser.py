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
SPLIT_OVER = 3
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
    # chapters of more than 3 identities get a page per section: 2 Derivatives (4) does, 1 Basics (3) not
    with (docs / "conf.py").open("a") as conf:
        conf.write(f"\nidentity_book_handbook_split_over = {SPLIT_OVER}\n")
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
    wait_for_math(driver)


def wait_for_math(driver: Any) -> None:
    state = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (!window.MathJax || !MathJax.startup) {"
        "  done(document.querySelector('.math') ? 'math but no MathJax' : 'ok'); return; }"
        "MathJax.startup.promise.then(() => done('ok')).catch(e => done(String(e)));"
    )
    assert state == "ok"


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.parametrize(
    "page", ["chapters/derivatives/gradients", "chapters/derivatives", "chapters/basics", "indexes/status", "index"]
)
def test_formulas_are_rendered(server: str, browser: Any, page: str, tmp_path: Path) -> None:
    open_page(browser, server + page + ".html")
    math = browser.execute_script(
        "return Array.from(document.querySelectorAll('.math')).map("
        "e => [e.querySelectorAll('mjx-container').length, e.textContent.slice(0, 80)])"
    )
    if page in ("chapters/derivatives/gradients", "chapters/basics"):
        assert len(math) > 10
    unrendered = [text for count, text in math if count == 0]
    assert unrendered == []
    assert browser.execute_script("return document.querySelectorAll('mjx-merror').length") == 0
    text = browser.execute_script("return document.body.innerText")
    assert [t for t in RAW_TEX if t in text] == []
    assert console_errors(browser) == []
    if page == "chapters/derivatives/gradients":
        browser.save_screenshot(str(tmp_path / "chapter.png"))


@pytest.mark.parametrize(
    ("page", "anchor", "heading"),
    [
        ("chapters/derivatives/gradients", "trace-axb", "2.1.1 Gradient of tr(AXB)"),
        ("chapters/derivatives/gradients", "logdet-gradient", "2.1.4 Gradient of log det X"),
        ("chapters/basics", "1-trace-of-identity", "1.1.2 Trace of the identity matrix"),
    ],
)
def test_permalink_lands_on_its_identity(server: str, browser: Any, page: str, anchor: str, heading: str) -> None:
    browser.get("about:blank")  # a reader arriving from elsewhere: a fresh load, not a jump within the page
    open_page(browser, f"{server}{page}.html#{anchor}")
    found = browser.execute_script(
        "const t = document.querySelector(':target');"
        "if (!t) return null;"
        "const bottom = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;"
        "const offset = (parseFloat(getComputedStyle(document.documentElement).scrollPaddingTop) || 0)"
        "  + (parseFloat(getComputedStyle(t).scrollMarginTop) || 0);"
        "return [t.id, t.querySelector('h2, h3').textContent, t.getBoundingClientRect().top - offset, bottom];"
    )
    assert found is not None
    target_id, title, top, at_bottom = found
    assert target_id == anchor
    assert title.startswith(heading)
    # at the top of the window (below the theme's scroll offset for a header) after MathJax
    # changed the layout, or as far as the page scrolls
    assert -5 <= top <= 5 or (at_bottom and 0 <= top < 500), top
    assert console_errors(browser) == []


def test_links_from_the_indexes_reach_the_identities(server: str, browser: Any) -> None:
    open_page(browser, server + "indexes/cookbook.html")
    link = browser.find_element("partial link text", "2.1.1 ")  # "2.1.1 Gradient of tr(AXB)", printed by Sphinx
    link.click()
    open_page(browser, browser.current_url)
    assert browser.current_url.endswith("chapters/derivatives/gradients.html#trace-axb")
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
    assert browser.current_url.endswith("chapters/derivatives/gradients.html#trace-axb")
    assert console_errors(browser) == []


def test_an_old_chapter_anchor_lands_on_the_identity_on_its_section_page(server: str, browser: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}chapters/derivatives.html#logdet-gradient")
    WebDriverWait(browser, 20).until(lambda d: "/derivatives/gradients.html" in d.current_url)
    wait_for_math(browser)
    assert browser.current_url.endswith("chapters/derivatives/gradients.html#logdet-gradient")
    found = browser.execute_script(
        "const t = document.querySelector(':target'); return t && [t.id, t.querySelector('h2').textContent];"
    )
    assert found is not None and found[0] == "logdet-gradient"
    assert found[1].startswith("2.1.4 Gradient of log det X")
    assert console_errors(browser) == []


def test_an_old_anchor_without_javascript_is_a_link_to_the_new_place(server: str) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{server}chapters/derivatives.html") as page:
        html = page.read().decode()
    for ident in ("trace-axb", "grad-trace-xa", "logdet-gradient"):
        assert f'<li id="{ident}"><a href="derivatives/gradients.html#{ident}">' in html, ident
    # a short chapter stays one page, its identities on it
    with urllib.request.urlopen(f"{server}chapters/basics.html") as page:
        assert 'class="ib-moved"' not in page.read().decode()


def test_the_theme_has_a_sidebar_of_sections(server: str, browser: Any) -> None:
    open_page(browser, server + "chapters/derivatives/gradients.html")
    stylesheets = browser.execute_script(
        "return Array.from(document.styleSheets).map(s => s.href || '').filter(h => h.includes('furo'))"
    )
    assert stylesheets, "Furo's stylesheet is not loaded"
    sidebar = browser.execute_script("return document.querySelector('.sidebar-tree').innerText")
    for entry in ("1 Basics", "2 Derivatives", "2.1 Gradients", "Indexes and status", "Using identity-book"):
        assert entry in sidebar, entry
    current = browser.execute_script("return document.querySelector('.sidebar-tree .current-page > a').textContent")
    assert current.strip() == "2.1 Gradients"


def _background(browser: Any) -> tuple[int, ...]:
    color = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    return tuple(int(x) for x in color[color.index("(") + 1 : color.index(")")].split(",")[:3])


def test_dark_mode_toggles_and_is_kept(server: str, browser: Any) -> None:
    open_page(browser, server + "chapters/basics.html")
    browser.execute_script("localStorage.removeItem('theme'); document.body.dataset.theme = 'light';")
    assert sum(_background(browser)) > 600  # light
    for _ in range(3):
        if browser.execute_script("return document.body.dataset.theme") == "dark":
            break
        toggle = next(b for b in browser.find_elements("css selector", "button.theme-toggle") if b.is_displayed())
        browser.execute_script("arguments[0].click()", toggle)
    assert browser.execute_script("return document.body.dataset.theme") == "dark"
    assert sum(_background(browser)) < 150  # dark
    # formulas follow the text colour, so they stay readable on the dark background
    color = browser.execute_script("return getComputedStyle(document.querySelector('mjx-container')).color")
    assert sum(int(x) for x in color[color.index("(") + 1 : color.index(")")].split(",")[:3]) > 450
    open_page(browser, server + "chapters/derivatives/gradients.html")
    assert browser.execute_script("return document.body.dataset.theme") == "dark"
    assert sum(_background(browser)) < 150
    browser.execute_script("localStorage.removeItem('theme')")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("yaml", "- id: trace-axb\n  title: Gradient of tr(AXB)\n"),
        ("latex", r"\frac{\partial}{\partial \mathbf{X}}\left[\operatorname{tr}\left(\mathbf{A} \mathbf{X} \mathbf{B}"),
    ],
)
def test_copy_buttons_copy_the_yaml_and_the_latex(server: str, browser: Any, language: str, expected: str) -> None:
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": server.rstrip("/"), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    open_page(browser, server + "chapters/derivatives/gradients.html#trace-axb")
    entry = browser.find_element("id", "trace-axb")
    for details in entry.find_elements("css selector", "details.ib-details"):  # the proof's and the sources'
        browser.execute_script("arguments[0].open = true", details)
    block = entry.find_element("css selector", f"div.highlight-{language}")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", block)
    browser.execute_script("navigator.clipboard.writeText('')")
    from selenium.webdriver import ActionChains

    button = block.find_element("css selector", "button.copybtn")
    ActionChains(browser).move_to_element(block).pause(0.3).click(button).perform()  # a reader's click
    copied = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "setTimeout(() => navigator.clipboard.readText().then(done, e => done('error: ' + e)), 300);"
    )
    assert copied.startswith(expected), copied[:200]
    assert "\\ibfit" not in copied  # the LaTeX a paper can use, without the handbook's macros
