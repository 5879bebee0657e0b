"""Batch-layer throughput and memory: one hour of the lake recomputed, beside one DuckDB query, in one run.

    python benchmarks/sensor_recompute.py [--minutes 60] [--sensors 120] [--rate_hz 10] [--repeat 3] [--out FILE]

Simulates the mine once (``pipelines.simulate.sensors``, seed 7, no retries, late, malformed or
silent sensors: sensors x rate x 60 x minutes valid readings) and writes the lake with the real
speed layer (``python -m pipelines.streaming.sensors --replay``). Then runs, each as its own
process, alternating the order between repeats, wall clock from spawn to exit:

  sensor-recompute  python -m pipelines.batch.sensor_recompute --date DAY into a fresh DuckDB file:
                    Beam (FnApiRunner, 2 threads), the speed layer's SensorMinuteMetrics, one
                    committed transaction with its bookkeeping
  duckdb-query      benchmarks/duckdb_minute_metrics.py: the same metrics as one DuckDB query
                    (``pipelines.sensor_metrics.minute_metrics_sql``) over the same files, into a
                    table of a fresh DuckDB file: no Beam, no checks, no bookkeeping

Each result is checked: one row per sensor and minute, the readings counted once, and the two
contenders' rows equal (count, max, dominant frequency, min battery exactly; RMS and mean within
(2n + 4) x 2^-53, see tests/test_sensor_recompute.py).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)


def measure(argv: list[str]) -> tuple[float, float, int, str, float]:
    """Wall seconds from spawn to exit, peak RSS (MiB), exit status, stderr, CPU seconds (user + system)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT), "MINERA_LOG_LEVEL": "INFO"})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        err.seek(0)
        text = err.read()
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), text, usage.ru_utime + usage.ru_stime


def metric_rows(path: Path, table: str) -> dict:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        cursor = con.execute(f"SELECT sensor_id, zone, window_start, reading_count, max_ppv_mm_s, rms_ppv_mm_s, "
                             f"mean_frequency_hz, dominant_frequency_hz, min_battery_v FROM {table}")
        return {(r[0], r[1], r[2]): r[3:] for r in cursor.fetchall()}
    finally:
        con.close()


