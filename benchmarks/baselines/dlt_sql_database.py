"""Baseline: dlt's ``sql_database`` source with its pyarrow backend, into DuckDB.

    python benchmarks/baselines/dlt_sql_database.py SQLALCHEMY_URL TABLE OUT.duckdb WORKDIR
"""

from __future__ import annotations

import os
import sys


def main(url: str, table: str, out: str, workdir: str) -> int:
    os.environ.setdefault("DLT_DATA_DIR", os.path.join(workdir, "data"))
    os.environ.setdefault("DLT_PROJECT_DIR", workdir)
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    import dlt
    from dlt.sources.sql_database import sql_database

    source = sql_database(credentials=url, table_names=[table], backend="pyarrow")
    pipeline = dlt.pipeline(pipeline_name="bench_dlt", destination=dlt.destinations.duckdb(out),
                            dataset_name="raw_production", pipelines_dir=os.path.join(workdir, "pipelines"))
    pipeline.run(source, write_disposition="replace")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
