"""Debian's Chromium, headless, driven by Playwright: shared by the browser tests and the screenshots.

Playwright's own browser download cannot work here; it drives ``/usr/bin/chromium`` instead, started
with the flags that keep it from calling Google's hosts, in a fresh profile each time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.errors import ConfigError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 900}
READY_TIMEOUT_MS = 60_000  # every chart drawn; generous for a busy 2-core machine


def missing_chromium(executable: str = CHROMIUM) -> str | None:
    """The one-line fix when Chromium is not installed, else None."""
    if Path(executable).is_file():
        return None
    return f"{executable} not found: apt-get install chromium (Debian's Chromium drives the dashboard checks)"


@contextmanager
def chromium(executable: str = CHROMIUM) -> Iterator[object]:
    """A headless Chromium (a Playwright ``Browser``), closed on exit; each context is a fresh profile."""
    problem = missing_chromium(executable)
    if problem:
        raise ConfigError(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_dashboard(page, url: str, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    """Opens a page and waits until every element says it is drawn (``<body data-ready="yes">``)."""
    page.goto(url, wait_until="load", timeout=timeout_ms)
    page.wait_for_function("document.body && document.body.dataset.ready === 'yes'", timeout=timeout_ms)


def screenshots(base_url: str, names: list[str], out: Path, executable: str = CHROMIUM) -> list[Path]:
    """One full-page PNG per dashboard, ``<out>/<name>.png``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with chromium(executable) as browser:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        for name in names:
            open_dashboard(page, f"{base_url}{name}.html")
            path = out / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)
        context.close()
    return written
