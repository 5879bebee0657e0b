"""The vendor's staging model over what the real file loader landed from the lab's Avro files.

Each test writes lab files (``pipelines.simulate.rock_quality``), loads them with the real
loader into a real DuckDB, applies ``staging.stg_vendor__rock_quality_samples`` with the models
runner and compares every row and column of the view with the Avro records it should come from:
one row per sample_code, from the latest loaded file content, then the latest analysis.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections import Counter
from datetime import timedelta, timezone
from decimal import Decimal
from pathlib import Path
from statistics import fmean

import duckdb
import fastavro
import pytest
import sqlglot

from pipelines.batch import rock_quality
from pipelines.models import apply_models, discover
from pipelines.simulate import rock_quality as lab

pytestmark = pytest.mark.slow  # loads and builds the models

MODEL = "stg_vendor__rock_quality_samples"
VIEW = f"staging.{MODEL}"
RAW = "raw_vendor.rock_quality_samples"
V2_FIELDS = ("ag_g_t", "moisture_pct", "weathering")
# a session time zone 14 hours ahead of UTC: the lab reports in the UTC afternoon, already the next
# day there, so a date taken in the session's time zone instead of UTC would be one day off
FAR_EAST = "Pacific/Kiritimati"


class Lab:
    """The landing folder, the loads of it, and what each load took: path -> (sha256, records)."""

    def __init__(self, tmp_path: Path, warehouse_url: str):
        self.tmp_path = tmp_path
        self.landing = tmp_path / "landing"
        self.warehouse_url = warehouse_url
        self.runs: list[dict[str, tuple[str, list[dict]]]] = []
        self._mtime = 1_700_000_000  # re-issues are stamped in the past: finished uploads, settled

    def files(self) -> list[Path]:
        return sorted(self.landing.rglob("*.avro"))

    def reissue(self, path: Path, records: list[dict], schema_version: int = 1) -> None:
        """The lab writes the file again under the same name (a newer modification time)."""
        lab.write_samples(path, records, schema_version)
        self._mtime += 60
        os.utime(path, (self._mtime, self._mtime))

    def load(self) -> None:
        """One run of the loader over the whole landing folder; records which contents it took."""
        seen = {path: sha for run in self.runs for path, (sha, _) in run.items()}
        new = {}
        for path in self.files():
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            if seen.get(str(path)) != sha:
                new[str(path)] = (sha, avro_records(path))
        outcomes = rock_quality.run([
            "--input", f"{self.landing}/**.avro", "--warehouse", self.warehouse_url,
            "--staging_location", str(self.tmp_path / "staging"),
            "--quarantine_location", str(self.tmp_path / "quarantine"),
        ])
        assert sorted(o.path for o in outcomes if o.status == "staged") == sorted(new)
        self.runs.append(new)

    def expected(self) -> dict[str, dict]:
        """The view's rows by sample_code, worked out from the Avro records: a re-issued file's
        earlier contents drop out; the latest analysis wins, then the latest run, then the path
        and the analysis id; versions_loaded counts every record of the sample ever loaded."""
        current: dict[str, tuple[int, str, list[dict]]] = {}
        for index, run in enumerate(self.runs):
            for path, (sha, records) in run.items():
                current[path] = (index, sha, records)
        versions = Counter(r["sample_code"] for run in self.runs for _, records in run.values() for r in records)
        v2 = any(f in r for run in self.runs for _, records in run.values() for r in records for f in V2_FIELDS)
        ranked = sorted(((r["analysed_at"], r["reported_at"], index, path, str(r["sample_id"])), r, path, sha)
                        for path, (index, sha, records) in current.items() for r in records)
        latest = {r["sample_code"]: (r, path, sha) for _, r, path, sha in ranked}
        return {code: expected_row(r, path, sha, versions[code], v2) for code, (r, path, sha) in latest.items()}


def avro_records(path: Path) -> list[dict]:
    with open(path, "rb") as f:
        return list(fastavro.reader(f))


def expected_row(r: dict, path: str, sha: str, versions: int, v2: bool) -> dict:
    """What the view shows for the Avro record ``r`` (see the model's header)."""
    flags, repeats = r["qa_flags"], r["repeat_measurements"]
    ucs = [m["value_mpa"] for m in repeats if m["test"] == "UCS"]
    is50 = [m["value_mpa"] for m in repeats if m["test"] == "IS50"]
    row = {
        "sample_code": r["sample_code"], "analysis_id": str(r["sample_id"]), "drill_hole_id": r["drill_hole_id"],
        "depth_from_m": r["from_m"], "depth_to_m": r["to_m"], "interval_length_m": r["to_m"] - r["from_m"],
        "rock_type": r["rock_type"].lower().replace("_", " "),
        **{k: r[k] for k in ("rqd_pct", "ucs_mpa", "point_load_is50_mpa", "density_g_cm3", "cu_pct", "au_g_t",
                             "mo_ppm", "cu_equivalent_pct")},
        "qa_flags": flags, "is_duplicate": "DUPLICATE" in flags, "is_reassay": "REASSAY" in flags,
        "has_failed_standard": "STANDARD_FAILED" in flags, "is_blank": "BLANK" in flags,
        "repeat_measurements": repeats, "repeat_count": len(repeats),
        "ucs_repeat_count": len(ucs), "ucs_repeat_mean_mpa": pytest.approx(fmean(ucs)) if ucs else None,
        "is50_repeat_count": len(is50), "is50_repeat_mean_mpa": pytest.approx(fmean(is50)) if is50 else None,
        "lab_code": r["lab"]["code"], "lab_name": r["lab"]["name"], "lab_accreditation": r["lab"]["accreditation"],
        "method_code": r["method"]["code"], "method_name": r["method"]["name"],
        "method_instrument": r["method"]["instrument"],
        "received_on": r["received_on"], "analysed_at": r["analysed_at"], "reported_at": r["reported_at"],
        "turnaround_days": (r["reported_at"].astimezone(timezone.utc).date() - r["received_on"]).days,
        "versions_loaded": versions, "source_file": path, "source_sha256": sha,
    }
    if v2:  # the columns a v2 file added to raw: NULL in the rows of v1 files
        row |= {f: r.get(f) for f in V2_FIELDS}
    return row


def query(warehouse_url: str, sql: str, params: list | None = None, time_zone: str = "UTC") -> list[dict]:
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    try:
        con.execute(f"SET TimeZone = '{time_zone}'")
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def columns(warehouse_url: str) -> dict[str, str]:
    rows = query(warehouse_url, f"DESCRIBE {VIEW}")
    return {r["column_name"]: r["column_type"] for r in rows}


def apply(warehouse_url: str) -> None:
    assert apply_models(warehouse_url, select=MODEL) == [VIEW]


def view_rows(warehouse_url: str) -> dict[str, dict]:
    rows = query(warehouse_url, f"SELECT * FROM {VIEW}", time_zone=FAR_EAST)
    by_code = {r["sample_code"]: r for r in rows}
    assert len(by_code) == len(rows)  # one row per sample_code
    return by_code


def check_view(delivery: Lab) -> dict[str, dict]:
    """Every row and column of the view against the Avro records; returns the rows by sample_code."""
    got, expected = view_rows(delivery.warehouse_url), delivery.expected()
    # the run that loaded each file content, as ops.loaded_files recorded it
    loads = {r["content_sha256"]: (r["run_id"], r["loaded_at"]) for r in query(
        delivery.warehouse_url, "SELECT content_sha256, run_id, loaded_at FROM ops.loaded_files")}
    assert sorted(got) == sorted(expected)
    for code, row in expected.items():
        row["loaded_run_id"], row["loaded_at_warehouse"] = loads[row["source_sha256"]]
        assert got[code] == row, code
    return got


@pytest.fixture
def delivery(tmp_path, warehouse_url) -> Lab:
    return Lab(tmp_path, warehouse_url)


def test_one_row_per_sample_with_readable_columns_from_its_avro_record(delivery):
    lab.generate(delivery.landing, files=4, samples=75, schema_version=1)  # every 4th batch: the other lab
    delivery.load()
    apply(delivery.warehouse_url)
    got = check_view(delivery)  # also: turnaround_days is counted in UTC days whatever the session's zone
    assert len(got) == 300

    names = list(columns(delivery.warehouse_url))
    assert names[:7] == ["sample_code", "analysis_id", "drill_hole_id", "depth_from_m", "depth_to_m",
                         "interval_length_m", "rock_type"]
    assert names[-5:] == ["versions_loaded", "source_file", "source_sha256", "loaded_run_id", "loaded_at_warehouse"]
    assert not {"sample_id", "from_m", "lab", "method", "_source_file", "_loaded_at"} & set(names)
    assert not set(V2_FIELDS) & set(names)  # only v1 files loaded: raw has no v2 column, nor has the view
    rows = got.values()
    # the seeded batches have every case the derived columns handle
    for flag in ("is_duplicate", "is_reassay", "has_failed_standard", "is_blank"):
        assert any(r[flag] for r in rows) and not all(r[flag] for r in rows), flag
    assert {r["rock_type"] for r in rows} >= {"diorite porphyry", "hydrothermal breccia", "andesite"}
    assert any(r["ucs_repeat_count"] > 1 for r in rows) and any(r["is50_repeat_count"] for r in rows)
    assert any(r["lab_accreditation"] is None for r in rows) and any(r["ucs_mpa"] is None for r in rows)
    assert all(r["interval_length_m"] > 0 for r in rows)
    assert all(r["turnaround_days"] >= 1 for r in rows) and len({r["turnaround_days"] for r in rows}) > 3
    # lineage: the raw row's file, content, run and load
    raw = query(delivery.warehouse_url, f"SELECT sample_code, _source_file, _source_sha256, _run_id, _loaded_at "
                                        f"FROM {RAW}")
    assert len(raw) == 300
    for r in raw:
        row = got[r["sample_code"]]
        assert (row["source_file"], row["source_sha256"], row["loaded_run_id"], row["loaded_at_warehouse"]) == (
            r["_source_file"], r["_source_sha256"], r["_run_id"], r["_loaded_at"])
        assert row["versions_loaded"] == 1


def test_a_reissued_file_replaces_its_earlier_version(delivery):
    lab.generate(delivery.landing, files=2, samples=20, schema_version=1)
    delivery.load()
    apply(delivery.warehouse_url)
    path = delivery.files()[0]
    records = avro_records(path)
    code = records[0]["sample_code"]
    old_cu = view_rows(delivery.warehouse_url)[code]["cu_pct"]

    records[0]["cu_pct"] = Decimal("1.2345")  # the lab re-issues the batch with one assay corrected
    delivery.reissue(path, records)
    delivery.load()
    got = check_view(delivery)
    assert old_cu != Decimal("1.2345") and got[code]["cu_pct"] == Decimal("1.2345")
    assert got[code]["versions_loaded"] == 2 and got[code]["analysis_id"] == str(records[0]["sample_id"])
    assert got[code]["source_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert query(delivery.warehouse_url, f"SELECT count(*) AS n FROM {RAW} WHERE sample_code = ?", [code]) == [
        {"n": 2}]  # raw keeps both versions

    # a third version: one sample withdrawn, another one's tag corrected; the earlier versions of the
    # file no longer count, so neither the withdrawn sample nor the wrong tag stays in staging
    withdrawn, mistagged = records[1]["sample_code"], records[2]["sample_code"]
    records[2]["sample_code"] = mistagged.rsplit("-", 1)[0] + "-999"
    delivery.reissue(path, records[:1] + records[2:])
    delivery.load()
    got = check_view(delivery)
    assert withdrawn not in got and mistagged not in got and records[2]["sample_code"] in got
    assert len(got) == 40 - 1
    assert got[code]["cu_pct"] == Decimal("1.2345") and got[code]["versions_loaded"] == 3
    assert query(delivery.warehouse_url, "SELECT version FROM ops.loaded_files WHERE path = ? ORDER BY version",
                 [str(path)]) == [{"version": 1}, {"version": 2}, {"version": 3}]


def test_a_reanalysed_sample_shows_its_latest_analysis(delivery):
    lab.generate(delivery.landing, files=1, samples=20, schema_version=1)
    delivery.load()
    apply(delivery.warehouse_url)
    first, second, third = avro_records(delivery.files()[0])[:3]

    def reassay(record: dict, hours: int, cu: str) -> dict:
        """The same core interval analysed again: a new analysis id, times moved, another value."""
        return {**record, "sample_id": uuid.uuid5(uuid.NAMESPACE_URL, f"{record['sample_id']}/{hours}"),
                "analysed_at": record["analysed_at"] + timedelta(hours=hours),
                "reported_at": record["reported_at"] + timedelta(hours=hours),
                "qa_flags": ["REASSAY"], "cu_pct": Decimal(cu)}

    # a later batch re-analyses the first sample; two files in one run both re-analyse the second,
    # the later analysis in the file whose name sorts first (so analysed_at decides, not the name)
    lab.write_samples(delivery.landing / "reassays" / "rq_900001.avro", [reassay(first, 48, "0.5000")], 1)
    lab.write_samples(delivery.landing / "reassays" / "rq_900002.avro", [reassay(second, 72, "0.7000")], 1)
    lab.write_samples(delivery.landing / "reassays" / "rq_900003.avro", [reassay(second, 50, "0.6000")], 1)
    delivery.load()
    got = check_view(delivery)
    assert len(got) == 20
    one, two = got[first["sample_code"]], got[second["sample_code"]]
    assert (one["cu_pct"], one["is_reassay"], one["versions_loaded"]) == (Decimal("0.5000"), True, 2)
    assert one["analysis_id"] != str(first["sample_id"]) and one["source_file"].endswith("rq_900001.avro")
    assert (two["cu_pct"], two["versions_loaded"]) == (Decimal("0.7000"), 3)
    assert two["analysed_at"] == second["analysed_at"] + timedelta(hours=72)

    # a late delivery, loaded after the first batch though analysed before it: the latest analysis
    # still wins, whatever the load order (rebuilding from scratch in one run gives the same view)
    lab.write_samples(delivery.landing / "late" / "rq_000000.avro", [reassay(third, -24, "0.4000")], 1)
    delivery.load()
    got = check_view(delivery)
    assert got[third["sample_code"]]["versions_loaded"] == 2
    assert got[third["sample_code"]]["cu_pct"] == third["cu_pct"]
    assert got[third["sample_code"]]["analysed_at"] == third["analysed_at"]


def test_a_v1_raw_table_builds_the_view_and_v2_fields_appear_after_a_v2_load(delivery):
    lab.generate(delivery.landing / "v1", files=2, samples=20, schema_version=1)
    delivery.load()
    apply(delivery.warehouse_url)
    check_view(delivery)
    before = columns(delivery.warehouse_url)
    assert not set(V2_FIELDS) & set(before)

    lab.generate(delivery.landing / "v2", files=2, samples=20, schema_version=2, seed=8)
    delivery.load()  # the loader adds ag_g_t, moisture_pct and weathering to raw, and widens mo_ppm
    assert set(V2_FIELDS) <= set(columns(delivery.warehouse_url))  # even before the view is applied again
    apply(delivery.warehouse_url)
    got = check_view(delivery)
    after = columns(delivery.warehouse_url)
    names = list(after)
    # the new columns come through unchanged, after the model's own and before the lineage
    assert names[names.index("turnaround_days") + 1:names.index("versions_loaded")] == list(V2_FIELDS)
    assert (after["ag_g_t"], after["moisture_pct"], after["weathering"]) == ("DECIMAL(9,3)", "DOUBLE", "VARCHAR")
    assert after["mo_ppm"] == "DECIMAL(12,1)" and before["mo_ppm"] == "DECIMAL(9,1)"
    assert {k: v for k, v in after.items() if k not in V2_FIELDS and k != "mo_ppm"} == {
        k: v for k, v in before.items() if k != "mo_ppm"}
    from_v2 = [r for r in got.values() if "/v2/" in r["source_file"]]
    from_v1 = [r for r in got.values() if "/v1/" in r["source_file"]]
    assert from_v1 and all(r["ag_g_t"] is None and r["weathering"] is None for r in from_v1)
    assert from_v2 and sum(r["ag_g_t"] is not None for r in from_v2) > len(from_v2) // 2
    assert {r["weathering"] for r in from_v2} > {"FRESH"}


def test_the_model_waits_until_the_lab_files_are_loaded(warehouse_url):
    assert apply_models(warehouse_url, select=MODEL) == []  # no raw_vendor yet: skipped, not failed


def test_the_model_renders_for_duckdb_and_bigquery(rendering):
    (model,) = [m for m in discover() if m.name == MODEL]
    assert model.source == "vendor" and model.dataset == "staging"
    duck = rendering.render(f"staging.{MODEL}").sql(dialect="duckdb")
    assert '"s".* EXCLUDE ("sample_code", "sample_id",' in duck and ".* EXCEPT (" not in duck  # BigQuery's EXCEPT
    # the UTC day of reported_at, whatever the session's time zone (not CAST(reported_at AS DATE))
    assert 'CAST("s"."reported_at" AS TIMESTAMPTZ) AT TIME ZONE \'UTC\'' in duck

    statement = rendering.render(f"staging.{MODEL}").sql(dialect="bigquery")
    tree = sqlglot.parse_one(statement, read="bigquery")
    tables = sorted({t.sql("bigquery") for t in tree.find_all(sqlglot.exp.Table)})
    assert tables == ["`latest` AS `s`", "`minera-prod`.`ops`.`loaded_files` AS `f`",
                      "`minera-prod`.`raw_vendor`.`rock_quality_samples` AS `rock_quality_samples`",
                      "`versions` AS `v`"]
    assert "`s`.* EXCEPT (`sample_code`, `sample_id`," in statement
    assert "DATE(DATETIME(`s`.`reported_at`, 'UTC'))" in statement
    names = [s.alias_or_name.lower() for s in tree.selects if s.alias_or_name != "*"]
    assert len(names) == len(set(names)) == 41  # BigQuery names ignore case: none twice
