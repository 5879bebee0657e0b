"""The ELT models (a SQLMesh project): BigQuery SQL, run on DuckDB over what the loader landed."""

from __future__ import annotations

import duckdb
import psycopg
import pytest
import sqlglot

from pipelines.batch import production
from pipelines.errors import PipelineError
from pipelines.models import apply_models, discover
from pipelines.transform.render import offline_context

KEYS = {
    "truck_loads": "load_id", "shifts": "shift_id", "trucks": "truck_id", "drill_holes": "hole_id",
    "blasts": "blast_id", "crusher_throughput": "crusher_id, measured_at", "equipment_status": "status_id",
}


def load(url: str, warehouse_url: str) -> None:
    production.run(["--source_url", url, "--warehouse", warehouse_url, "--lag_seconds", "0"])


def test_staging_models_give_the_current_rows_of_every_table(production_url, warehouse_url, minera_home):
    load(production_url, warehouse_url)
    with psycopg.connect(production_url) as conn:
        conn.execute("UPDATE truck_loads SET payload_t = payload_t + 1, updated_at = now() WHERE load_id <= 10")
        conn.commit()
        expected_payload = conn.execute("SELECT sum(payload_t) FROM truck_loads").fetchone()[0]
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in KEYS}
    load(production_url, warehouse_url)
    # only the production source is loaded here: the ERP's models (raw_erp) are skipped, not failed
    applied = apply_models(warehouse_url)
    assert not any(".stg_erp__" in name for name in applied)
    assert applied[:7] == sorted(f"staging.stg_production__{t}" for t in KEYS)
    assert "marts.haulage_by_shift" in applied[7:]  # marts after staging

    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    for table, key in KEYS.items():
        rows, keys = con.execute(f"SELECT count(*), count(DISTINCT ({key})) "
                                 f"FROM staging.stg_production__{table}").fetchone()
        assert rows == keys == counts[table], table
    raw_rows = con.execute("SELECT count(*) FROM raw_production.truck_loads").fetchone()[0]
    assert raw_rows == counts["truck_loads"] + 10  # raw keeps both versions ...
    got = con.execute("SELECT sum(payload_t) FROM staging.stg_production__truck_loads").fetchone()[0]
    assert got == expected_payload  # ... staging shows the new ones
    hauled = con.execute("SELECT sum(hauled_t), sum(loads) FROM marts.haulage_by_shift").fetchone()
    assert hauled == (expected_payload, counts["truck_loads"])
    # whole seconds, as BigQuery's TIMESTAMP_DIFF(.., SECOND) gives them (DuckDB's counts boundaries crossed)
    wrong = con.execute("SELECT count(*) FROM staging.stg_production__equipment_status WHERE duration_s <> "
                        "floor(epoch_us(ended_at - started_at) / 1e6)").fetchone()[0]
    assert wrong == 0
    # SQLMesh keeps identifiers as written: SAP's upper-case columns stay upper-case (checked on ERP below)
    assert con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
                       "AND table_name = 'haulage_by_shift' ORDER BY ordinal_position LIMIT 2").fetchall() == [
        ("shift_id",), ("shift_date",)]


@pytest.mark.parametrize("model", [m.qualified for m in discover()])
def test_every_model_renders_for_duckdb_and_bigquery(rendering, model):
    query = rendering.render(model)
    for dialect in ("duckdb", "bigquery"):
        (statement,) = sqlglot.transpile(query.sql(dialect=dialect), read=dialect, write=dialect)
        assert statement.upper().lstrip().startswith(("SELECT", "WITH", "/*"))


def test_bigquery_sql_qualifies_datasets_with_the_project(rendering):
    statement = rendering.render("marts.haulage_by_shift").sql(dialect="bigquery")
    assert ("FROM `minera-prod`.`staging`.`stg_production__truck_loads` AS `l` JOIN "
            "`minera-prod`.`staging`.`stg_production__shifts` AS `s` ON `l`.`shift_id` = `s`.`shift_id`") in statement


@pytest.mark.slow
def test_a_broken_model_names_its_file(tmp_path, warehouse_url):
    folder = tmp_path / "sql" / "models" / "staging" / "production"
    folder.mkdir(parents=True)
    (folder / "stg_broken.sql").write_text("MODEL (name staging.stg_broken, kind VIEW);\n"
                                           "SELECT missing_column FROM raw_production.nothing_here")
    # a source never loaded: its models wait, nothing fails
    assert apply_models(warehouse_url, sql_dir=tmp_path / "sql") == []
    duckdb.connect(warehouse_url.removeprefix("duckdb://")).execute("CREATE SCHEMA raw_production").close()
    with pytest.raises(PipelineError, match="stg_broken.sql"):  # loaded: a broken model is an error
        apply_models(warehouse_url, sql_dir=tmp_path / "sql")
    with pytest.raises(PipelineError, match="matches no model"):
        apply_models(warehouse_url, select="nope", sql_dir=tmp_path / "sql")


@pytest.mark.slow
def test_the_project_loads_without_forking(warehouse_url, monkeypatch):
    """SQLMesh forks to load models (one process per core by default); a fork taken while a Beam run's
    threads in the same process hold a lock can hang for ever, so the project loads in this process."""
    import os

    from pipelines.transform.project import close_context, open_context

    def refuse_to_fork():
        raise AssertionError("SQLMesh forked to load the models")

    monkeypatch.setattr("sqlmesh.core.constants.MAX_FORK_WORKERS", 2)  # its default on this 2-core machine
    monkeypatch.setattr(os, "fork", refuse_to_fork)
    ctx = open_context(warehouse_url)
    try:
        assert "marts.tonnes_by_shift" in {m.split(".", 1)[1].replace('"', "") for m in ctx.models}
    finally:
        close_context(ctx)
    monkeypatch.setattr("sqlmesh.core.constants.MAX_FORK_WORKERS", 2)
    rendering = offline_context("minera-prod")  # the context that renders and traces lineage, too
    assert rendering.get_model("marts.tonnes_by_shift") is not None
