"""Sensor speed layer throughput and memory, side by side with a naive baseline, in one run.

    python benchmarks/sensors_pipeline.py [--minutes 60] [--sensors 120] [--rate_hz 10] [--out FILE]

Simulates the replay once (``pipelines.simulate.sensors``, seed 7), then runs, each as its
own process, wall clock from spawn to exit:

  bulk-pipeline   python -m pipelines.streaming.sensors --replay FILE (ours, all of it: lake,
                  de-duplication, minute metrics, alerts, dead letters in DuckDB)
  bulk-lake-only  benchmarks/lake_only_sensors.py: our transforms doing only the naive work
  naive-beam      benchmarks/baselines/naive_sensors.py: beam.Map + json.loads per message,
                  hourly Parquet (malformed messages dropped)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(argv: list[str]) -> tuple[float, float, int, str]:
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        err.seek(0)
        tail = "".join(err.readlines()[-3:])
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), tail


def lake_rows(lake: Path) -> int:
    """Rows in the Parquet files of a contender's lake (read from the footers)."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in lake.rglob("*.parquet"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--sensors", type=int, default=120)
    parser.add_argument("--rate_hz", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/sensors_pipeline.md"))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from pipelines.simulate.sensors import write_replay

    work = Path(tempfile.mkdtemp(prefix="bench-sensors-"))
    try:
        replay = work / "replay.jsonl"
        summary = write_replay(str(replay), sensors=args.sensors, rate_hz=args.rate_hz, minutes=args.minutes)
        messages = summary["messages"]
        print(f"replay: {messages:,} messages, {replay.stat().st_size / 1e6:,.0f} MB", flush=True)
        lakes = {"bulk-pipeline": work / "lake-bulk", "bulk-lake-only": work / "lake-only",
                 "naive-beam": work / "lake-naive"}
        contenders = {
            "bulk-pipeline": [sys.executable, "-m", "pipelines.streaming.sensors", "--replay", str(replay),
                              "--lake_location", str(work / "lake-bulk"),
                              "--warehouse", f"duckdb://{work / 'bulk.duckdb'}"],
            "bulk-lake-only": [sys.executable, str(ROOT / "benchmarks/lake_only_sensors.py"), str(replay),
                               str(work / "lake-only")],
            "naive-beam": [sys.executable, str(ROOT / "benchmarks/baselines/naive_sensors.py"), str(replay),
                           str(work / "lake-naive")],
        }
        rows = []
        for name, command in contenders.items():
            seconds, peak, code, tail = measure(command)
            ok = code == 0
            landed = lake_rows(lakes[name]) if ok else 0
            print(f"{name:14s} {seconds:7.2f}s {messages / seconds:>10,.0f} msg/s {peak:6.0f} MiB "
                  f"{landed:>10,} lake rows {'ok' if ok else 'FAILED ' + tail}", flush=True)
            rows.append((name, seconds, peak, ok, landed))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    naive = next(r for r in rows if r[0] == "naive-beam")
    lines = [f"Command: `python benchmarks/sensors_pipeline.py {' '.join(argv or sys.argv[1:])}`  ",
             f"Replay: {messages:,} messages ({args.sensors} sensors x {args.rate_hz} Hz x {args.minutes} min), "
             f"{os.cpu_count()} cores", "",
             f"Valid readings {summary['valid']:,}, publisher retries {summary['retries']:,}, late beyond 2 h "
             f"{summary['late_beyond_2h']:,}, malformed {summary['malformed']:,} (simulator summary)", "",
             "| contender | wall s | msg/s | peak RSS MiB | lake rows | x naive |", "|---|---:|---:|---:|---:|---:|"]
    for name, seconds, peak, ok, landed in rows:
        ratio = f"{naive[1] / seconds:.1f}" if ok and naive[3] else "-"
        lines.append(f"| {name}{'' if ok else ' FAILED'} | {seconds:.2f} | {messages / seconds:,.0f} | {peak:,.0f} "
                     f"| {landed:,} | {ratio} |")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
