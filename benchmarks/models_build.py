"""How long the models take: a full build of every model on the demo's data, and the next build, per model.

    python benchmarks/models_build.py [--warehouse duckdb:///path/warehouse.duckdb] [--out FILE]

Takes a warehouse the demo loaded (default: ``.local/warehouse.duckdb``; run ``make demo`` first) and
copies it with the models and SQLMesh's state removed, so the first build makes every model from
nothing. Then, each as its own process (wall clock from spawn to exit, peak RSS), it runs
``python -m pipelines.models`` twice on the copy: the first build, and the next one (every staging
model checked again, full tables rebuilt, incremental ones brought up to date). Per-model seconds
(evaluation and checks, as SQLMesh reports them) come from the same builds run in this process.
Writes a table to ``benchmarks/results/models_build.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fresh_copy(source: Path, target: Path) -> None:
    """The demo's warehouse without models or SQLMesh state: raw, ops, speed and batch only."""
    import duckdb

    shutil.copy(source, target)
    with duckdb.connect(str(target)) as con:
        schemas = [r[0] for r in con.execute("SELECT schema_name FROM information_schema.schemata WHERE "
                                             "catalog_name = current_database()").fetchall()]
        for schema in schemas:
            if schema.startswith("sqlmesh") or schema in ("staging", "marts", "serving"):
                con.execute(f'DROP SCHEMA "{schema}" CASCADE')


def timed(argv: list[str]) -> tuple[float, float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", default=f"duckdb://{ROOT / '.local' / 'warehouse.duckdb'}")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "models_build.md"))
    args = parser.parse_args(argv)
    source = Path(args.warehouse.removeprefix("duckdb://"))
    if not source.exists():
        sys.exit(f"no warehouse at {source}: run make demo first, or give --warehouse")
    from pipelines.transform.build import build

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        url = f"duckdb://{copy}"
        command = [sys.executable, "-m", "pipelines.models", "--warehouse", url]
        fresh_copy(source, copy)
        first = timed(command)
        second = timed(command)
        fresh_copy(source, copy)  # the same two builds in this process, for the per-model seconds
        first_models = build(url).seconds
        next_models = build(url).seconds
    for label, (_, _, status) in (("first", first), ("next", second)):
        if status != 0:
            sys.exit(f"the {label} build exited {status}")
    lines = [
        "# Models: a full build and the next one, on the demo's data",
        "",
        f"Command: `python benchmarks/models_build.py --warehouse {args.warehouse}`; machine: "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end.",
        "",
        "| build | wall s (process) | peak RSS MiB |",
        "|---|---:|---:|",
        f"| first (every model made) | {first[0]:.1f} | {first[1]:.0f} |",
        f"| next (checks, full tables rebuilt, increments) | {second[0]:.1f} | {second[1]:.0f} |",
        "",
        "Per model, seconds of evaluation and checks as SQLMesh reports them (the rest of the wall time is",
        "starting Python, loading the project and planning):",
        "",
        "| model | first build s | next build s |",
        "|---|---:|---:|",
    ]
    for name in sorted(set(first_models) | set(next_models)):
        lines.append(f"| {name} | {first_models.get(name, 0):.2f} | {next_models.get(name, 0):.2f} |")
    lines.append(f"| **sum** | {sum(first_models.values()):.2f} | {sum(next_models.values()):.2f} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
