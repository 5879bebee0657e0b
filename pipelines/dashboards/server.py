"""The local dashboards over HTTP (stdlib, threaded): each page rendered from the warehouse when asked.

The warehouse is opened read-only for one page and closed again, so ``make demo`` (DuckDB's one
writer) can rebuild it while the dashboards are up: a read-only open fails while a writer holds the
file, and the page then says to reload in a moment. ``looker/`` is read again for every page, so an
edited dashboard shows on reload.
"""

from __future__ import annotations

import errno
import gzip
import logging
import threading
import time
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb

from pipelines.dashboards.lookml import Dashboard, Project, load_project
from pipelines.dashboards.query import compile_element
from pipelines.dashboards.render import PLOTLY_JS, Result, render_dashboard, render_index
from pipelines.errors import ConfigError, PipelineError, WarehouseError, one_line

log = logging.getLogger(__name__)
LOCK_WAIT_S = 10.0


@cache
def plotly_js() -> bytes:
    """plotly.min.js as shipped in the plotly wheel: the pages work with no internet."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


@cache
def plotly_js_gzip() -> bytes:
    return gzip.compress(plotly_js(), compresslevel=6)


def open_read_only(warehouse: Path, wait_s: float = LOCK_WAIT_S) -> duckdb.DuckDBPyConnection:
    """A read-only connection in UTC; waits while a writer (the demo, a model build) holds the file."""
    if not warehouse.is_file():
        raise ConfigError(f"warehouse {warehouse} not found: run `make demo` first")
    deadline = time.monotonic() + wait_s
    while True:
        try:
            con = duckdb.connect(str(warehouse), read_only=True)
            con.execute("SET TimeZone = 'UTC'")
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise WarehouseError(f"cannot read warehouse {warehouse}: {one_line(exc)} "
                                     "(is make demo writing it? reload in a moment)") from exc
            time.sleep(0.2)


def where(project: Project, dashboard: Dashboard) -> str:
    """``looker/dashboards/x.dashboard.lookml: dashboard x``: what an element's error names."""
    try:
        path = dashboard.path.relative_to(project.root.parent)
    except ValueError:
        path = dashboard.path
    return f"{path}: dashboard {dashboard.name}"


def check(project: Project) -> None:
    """Compiles every element once: a field or filter outside the subset fails at start, in one line."""
    for dashboard in project.dashboards.values():
        for element in dashboard.elements:
            compile_element(project, element, where(project, dashboard))


def query_dashboard(project: Project, dashboard: Dashboard, warehouse: Path) -> dict[str, Result | Exception]:
    """Each element's rows, or the error that stopped its query (shown in its tile)."""
    outcomes: dict[str, Result | Exception] = {}
    compiled = {}
    for element in dashboard.elements:
        try:
            compiled[element.name] = compile_element(project, element, where(project, dashboard))
        except PipelineError as exc:
            outcomes[element.name] = exc
    con = open_read_only(warehouse)
    try:
        for name, query in compiled.items():
            try:
                outcomes[name] = Result(query.sql, query.fields, con.execute(query.sql).fetchall())
            except duckdb.Error as exc:
                outcomes[name] = WarehouseError(f"{where(project, dashboard)}: element {name}: {one_line(exc)}")
    finally:
        con.close()
    return outcomes


class Site:
    """What the server (and ``--build``) serves: the index, one page per dashboard, Plotly's JS."""

    def __init__(self, looker: Path, warehouse: Path):
        self.looker, self.warehouse = Path(looker), Path(warehouse)

    def source(self, dashboard: Dashboard | None = None) -> str:
        defined = f"defined in {dashboard.path.relative_to(self.looker.parent)} · " if dashboard else ""
        return f"{defined}local warehouse {self.warehouse} · {time.strftime('%Y-%m-%d %H:%M:%S %Z')}"

    def index(self) -> str:
        return render_index(load_project(self.looker), self.source())

    def dashboard(self, name: str) -> str | None:
        project = load_project(self.looker)
        dashboard = project.dashboards.get(name)
        if dashboard is None:
            return None
        return render_dashboard(dashboard, query_dashboard(project, dashboard, self.warehouse),
                                self.source(dashboard))

    def build(self, out: Path) -> list[Path]:
        """Writes every page and the JS into ``out`` (open ``out/index.html``, or publish the folder)."""
        out = Path(out)
        (out / "static").mkdir(parents=True, exist_ok=True)
        written = [out / "index.html", out / PLOTLY_JS]
        written[0].write_text(self.index(), encoding="utf-8")
        written[1].write_bytes(plotly_js())
        for name in load_project(self.looker).dashboards:
            path = out / f"{name}.html"
            path.write_text(self.dashboard(name) or "", encoding="utf-8")
            written.append(path)
        return written


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = unquote(urlparse(self.path).path)
            try:
                if path in ("/", "/index.html"):
                    self._send(HTTPStatus.OK, "text/html; charset=utf-8", site.index().encode())
                elif path == "/" + PLOTLY_JS:
                    zipped = "gzip" in self.headers.get("Accept-Encoding", "")
                    self._send(HTTPStatus.OK, "text/javascript; charset=utf-8",
                               plotly_js_gzip() if zipped else plotly_js(), gzipped=zipped, cache_s=86400)
                elif path.endswith(".html") and (page := site.dashboard(path[1:-5])) is not None:
                    self._send(HTTPStatus.OK, "text/html; charset=utf-8", page.encode())
                else:
                    self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n")
            except PipelineError as exc:
                log.error("%s: %s", path, one_line(exc))
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                           f"error: {one_line(exc)}\n".encode())

        def _send(self, status: HTTPStatus, kind: str, body: bytes, gzipped: bool = False, cache_s: int = 0) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", f"max-age={cache_s}" if cache_s else "no-store")
            if gzipped:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
            log.debug("%s " + format, self.address_string(), *args)

    return Handler


def start(looker: Path, warehouse: Path, host: str = "127.0.0.1", port: int = 8050) -> ThreadingHTTPServer:
    """A bound server serving in a daemon thread (``port=0``: any free port); ``shutdown()`` stops it."""
    check(load_project(looker))  # a project outside the subset fails here, in one line, not on the first page
    if not Path(warehouse).is_file():
        raise ConfigError(f"warehouse {warehouse} not found: run `make demo` first")
    try:
        server = ThreadingHTTPServer((host, port), _handler(Site(looker, warehouse)))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} is taken (another make dashboard?): choose another with --port "
                              "(make dashboard DASHBOARD_PORT=...)") from exc
        raise ConfigError(f"cannot listen on {host}:{port}: {one_line(exc)}") from exc
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="dashboards", daemon=True).start()
    return server


def url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
