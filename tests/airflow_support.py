"""What the Airflow tests share (tests/test_composer_dags*.py, tests/test_local_airflow.py): the Airflow
venvs, the DAGs' environment, an interval of the seeded production app that has rows, and what the
warehouse holds after a load.

Imported by the tests as ``airflow_support`` (tests/ is on sys.path, as for ``terraform_offline``).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = Path(os.environ.get("MINERA_TOOLS_DIR", ROOT / ".venv-tools"))
DAGS = ROOT / "composer_dags"
#: the variables Terraform sets on Composer, the DAGs' one list
ENVIRONMENT = json.loads((DAGS / "environment.json").read_text())
#: go-live as Terraform sets it (DAGS_START_DATE): not the DAGs' default, so the tests see it is read
GO_LIVE = "2026-11-01"
#: the production app's tables, as the production DAG loads them into raw_production
PRODUCTION_TABLES = ("shifts", "trucks", "truck_loads", "drill_holes", "blasts", "crusher_throughput",
                     "equipment_status")


def airflow_python(version: str) -> Path:
    """The python of the Airflow ``version`` venv; a missing venv fails the test (it never skips)."""
    python = TOOLS / f"airflow{version}" / "bin" / "python"
    if not python.exists():
        pytest.fail(f"no Airflow {version} venv at {python.parent.parent}: run `make airflow-venvs` "
                    "(or point MINERA_TOOLS_DIR at the .venv-tools holding it)", pytrace=False)
    return python


def airflow_environment(mode: str, home: Path) -> dict[str, str]:
    """A process environment for Airflow at ``home`` reading composer_dags/ with
    ``PIPELINES_LAUNCH=mode``: every Composer variable set to a recognisable value, no outer AIRFLOW_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k not in ENVIRONMENT}
    env.update({name: f"{name.lower()}-value" for name in ENVIRONMENT})
    env.update({
        "DAGS_START_DATE": GO_LIVE,
        "PIPELINES_LAUNCH": mode,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        "PYTHONWARNINGS": "ignore",
    })
    return env


def interval_with_rows(url: str) -> tuple[datetime, datetime, dict[str, int]]:
    """The hour of the median truck load (an interval that has rows) and, per table, the source rows a
    load of that hour must bring: changed in it, or without ``updated_at`` (the loader takes those too)."""
    import psycopg

    with psycopg.connect(url) as conn:
        (median,) = conn.execute("select percentile_disc(0.5) within group (order by updated_at) "
                                 "from public.truck_loads").fetchone()
        start = median.replace(minute=0, second=0, microsecond=0)
        end = start + timedelta(hours=1)
        expected = {}
        for table in PRODUCTION_TABLES:
            (expected[table],) = conn.execute(
                f"select count(*) from public.{table} where (updated_at >= %s and updated_at < %s) "
                "or updated_at is null", (start, end)).fetchone()
    assert expected["truck_loads"] >= 1
    return start, end, expected


def warehouse_state(path: Path) -> dict:
    """Rows per raw_production table, the production watermarks and the number of load runs recorded."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.sql("select table_name from information_schema.tables where table_schema = 'raw_production'"
                         " and table_name not like '%\\_\\_%' escape '\\'").fetchall()
        rows = {t: con.sql(f'select count(*) from raw_production."{t}"').fetchone()[0] for (t,) in tables}
        marks = dict(con.sql("select table_name, watermark from ops.watermarks "
                             "where pipeline = 'batch.production'").fetchall())
        runs = con.sql("select count(*) from ops.load_runs where pipeline = 'batch.production'").fetchone()[0]
    return {"rows": rows, "watermarks": marks, "runs": runs}
