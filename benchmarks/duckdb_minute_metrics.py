"""The minute metrics of one day of the lake as one DuckDB query: the practical limit on this machine.

    python benchmarks/duckdb_minute_metrics.py LAKE_DIR YYYY-MM-DD DUCKDB_FILE

The contender beside ``sensor_recompute`` in ``benchmarks/sensor_recompute.py``: the same files, the
same definition (``pipelines.sensor_metrics.minute_metrics_sql``), all cores, into a table of a fresh
DuckDB file (``minute_metrics``); nothing checked, nothing recorded.
"""

from __future__ import annotations

import sys

import duckdb

from pipelines.sensor_metrics import minute_metrics_sql


def main(lake: str, day: str, path: str) -> int:
    con = duckdb.connect(path)
    con.execute("SET TimeZone = 'UTC'")
    files = f"read_parquet('{lake}/sensor_readings/*/*/*.parquet', hive_partitioning = true)"
    con.execute("CREATE TABLE minute_metrics AS " + minute_metrics_sql(f"{files} WHERE dt = DATE '{day}'"))
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
