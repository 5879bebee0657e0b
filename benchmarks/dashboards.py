"""The local dashboards' weight and speed: each page opened in Debian's Chromium, headless, several times.

    python benchmarks/dashboards.py [--warehouse duckdb:///path] [--looker looker] [--repeat 3] [--out FILE]

Per dashboard: the HTML's bytes, the bytes the browser fetched (HTML + Plotly's JS, gzip), the server's
time to query the warehouse and render the page (Python only), and the browser's time from navigation
to every element drawn (``<body data-ready-ms>``: performance.now() when the last Plotly chart
resolved), each in a fresh browser context (empty cache: the cold case) and then with the JS cached.
Not a test: figures are facts to report (docs/dashboards.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.dashboards import browser, server  # noqa: E402
from pipelines.dashboards.__main__ import DEFAULT_LOOKER, _warehouse  # noqa: E402
from pipelines.dashboards.lookml import load_project  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse")
    parser.add_argument("--looker", type=Path, default=DEFAULT_LOOKER)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    warehouse = _warehouse(args.warehouse)
    project = load_project(args.looker)
    site = server.Site(args.looker, warehouse)
    running = server.start(args.looker, warehouse, port=0)
    base = server.url(running)
    lines = [f"# Local dashboards in Chromium ({platform.machine()}, {os.cpu_count()} cores, "
             f"{time.strftime('%Y-%m-%d')}, {args.repeat} runs each, median)", "",
             f"plotly.min.js: {len(server.plotly_js()):,} bytes, {len(server.plotly_js_gzip()):,} gzip "
             "(served by the local server, cached after the first page)", "",
             "| dashboard | elements | HTML bytes | fetched, cold | server: query + render | "
             "browser: to all drawn, cold | warm |", "|---|---|---|---|---|---|---|"]
    with browser.chromium() as chromium:
        for name in sorted(project.dashboards):
            url = f"{base}{name}.html"
            served, cold, warm, fetched = [], [], [], []
            html_bytes = len((site.dashboard(name) or "").encode())
            for _ in range(args.repeat):
                started = time.perf_counter()
                site.dashboard(name)
                served.append((time.perf_counter() - started) * 1000)
                context = chromium.new_context(viewport=browser.VIEWPORT)
                page = context.new_page()
                browser.open_dashboard(page, url)
                cold.append(float(page.evaluate("document.body.dataset.readyMs")))
                fetched.append(page.evaluate(
                    "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
                    ".reduce((n, e) => n + e.transferSize, 0)"))
                browser.open_dashboard(page, url)  # same context: Plotly's JS from the cache
                warm.append(float(page.evaluate("document.body.dataset.readyMs")))
                context.close()
            lines.append(f"| {name} | {len(project.dashboards[name].elements)} | {html_bytes:,} | "
                         f"{statistics.median(fetched):,.0f} | {statistics.median(served):,.0f} ms | "
                         f"{statistics.median(cold):,.0f} ms | {statistics.median(warm):,.0f} ms |")
            print(lines[-1], flush=True)
    running.shutdown()
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
