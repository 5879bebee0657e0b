"""The checks every build runs on the staging models: bad data stops the models that read it, and the
error names the model, the check and a few offending keys. Real loads into DuckDB, then raw rows
spoiled the way a bad source or a broken load would spoil them."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.batch import production
from pipelines.models import discover
from pipelines.transform.build import ChecksFailed, build
from pipelines.transform.render import offline_context

#: the marts built here that read truck loads (the ERP is not loaded: the marts that need machines wait)
STOPPED_BY_TRUCK_LOADS = {"marts.haulage_by_shift"}


@pytest.fixture(scope="module")
def built(production_template, pg_server, pg_admin_url, tmp_path_factory) -> Path:
    """The seeded production database loaded by the real loader and every model built once: the
    good warehouse each test copies and spoils."""
    from conftest import clone_database

    url = clone_database(pg_server, pg_admin_url, production_template)
    folder = tmp_path_factory.mktemp("checks")
    warehouse_url = f"duckdb://{folder / 'warehouse.duckdb'}"
    production.run(["--source_url", url, "--warehouse", warehouse_url, "--lag_seconds", "0",
                    "--staging_location", str(folder / "staging")])
    report = build(warehouse_url)
    assert STOPPED_BY_TRUCK_LOADS <= set(report.built) and not report.failures
    assert "marts.truck_loads" in report.unloaded or "marts.truck_loads" not in report.built
    return folder / "warehouse.duckdb"


@pytest.fixture
def spoil(built, tmp_path):
    """A copy of the good warehouse (SQLMesh's state travels in the file); ``spoil(sql)`` runs SQL on
    it and returns its URL."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built, copy)

    def run(*statements: str) -> str:
        with duckdb.connect(str(copy)) as con:
            for sql in statements:
                con.execute(sql)
        return f"duckdb://{copy}"

    return run


def hauled(url: str) -> tuple:
    with duckdb.connect(url.removeprefix("duckdb://"), read_only=True) as con:
        return con.execute("SELECT sum(hauled_t), sum(loads) FROM marts.haulage_by_shift").fetchone()


def failed_build(url: str) -> tuple[str, list[str]]:
    """The one-line error of a build of every model, and the models it did not build."""
    with pytest.raises(ChecksFailed) as failure:
        build(url)
    message = str(failure.value)
    return message, message.split("; not built: ")[1].split(", ")


@pytest.mark.slow
def test_every_staging_model_checks_its_key_on_each_build():
    rendering = offline_context("minera-prod")
    staging = [m.qualified for m in discover() if m.qualified.startswith("staging.")]
    assert len(staging) >= 28
    for name in staging:
        model = rendering.get_model(name)
        grain = {g.sql() for g in model.grains}
        audits = [(audit.name, args) for audit, args in model.audits_with_args if audit.name in (
            "not_null", "unique_combination_of_columns")]
        assert len(grain) == 1, f"{name} has no key (grain)"
        assert sorted(a for a, _ in audits) == ["not_null", "unique_combination_of_columns"], name
        for _, args in audits:  # on the key's columns
            assert args["columns"].sql().strip("()") == next(iter(grain)).strip("()"), name


def test_a_load_of_an_unknown_truck_stops_the_marts_and_names_the_truck(spoil):
    url = spoil()
    before = hauled(url)
    url = spoil("UPDATE raw_production.truck_loads SET truck_id = 'HT-9999' WHERE load_id = 7")
    message, not_built = failed_build(url)
    assert message.startswith(
        "staging.stg_production__truck_loads: check reference_exists(key := truck_id, to := "
        "staging.stg_production__trucks, to_key := truck_id) failed on 1 row(s), e.g. missing_reference=HT-9999, "
        "rows_referring=1")
    assert set(not_built) == STOPPED_BY_TRUCK_LOADS
    assert hauled(url) == before  # the marts keep their last good data


def test_a_material_the_mine_does_not_have_is_refused_with_its_load(spoil):
    url = spoil("UPDATE raw_production.truck_loads SET material = 'gold' WHERE load_id IN (3, 11)")
    message, not_built = failed_build(url)
    assert ("staging.stg_production__truck_loads: check accepted_values(column := material, is_in := ('ore', "
            "'low_grade', 'overburden', 'waste')) failed on 2 row(s), e.g. load_id=3, ") in message
    assert "; load_id=11, " in message
    assert set(not_built) == STOPPED_BY_TRUCK_LOADS


def test_a_load_without_its_key_is_refused(spoil):
    url = spoil("INSERT INTO raw_production.truck_loads SELECT * REPLACE (NULL AS load_id) "
                "FROM raw_production.truck_loads WHERE load_id = 5")
    message, not_built = failed_build(url)
    assert message.startswith("staging.stg_production__truck_loads: check not_null(load_id) failed on 1 row(s), "
                              "e.g. load_id=None")
    assert set(not_built) == STOPPED_BY_TRUCK_LOADS


def test_rows_of_a_run_never_committed_are_named_by_the_run(spoil):
    url = spoil("INSERT INTO raw_production.truck_loads SELECT * REPLACE (load_id + 10000000 AS load_id, "
                "'20990101T000000Z-half' AS _run_id) FROM raw_production.truck_loads WHERE load_id <= 4")
    message, not_built = failed_build(url)
    assert message.startswith(
        "staging.stg_production__truck_loads: check reconciles_with_load_runs(raw := 'raw_production.truck_loads') "
        "failed on 1 row(s), e.g. run_id=20990101T000000Z-half, rows_in_raw=4, rows_loaded=None, "
        "problem=rows of a run ops.load_runs does not record as committed")
    assert set(not_built) == STOPPED_BY_TRUCK_LOADS


def test_rows_of_the_last_committed_run_missing_from_raw_are_counted(spoil):
    url = spoil()
    with duckdb.connect(url.removeprefix("duckdb://"), read_only=True) as con:
        run_id, loaded = con.execute("SELECT run_id, rows_loaded FROM ops.load_runs WHERE target_table = "
                                     "'raw_production.truck_loads' AND status = 'succeeded'").fetchone()
    url = spoil("DELETE FROM raw_production.truck_loads WHERE load_id IN (1, 2, 3)")
    message, _ = failed_build(url)
    assert (f"check reconciles_with_load_runs(raw := 'raw_production.truck_loads') failed on 1 row(s), e.g. "
            f"run_id={run_id}, rows_in_raw={loaded - 3}, rows_loaded={loaded}, "
            "problem=rows of the latest committed run are missing") in message
