"""Browser tests: the course site and JupyterLab, as a learner sees them.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, or
``$AUDIOLAB_CHROMIUM``); no browser is ever downloaded (never `playwright
install`). Without Chromium these tests are skipped with the reason; `make test`
installs it when it may (see the Makefile), and CI (AUDIOLAB_REQUIRE_BROWSER=1)
fails instead of skipping.

- The site (built once per run by the ``site`` fixture of tests/test_site.py,
  served on a loopback port): the landing page and every lesson page load
  without console errors, show their figures and an audio player that plays,
  and the "next" links walk through every lesson in order.
- JupyterLab, started as `make lab` starts it (the venv's `jupyter lab` at
  notebooks/00_welcome.ipynb, with --no-browser, a free port and a token of the
  test's own), on a copy of notebooks/ so that nothing is saved over the lessons:
  "Run All Cells" on lesson 00 ends without an error, and the aliasing demo of
  lesson 01 renders and answers a change of its slider.

Screenshots go to artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from datasets_fixtures import fsdd_path
from test_site import EXTERNAL_HOSTS, course_notebooks, site  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("AUDIOLAB_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LESSONS = [nb.stem for nb in course_notebooks("notebooks")]
SHOWN_LESSON = "01_sampling" if "01_sampling" in LESSONS else (LESSONS or [""])[0]
ENABLE = (
    "install Debian's chromium (apt-get install chromium), or as root run "
    "`make test AUDIOLAB_INSTALL_PACKAGES=1`; set AUDIOLAB_CHROMIUM for another path"
)
# A stand-in for images from elsewhere (the launch badges): the tests are offline.
PLACEHOLDER_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="20"/>'


def _why_not() -> str | None:
    if not CHROMIUM.is_file():
        return f"browser tests skipped: Chromium not found at {CHROMIUM}; to run them, {ENABLE}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return 'browser tests skipped: playwright is not installed (pip install -e ".[course]")'
    return None


# -- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A Chromium context with a fresh profile, offline but for loopback."""
    reason = _why_not()
    if reason:
        if os.environ.get("AUDIOLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(reason.replace("skipped", "required (AUDIOLAB_REQUIRE_BROWSER=1)"))
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(30_000)
        context.external_requests = []  # what pages asked of other hosts

        def offline(route):
            url = route.request.url
            host = urlsplit(url).hostname
            if url.startswith(("data:", "blob:", "file:")) or host in ("127.0.0.1", "localhost"):
                return route.continue_()
            context.external_requests.append(url)
            if route.request.resource_type == "image":
                return route.fulfill(status=200, body=PLACEHOLDER_SVG, content_type="image/svg+xml")
            return route.fulfill(status=200, body="", content_type="text/plain")

        context.route("**/*", offline)
        try:
            yield context
        finally:
            context.close()


class Watched:
    """A page and the console errors and uncaught exceptions it produced."""

    def __init__(self, context):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def goto(self, url: str):
        self.errors.clear()
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page


@pytest.fixture(scope="module")
def site_url(site):  # noqa: F811  (the fixture imported from test_site)
    """The built site on a loopback HTTP server, as a static host would serve it."""
    handler = functools.partial(QuietHandler, directory=str(site.root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def watched(browser):
    tab = Watched(browser)
    yield tab
    tab.page.close()


# -- the site ---------------------------------------------------------------------------


def test_landing_page(watched, site_url, browser):
    page = watched.goto(f"{site_url}/index.html")
    assert not watched.errors, watched.errors
    assert "Audiolab" in page.title()
    body = page.locator("article").inner_text()
    for words in ("Who it is for", "make lab", "make test", "Free Spoken Digit Dataset"):
        assert words in body
    assert page.locator("article a[href^='https://mybinder.org/v2/gh/']").count() >= 1
    assert page.locator("article a[href^='https://colab.research.google.com/github/']").count() >= 1
    sidebar = page.locator(".bd-sidebar-primary")
    for lesson in LESSONS:
        assert sidebar.locator(f"a[href$='notebooks/{lesson}.html']").count() == 1, lesson
    page.screenshot(path=str(SCREENSHOTS / "site-landing.png"))


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_page(watched, site_url, browser, lesson):
    page = watched.goto(f"{site_url}/notebooks/{lesson}.html")
    assert not watched.errors, watched.errors
    figures = page.locator(".cell_output img")
    assert figures.count() >= 1, f"{lesson}: no figure"
    broken = page.evaluate(
        """() => [...document.querySelectorAll('.cell_output img')]
                 .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"""
    )
    assert not broken, f"{lesson}: figures that did not load: {broken}"
    assert figures.first.is_visible()
    players = page.locator(".cell_output audio")
    assert players.count() >= 1, f"{lesson}: no audio player"
    player = players.first
    player.scroll_into_view_if_needed()
    assert player.is_visible()
    # The player plays: its WAV decodes, and muted playback moves the clock.
    played = player.evaluate(
        """async (audio) => {
            if (audio.readyState < 1) {
                await new Promise((ok, fail) => {
                    audio.addEventListener('loadedmetadata', ok, {once: true});
                    audio.addEventListener('error', () => fail('cannot decode the audio'), {once: true});
                    audio.load();
                });
            }
            const duration = audio.duration;
            audio.muted = true;
            await audio.play();
            await new Promise(ok => {
                const moved = () => { if (audio.currentTime > 0) ok(); };
                audio.addEventListener('timeupdate', moved);
                audio.addEventListener('ended', ok, {once: true});
                setTimeout(ok, 10000);
            });
            const position = audio.currentTime;
            audio.pause();
            audio.currentTime = 0;
            audio.muted = false;
            return {duration, position};
        }"""
    )
    assert played["duration"] > 0 and played["position"] > 0, (lesson, played)
    assert not watched.errors, watched.errors
    if lesson == SHOWN_LESSON:
        # A figure and players in view, for a person to look at: the first cell
        # whose output has both (else the first player).
        page.evaluate(
            """() => {
                const cells = [...document.querySelectorAll('.cell')];
                const both = cells.find(c => c.querySelector('.cell_output img')
                                            && c.querySelector('.cell_output audio'));
                const target = both ? both.querySelector('.cell_output')
                                    : document.querySelector('.cell_output audio');
                target.scrollIntoView({block: 'start'});
                window.scrollBy(0, -60);
            }"""
        )
        page.screenshot(path=str(SCREENSHOTS / f"site-lesson-{lesson}.png"))


def test_next_links_walk_through_every_lesson_in_order(watched, site_url, browser):
    page = watched.goto(f"{site_url}/index.html")
    visited = []
    for _ in range(200):
        visited.append(urlsplit(page.url).path.lstrip("/"))
        following = page.locator("a.right-next")
        if following.count() == 0:
            break
        following.first.click()
        page.wait_for_load_state("load")
        assert not watched.errors, (page.url, watched.errors)
    lessons = [path for path in visited if path.startswith("notebooks/")]
    assert lessons == [f"notebooks/{lesson}.html" for lesson in LESSONS]


def test_site_asks_other_hosts_only_for_badges_and_mathjax(browser):
    hosts = {urlsplit(url).hostname for url in browser.external_requests}
    assert hosts <= EXTERNAL_HOSTS, sorted(hosts - EXTERNAL_HOSTS)
    scripts = [url for url in browser.external_requests if url.endswith(".js")]
    assert all("mathjax" in url for url in scripts), scripts


# -- JupyterLab -------------------------------------------------------------------------

LAB_SETTINGS = {
    # Never save over the lessons (the server runs on a copy anyway).
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    # Keep every cell in the page, so the test can read them all.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # Offline: no news, no update checks, no toasts over the notebook.
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True,
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter() -> Path:
    for candidate in (ROOT / ".venv" / "bin" / "jupyter", Path(sys.executable).parent / "jupyter"):
        if candidate.exists():
            return candidate
    pytest.skip("no jupyter next to the test's Python: run `make test`")


@pytest.fixture(scope="module")
def jupyterlab(browser, tmp_path_factory):
    """JupyterLab as `make lab` starts it, on a copy of notebooks/; owned and ended by the test."""
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", home / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = home / ".settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ)
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / ".workspaces"),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / ".runtime"),
        PATH=f"{_jupyter().parent}{os.pathsep}{env.get('PATH', '')}",
    )
    fsdd = fsdd_path()
    if fsdd is not None:  # lessons 00 and 01 play FSDD recordings
        env["AUDIOLAB_FSDD"] = str(fsdd)
    port, token = _free_port(), secrets.token_hex(16)
    log = open(home / "jupyterlab.log", "w")
    command = [
        str(_jupyter()), "lab", f"--port={port}", f"--ServerApp.root_dir={home}",  # as `make lab`
        "notebooks/00_welcome.ipynb", "--no-browser", f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        # window.jupyterapp: lets the test read the notebook's outputs exactly.
        "--LabApp.expose_app_in_browser=True",
    ]
    server = subprocess.Popen(command, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def log_tail() -> str:
        return (home / "jupyterlab.log").read_text(errors="replace")[-4000:]

    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited with {server.returncode}:\n{log_tail()}")
            try:
                request = urllib.request.Request(f"{base}/api/status",
                                                 headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within 120 s:\n{log_tail()}")
            time.sleep(0.5)
        yield {"url": base, "token": token, "log": log_tail}
    finally:
        # End the server (it shuts its kernels down), then make sure of it.
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
        log.close()


NOTEBOOK_STATE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    if (!panel || !panel.content || !panel.content.model) return null;
    const cells = [...panel.content.model.cells];
    const code = cells.filter(c => c.type === 'code');
    const errors = [];
    code.forEach((cell, i) => {
        for (let k = 0; k < cell.outputs.length; k++) {
            const output = cell.outputs.get(k).toJSON();
            if (output.output_type === 'error')
                errors.push(`code cell ${i + 1}: ${output.ename}: ${output.evalue}`);
        }
    });
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    return {
        path: panel.context.path,
        status: kernel ? kernel.status : 'none',
        pending: code.filter(c => c.sharedModel.getSource().trim() !== ''
                                  && c.executionCount === null).length,
        running: [...panel.content.widgets].filter(w => w.model.type === 'code'
                                  && w.promptNode && w.promptNode.textContent.includes('*')).length,
        errors,
    };
}"""


def _served_path(lab, path: str) -> str:
    """``path`` (from the repository root) as the server sees it.

    `jupyter lab notebooks/00_welcome.ipynb` serves the file's folder, notebooks/,
    so notebooks/01_sampling.ipynb is 01_sampling.ipynb there; a server started
    at the repository root sees the whole path.
    """
    parts = Path(path).parts
    for start in range(len(parts)):
        candidate = "/".join(parts[start:])
        request = urllib.request.Request(
            f"{lab['url']}/api/contents/{candidate}?content=0",
            headers={"Authorization": f"token {lab['token']}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10):
                return candidate
        except OSError:
            continue
    pytest.fail(f"JupyterLab's server does not see {path}")


def _open_notebook(page, lab, path: str):
    path = _served_path(lab, path)
    page.goto(f"{lab['url']}/lab/tree/{path}?token={lab['token']}", wait_until="load")
    page.wait_for_function(
        f"""() => window.jupyterapp && window.jupyterapp.shell.currentWidget
              && window.jupyterapp.shell.currentWidget.context
              && window.jupyterapp.shell.currentWidget.context.path === {json.dumps(path)}""",
        timeout=120_000,
    )
    # A kernel has started and is idle.
    page.wait_for_function(f"() => ({NOTEBOOK_STATE})().status === 'idle'", timeout=120_000)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").first.wait_for()


def _run_all(page, timeout_s: float) -> dict:
    """Clear the stored outputs (so that every count and output is new), then Run ▸ Run All Cells."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function(f"() => ({NOTEBOOK_STATE})().pending > 0")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    deadline = time.monotonic() + timeout_s
    state = None
    time.sleep(1)
    while time.monotonic() < deadline:
        state = page.evaluate(NOTEBOOK_STATE)
        if state["errors"]:
            return state  # Run All stops at an error: no need to wait
        if state["pending"] == 0 and state["running"] == 0 and state["status"] == "idle":
            return state
        time.sleep(1)
    pytest.fail(f"Run All Cells did not finish within {timeout_s:.0f} s: {state}")


def test_jupyterlab_runs_the_first_lesson_and_the_aliasing_widget_answers(browser, jupyterlab):
    tab = Watched(browser)
    page = tab.page
    try:
        # The first lesson opens, as `make lab` opens it, and runs top to bottom.
        # Its environment check imports TensorFlow in a subprocess: allow for it.
        _open_notebook(page, jupyterlab, "notebooks/00_welcome.ipynb")
        state = _run_all(page, timeout_s=300)
        assert not state["errors"], f"00_welcome: {state['errors']}\n{jupyterlab['log']()}"

        # Lesson 01's aliasing demo renders ...
        _open_notebook(page, jupyterlab, "notebooks/01_sampling.ipynb")
        state = _run_all(page, timeout_s=240)
        assert not state["errors"], f"01_sampling: {state['errors']}"
        panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        label = page.locator(".widget-label", has_text="tone (Hz)")
        demo = panel.locator(".jp-OutputArea-output > .widget-vbox").filter(has=label).first
        demo.wait_for(timeout=60_000)
        slider = demo.locator(".widget-slider").filter(has=label).first
        readout = demo.locator(".widget-html-content").first
        figure = demo.locator(".widget-output img").first
        figure.wait_for(timeout=60_000)
        demo.scroll_into_view_if_needed()
        before_text, before_figure = readout.inner_text(), figure.get_attribute("src")
        assert "7000 Hz" in before_text, before_text

        # ... and answers the slider: type a new value into its readout, as a learner may.
        value = slider.locator(".widget-readout")
        value.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("3900")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "([el, old]) => el.innerText !== old",
            arg=[readout.element_handle(), before_text],
            timeout=60_000,
        )
        after_text = readout.inner_text()
        assert "3900 Hz" in after_text, after_text
        # The output widget may replace its <img> rather than change it: look up
        # the current one each time, not a handle that may be detached.
        page.wait_for_function(
            "([el, old]) => { const img = el.querySelector('.widget-output img');"
            " return img !== null && img.getAttribute('src') !== old; }",
            arg=[demo.element_handle(), before_figure],
            timeout=60_000,
        )
        demo.evaluate("el => el.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab-aliasing-widget.png"))
    finally:
        page.close()