def differences(ours: dict, theirs: dict) -> str | None:
    """None when both hold the same minutes (see the module docstring), else what differs."""
    if ours.keys() != theirs.keys():
        return f"{len(ours.keys() ^ theirs.keys())} keys in one result only"
    for key, (count, top, rms, mean, dominant, battery) in ours.items():
        other = theirs[key]
        if (count, top, dominant, battery) != (other[0], other[1], other[4], other[5]):
            return f"{key}: {ours[key]} != {other}"
        bound = (2 * count + 4) * 2.0 ** -53
        if abs(rms - other[2]) > bound * other[2] or abs(mean - other[3]) > bound * other[3]:
            return f"{key}: sums beyond the bound: {ours[key]} vs {other}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--sensors", type=int, default=120)
    parser.add_argument("--rate_hz", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/sensor_recompute.md"))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import duckdb
    import pyarrow

    from pipelines.simulate.sensors import write_replay

    work = Path(tempfile.mkdtemp(prefix="bench-recompute-"))
    day = START.date().isoformat()
    try:
        replay, lake = work / "replay.jsonl", work / "lake"
        write_replay(str(replay), sensors=args.sensors, rate_hz=args.rate_hz, minutes=args.minutes, start=START,
                     duplicate_rate=0, late_rate=0, malformed_rate=0, dropout_sensors=0)
        expected = args.sensors * args.rate_hz * 60 * args.minutes
        speed = work / "speed-layer.duckdb"  # not speed.duckdb: DuckDB would read speed.x as that file's table x
        seconds, _, code, err, _ = measure([sys.executable, "-m", "pipelines.streaming.sensors", "--replay",
                                            str(replay), "--lake_location", str(lake), "--warehouse", f"duckdb://{speed}"])
        if code != 0:
            raise SystemExit(f"the speed layer failed writing the lake: {err[-2000:]}")
        files = sorted(lake.rglob("*.parquet"))
        size = sum(f.stat().st_size for f in files)
        print(f"lake: {expected:,} readings in {len(files)} file(s), {size / 1e6:,.0f} MB (speed layer {seconds:.0f}s)",
              flush=True)
        replay.unlink()

        def contender(name: str, repeat: int) -> tuple[list[str], Path, str]:
            db = work / f"{name}-{repeat}.duckdb"
            if name == "sensor-recompute":
                return ([sys.executable, "-m", "pipelines.batch.sensor_recompute", "--date", day, "--lake_location",
                         str(lake), "--warehouse", f"duckdb://{db}", "--staging_location", str(work / "staging"),
                         "--run_id", f"bench-{repeat}"], db, "batch.sensor_minute_metrics")
            return ([sys.executable, str(ROOT / "benchmarks/duckdb_minute_metrics.py"), str(lake), day, str(db)],
                    db, "minute_metrics")

        names = ["sensor-recompute", "duckdb-query"]
        loads = [os.getloadavg()[0]]  # other processes on this machine: the figures depend on them
        runs: dict[str, list[tuple[float, float, float | None, float]]] = {n: [] for n in names}
        results: dict[str, dict] = {}
        for repeat in range(args.repeat):
            for name in names if repeat % 2 == 0 else names[::-1]:
                command, db, table = contender(name, repeat)
                seconds, peak, code, err, cpu = measure(command)
                loads.append(os.getloadavg()[0])
                if code != 0:
                    raise SystemExit(f"{name} failed: {err[-2000:]}")
                rows = metric_rows(db, table)
                readings = sum(r[0] for r in rows.values())
                if readings != expected or len(rows) != args.sensors * args.minutes:
                    raise SystemExit(f"{name}: {len(rows):,} rows, {readings:,} readings; expected "
                                     f"{args.sensors * args.minutes:,} rows of {expected:,}")
                in_run = re.search(r"replaced: .* in [0-9]+ lake file\(s\), ([0-9.]+)s", err)
                runs[name].append((seconds, peak, float(in_run[1]) if in_run else None, cpu))
                results[name] = rows
                db.unlink()
                print(f"{name:17s} {seconds:6.2f}s {expected / seconds:>11,.0f} readings/s {peak:6.0f} MiB"
                      + f" {cpu:5.2f} CPU s" + (f"  (in the run: {in_run[1]}s)" if in_run else "")
                      + f"  load {loads[-1]:.1f}", flush=True)
        differs = differences(results["sensor-recompute"], results["duckdb-query"])
        if differs:
            raise SystemExit(f"the two results differ: {differs}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    command = "python benchmarks/sensor_recompute.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [f"Command: `{command.strip()}`  ",
             f"Lake: {expected:,} readings ({args.sensors} sensors x {args.rate_hz} Hz x {args.minutes} min) in "
             f"{len(files)} Parquet file(s), {size / 1e6:,.0f} MB, written by the speed layer  ",
             f"Machine: {os.cpu_count()} cores, {platform.platform()}; Python {platform.python_version()}, "
             f"DuckDB {duckdb.__version__}, pyarrow {pyarrow.__version__}  ",
             f"Best of {args.repeat} (wall from spawn to exit, interpreter start-up and imports included; peak RSS of "
             "that process). Both results checked: one row per sensor and minute, every reading counted once, and "
             "equal to each other.  ",
             f"Load average (1 min) of the machine during the runs: {min(loads):.1f} to {max(loads):.1f} "
             "(other work shares these 2 cores)", "",
             "| contender | wall s | readings/s | peak RSS MiB | in-run s (run() start to its summary line) | CPU s |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in names:
        seconds, _, in_run, cpu = min(runs[name])
        lines.append(f"| {name} | {seconds:.2f} | {expected / seconds:,.0f} | {max(r[1] for r in runs[name]):,.0f} "
                     f"| {f'{in_run:.2f}' if in_run is not None else '-'} | {cpu:.2f} |")
    lines += ["", "Peak RSS is the highest of the repeats; the other columns are the fastest repeat's, CPU s its "
              "user + system time (all threads)."]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
