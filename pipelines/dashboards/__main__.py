"""``make dashboard``: the LookML dashboards drawn from the local DuckDB warehouse, in a browser.

    python -m pipelines.dashboards [--warehouse duckdb:///path] [--looker DIR] [--port 8050] [--build DIR]
    python -m pipelines.dashboards screenshots --out docs/images/dashboards [--warehouse ...] [--looker DIR]
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from pipelines import logs
from pipelines.errors import ConfigError, exit_process, main_guard

DEFAULT_LOOKER = Path(__file__).resolve().parents[2] / "looker"


def _warehouse(url: str | None) -> Path:
    from pipelines.local import stack

    url = url or stack.default_warehouse_url()
    scheme, sep, rest = url.partition("://")
    if scheme != "duckdb" or not sep or not rest:
        raise ConfigError(f"bad --warehouse {url!r}: the local dashboards read duckdb:///path/to/file.duckdb "
                          "(on BigQuery, Looker itself draws them)")
    path = Path(rest.partition("?")[0]).expanduser()
    if not path.is_file():
        raise ConfigError(f"warehouse {path} not found: run `make demo` first")
    return path


def _parser(screenshots: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.dashboards" + (" screenshots" if screenshots else ""),
        description="One PNG per dashboard (headless Chromium)" if screenshots else __doc__.split("\n")[0])
    parser.add_argument("--warehouse", help="duckdb:///path/file.duckdb (default: the local warehouse)")
    parser.add_argument("--looker", type=Path, default=DEFAULT_LOOKER,
                        help=f"the LookML project (default {DEFAULT_LOOKER})")
    if screenshots:
        parser.add_argument("--out", type=Path, required=True, help="folder for <dashboard>.png")
    else:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8050, help="0: any free port")
        parser.add_argument("--build", type=Path, help="write the pages into this folder and exit (no server)")
    return parser


def run(argv: list[str] | None = None) -> None:
    from pipelines.dashboards import server
    from pipelines.dashboards.lookml import load_project

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["screenshots"]:
        from pipelines.dashboards.browser import screenshots

        args = _parser(True).parse_args(argv[1:])
        names = sorted(load_project(args.looker).dashboards)
        running = server.start(args.looker, _warehouse(args.warehouse), port=0)
        try:
            for path in screenshots(server.url(running), names, args.out):
                print(path)
        finally:
            running.shutdown()
        return
    args = _parser(False).parse_args(argv)
    warehouse = _warehouse(args.warehouse)
    if args.build:
        written = server.Site(args.looker, warehouse).build(args.build)
        print(f"{len(written)} files in {args.build}: open {args.build / 'index.html'}")
        return
    running = server.start(args.looker, warehouse, args.host, args.port)
    print(f"dashboards of {args.looker} from {warehouse}:\n  {server.url(running)}  (Ctrl-C stops)", flush=True)
    try:
        threading.Event().wait()  # the server runs in its own thread until Ctrl-C
    except KeyboardInterrupt:
        print("stopped")
    finally:
        running.shutdown()


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, argv)


if __name__ == "__main__":
    exit_process(main())
