"""The rock-quality file load end to end: real Avro files, a real DuckDB warehouse, real S3 API server.

Each test lands files the way the lab does (``pipelines.simulate.rock_quality``), runs the
pipeline on the local Beam runner and checks the raw table, ``ops.loaded_files``,
``ops.rejected_files`` and the quarantine folder.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import logging
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import fastavro
import pytest

from pipelines.batch import rock_quality
from pipelines.batch.files.quarantine import FilesRejected
from pipelines.errors import ConfigError, PipelineError, SourceError
from pipelines.simulate import rock_quality as lab

pytestmark = pytest.mark.slow  # the file loader's runs

ROOT = Path(__file__).resolve().parent.parent
TABLE = "raw_vendor.rock_quality_samples"


def load(landing: Path, warehouse_url: str, tmp_path: Path, *extra: str, pattern: str = "**.avro"):
    return rock_quality.run([
        "--input", f"{landing}/{pattern}", "--warehouse", warehouse_url,
        "--staging_location", str(tmp_path / "staging"), "--quarantine_location", str(tmp_path / "quarantine"),
        *extra,
    ])


def rows(warehouse_url: str, sql: str) -> list[tuple]:
    with duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def count(warehouse_url: str, table: str = TABLE) -> int:
    return rows(warehouse_url, f"SELECT count(*) FROM {table}")[0][0]


def avro_rows(path: Path) -> list[dict]:
    with open(path, "rb") as f:
        return list(fastavro.reader(f))


@pytest.fixture
def landing(tmp_path) -> Path:
    return tmp_path / "landing"


def test_no_arguments_lands_sample_files_and_loads_them(minera_home):
    """The embedded default: sample lab files in the local landing folder, loaded into the local DuckDB."""
    outcomes = rock_quality.run([])
    url = f"duckdb://{minera_home / 'warehouse.duckdb'}"
    generated = json.loads((minera_home / "landing/vendor/rock_quality/_generated.json").read_text())
    files = generated["files"] if isinstance(generated, dict) else generated
    expected = sum(f["rows"] for f in files)
    assert expected > 0 and count(url) == expected
    assert len(outcomes) == len(files)
    assert rows(url, "SELECT count(*), count(DISTINCT content_sha256), min(version), max(version) "
                     "FROM ops.loaded_files") == [(len(files), len(files), 1, 1)]
    assert rows(url, "SELECT status, rows_loaded FROM ops.load_runs") == [("succeeded", expected)]


def test_avro_logical_types_land_as_exact_warehouse_types(landing, warehouse_url, tmp_path):
    lab.generate(landing, files=2, samples=40, schema_version=1)
    load(landing, warehouse_url, tmp_path)
    types = dict(rows(warehouse_url, "SELECT column_name, data_type FROM information_schema.columns "
                                     "WHERE table_schema = 'raw_vendor' AND table_name = 'rock_quality_samples'"))
    assert types["from_m"] == "DECIMAL(7,2)"
    assert types["cu_pct"] == "DECIMAL(9,4)"
    assert types["cu_equivalent_pct"] == "DECIMAL(30,12)"
    assert types["analysed_at"] == types["reported_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["received_on"] == "DATE"
    assert types["sample_id"] == types["rock_type"] == "VARCHAR"
    assert types["qa_flags"] == "VARCHAR[]"
    assert types["lab"].startswith("STRUCT(code VARCHAR")
    assert types["repeat_measurements"].startswith("STRUCT(") and types["repeat_measurements"].endswith("[]")
    assert "measured_at TIMESTAMP WITH TIME ZONE" in types["repeat_measurements"]
    assert types["_source_file"] == types["_source_sha256"] == "VARCHAR"

    # every value of one file, compared with what fastavro reads from it
    first = sorted(landing.rglob("*.avro"))[0]
    by_id = {str(r["sample_id"]): r for r in avro_rows(first)}
    got = rows(warehouse_url, "SELECT sample_id, from_m, cu_pct, au_g_t, cu_equivalent_pct, analysed_at, "
                              "received_on, reported_at, rock_type, qa_flags, lab, repeat_measurements, "
                              f"_source_file, _source_sha256 FROM {TABLE} WHERE _source_file = '{first}'")
    assert len(got) == len(by_id)
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    for (sample_id, from_m, cu, au, cueq, analysed, received, reported, rock, flags, lab_rec, repeats, src,
         sha) in got:
        want = by_id[sample_id]
        assert (from_m, cu, au, cueq) == (want["from_m"], want["cu_pct"], want["au_g_t"], want["cu_equivalent_pct"])
        assert isinstance(from_m, Decimal)
        assert analysed == want["analysed_at"] and reported == want["reported_at"]
        assert received == want["received_on"] and rock == want["rock_type"]
        assert flags == list(want["qa_flags"])
        assert lab_rec == dict(want["lab"])
        assert [r["value_mpa"] for r in repeats] == [r["value_mpa"] for r in want["repeat_measurements"]]
        assert [r["measured_at"] for r in repeats] == [r["measured_at"] for r in want["repeat_measurements"]]
        assert (src, sha) == (str(first), digest)


def test_rerun_loads_nothing_twice_and_reads_no_unchanged_file(landing, warehouse_url, tmp_path, caplog):
    lab.generate(landing, files=3, samples=30)
    load(landing, warehouse_url, tmp_path)
    before = count(warehouse_url)
    caplog.clear()
    caplog.set_level(logging.INFO, logger="pipelines")
    outcomes = load(landing, warehouse_url, tmp_path)
    assert outcomes == []  # nothing to read: path, size and modification time all match the manifest
    assert count(warehouse_url) == before
    assert count(warehouse_url, "ops.loaded_files") == 3
    assert "3 unchanged since loaded" in caplog.text


def test_same_content_under_another_name_or_uploaded_again_is_skipped(landing, warehouse_url, tmp_path):
    lab.generate(landing, files=2, samples=30)
    load(landing, warehouse_url, tmp_path)
    before = count(warehouse_url)
    first, second = sorted(landing.rglob("*.avro"))
    shutil.copy2(first, first.with_name("copy_of_" + first.name))  # the same file again, another name
    data, delivered = second.read_bytes(), second.stat().st_mtime
    second.unlink()
    second.write_bytes(data)  # re-uploaded: same name and content, another modification time
    os.utime(second, (delivered + 600, delivered + 600))
    outcomes = load(landing, warehouse_url, tmp_path)
    assert sorted(o.status for o in outcomes) == ["known", "known"]
    assert count(warehouse_url) == before
    assert count(warehouse_url, "ops.loaded_files") == 2


def test_changed_file_under_the_same_name_is_a_new_version_and_flagged(landing, warehouse_url, tmp_path):
    lab.generate(landing, files=1, samples=20)
    (path,) = landing.rglob("*.avro")
    load(landing, warehouse_url, tmp_path)
    old_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    records = avro_rows(path)
    records[0]["cu_pct"] = Decimal("1.2345")  # the lab re-issued the batch with a corrected assay
    lab.write_samples(path, records, schema_version=1)
    load(landing, warehouse_url, tmp_path)
    manifest = rows(warehouse_url, "SELECT version, replaces_sha256, rows FROM ops.loaded_files ORDER BY version")
    assert manifest == [(1, None, 20), (2, old_hash, 20)]
    assert count(warehouse_url) == 40  # both versions are kept raw; staging keeps the newest
    assert rows(warehouse_url, f"SELECT count(DISTINCT _source_sha256) FROM {TABLE}")[0][0] == 2


def test_bad_files_are_quarantined_and_recorded_while_good_files_load(landing, warehouse_url, tmp_path):
    generated = lab.generate(landing, files=3, samples=25,
                             broken=["truncated", "corrupt", "not-avro", "empty", "incompatible"])
    good = [g for g in generated if g.kind == "good"]
    with pytest.raises(FilesRejected) as failure:
        load(landing, warehouse_url, tmp_path, pattern="**")
    assert "5 of 8 file(s) rejected" in str(failure.value)
    assert count(warehouse_url) == sum(g.rows for g in good)
    rejected = rows(warehouse_url, "SELECT path, kind, reason, quarantined_to, content_sha256 FROM ops.rejected_files")
    by_kind = {kind: (path, reason, copy, sha) for path, kind, reason, copy, sha in rejected}
    assert set(by_kind) == {"truncated", "corrupt", "not_avro", "empty", "incompatible_schema"}
    assert "rqd_pct" in by_kind["incompatible_schema"][1]
    assert "0 bytes" in by_kind["empty"][1]
    for path, _reason, copy, sha in by_kind.values():
        assert Path(copy).read_bytes() == Path(path).read_bytes()  # the exact bytes, for a person to inspect
        assert copy.startswith(str(tmp_path / "quarantine"))
        assert sha == hashlib.sha256(Path(path).read_bytes()).hexdigest()

    # the next run does not load, record or quarantine them again, and fails again while they are there
    with pytest.raises(FilesRejected, match=r"5 of 8 file\(s\) rejected \(5 already in ops.rejected_files"):
        load(landing, warehouse_url, tmp_path, pattern="**")
    assert count(warehouse_url, "ops.rejected_files") == 5
    assert count(warehouse_url) == sum(g.rows for g in good)


def test_cli_exit_status_says_files_were_rejected(landing, tmp_path, warehouse_url):
    lab.generate(landing, files=1, samples=10, broken=["not-avro"])

    def cli() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipelines.batch.rock_quality", "--input", f"{landing}/**",
             "--warehouse", warehouse_url, "--staging_location", str(tmp_path / "staging"),
             "--quarantine_location", str(tmp_path / "quarantine")],
            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)

    result = cli()
    assert result.returncode == 3, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: 1 of 2 file(s) rejected") and "not an Avro file" in last
    assert count(warehouse_url) == 10
    rerun = cli()  # a scheduler's rerun: the bad file is still there, so the run is not green
    assert rerun.returncode == 3, rerun.stderr
    assert rerun.stderr.strip().splitlines()[-1].startswith(
        "error: 1 of 2 file(s) rejected (1 already in ops.rejected_files: replace or remove them)")
    assert count(warehouse_url) == 10 and count(warehouse_url, "ops.rejected_files") == 1


def test_schema_evolution_adds_columns_and_widens_types(landing, warehouse_url, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="pipelines")
    lab.generate(landing / "v1", files=2, samples=20, schema_version=1)
    load(landing, warehouse_url, tmp_path)
    lab.generate(landing / "v2", files=2, samples=20, schema_version=2, seed=8)
    load(landing, warehouse_url, tmp_path)
    types = dict(rows(warehouse_url, "SELECT column_name, data_type FROM information_schema.columns "
                                     "WHERE table_name = 'rock_quality_samples'"))
    assert types["ag_g_t"] == "DECIMAL(9,3)" and types["weathering"] == "VARCHAR"
    assert types["mo_ppm"] == "DECIMAL(12,1)"
    by_version = rows(warehouse_url, f"SELECT _source_file LIKE '%/v2/%', count(*), count(ag_g_t), "
                                     f"count(moisture_pct) FROM {TABLE} GROUP BY 1 ORDER BY 1")
    assert by_version[0] == (False, 40, 0, 0)  # version-1 rows read NULL in the new columns
    assert by_version[1][:2] == (True, 40) and by_version[1][2] > 0
    assert "new column ag_g_t" in caplog.text and "mo_ppm widened" in caplog.text


def test_one_run_with_both_versions_stages_old_files_in_the_new_schema(landing, warehouse_url, tmp_path):
    lab.generate(landing, files=4, samples=15, evolve=True)
    load(landing, warehouse_url, tmp_path)
    assert rows(warehouse_url, f"SELECT count(*), count(ag_g_t) > 0, count(DISTINCT _source_file) FROM {TABLE}") \
        == [(60, True, 4)]


def test_a_glob_that_matches_nothing_is_an_error(tmp_path, warehouse_url):
    with pytest.raises(SourceError, match="no files match"):
        load(tmp_path / "nowhere", warehouse_url, tmp_path)


def test_a_failed_commit_leaves_nothing_and_the_rerun_loads_each_file_once(landing, warehouse_url, tmp_path,
                                                                          monkeypatch):
    lab.generate(landing, files=3, samples=10)
    from pipelines.warehouse.duckdb_warehouse import DuckDBWarehouse

    original = DuckDBWarehouse._insert_ops_rows

    def crash(con, table, rows_):
        if table == "loaded_files":
            raise OSError("disk full while writing the manifest")
        return original(con, table, rows_)

    monkeypatch.setattr(DuckDBWarehouse, "_insert_ops_rows", staticmethod(crash))
    with pytest.raises(PipelineError, match="disk full"):
        load(landing, warehouse_url, tmp_path)
    assert rows(warehouse_url, "SELECT count(*) FROM information_schema.tables "
                               "WHERE table_name = 'rock_quality_samples'") == [(0,)]  # created in the rolled-back load
    assert count(warehouse_url, "ops.loaded_files") == 0
    assert rows(warehouse_url, "SELECT status, error FROM ops.load_runs") == [
        ("failed", "disk full while writing the manifest")]
    monkeypatch.setattr(DuckDBWarehouse, "_insert_ops_rows", staticmethod(original))
    load(landing, warehouse_url, tmp_path)
    load(landing, warehouse_url, tmp_path)
    assert count(warehouse_url) == 30
    assert rows(warehouse_url, f"SELECT count(*) FROM (SELECT sample_id FROM {TABLE} GROUP BY 1 HAVING count(*) > 1)"
                ) == [(0,)]


def test_a_second_run_racing_on_the_same_file_commits_nothing(landing, warehouse_url, tmp_path, monkeypatch):
    """Two runs that both staged a file: the second to commit finds it in ops.loaded_files and rolls back."""
    lab.generate(landing, files=1, samples=10)
    from pipelines.warehouse.base import Warehouse

    monkeypatch.setattr(Warehouse, "loaded_files", lambda self, target: [])  # both runs start before either commits
    load(landing, warehouse_url, tmp_path)  # run 1 commits
    with pytest.raises(PipelineError, match="was loaded meanwhile by run"):
        load(landing, warehouse_url, tmp_path)  # run 2 saw an empty manifest when it started
    assert count(warehouse_url) == 10


def test_s3_input_through_a_real_s3_api_server(s3_server, s3_client, tmp_path, warehouse_url):
    local = tmp_path / "lab"
    generated = lab.generate(local, files=2, samples=15, broken=["truncated"])
    s3_client.create_bucket(Bucket="andes-lab-exports")
    for g in generated:
        s3_client.upload_file(str(g.path), "andes-lab-exports", "rq/" + g.path.relative_to(local).as_posix())
    argv = ["--input", "s3://andes-lab-exports/rq/**.avro", "--s3_endpoint_url", s3_server,
            "--warehouse", warehouse_url, "--staging_location", str(tmp_path / "staging"),
            "--quarantine_location", str(tmp_path / "quarantine")]
    # the objects were uploaded just now (LastModified): a settle time leaves them for a later run
    assert rock_quality.run([*argv, "--settle_seconds", "600"]) == []
    assert count(warehouse_url, "ops.loaded_files") == count(warehouse_url, "ops.rejected_files") == 0
    with pytest.raises(FilesRejected, match="truncated"):
        rock_quality.run([*argv, "--settle_seconds", "0"])  # an object appears whole: nothing to wait for
    assert count(warehouse_url) == 30
    paths = [r[0] for r in rows(warehouse_url, "SELECT path FROM ops.loaded_files ORDER BY path")]
    assert len(paths) == 2 and all(p.startswith("s3://andes-lab-exports/rq/") for p in paths)
    ((copy,),) = rows(warehouse_url, "SELECT quarantined_to FROM ops.rejected_files")
    bad = next(g for g in generated if g.kind == "truncated")
    assert Path(copy).read_bytes() == bad.path.read_bytes()
    assert copy == str(tmp_path / "quarantine" / copy.split("/quarantine/")[1].split("/")[0] /
                       bad.path.relative_to(local))  # <quarantine>/<run id>/<path under the glob's folder>


def test_unreachable_s3_endpoint_is_one_line_error(tmp_path, warehouse_url, s3_env):
    with pytest.raises(SourceError, match="cannot list s3://andes-lab-exports"):
        rock_quality.run(["--input", "s3://andes-lab-exports/rq/**.avro", "--s3_endpoint_url", "http://127.0.0.1:9",
                          "--warehouse", warehouse_url, "--staging_location", str(tmp_path / "staging")])


def test_fastavro_reads_what_the_quarantine_kept_bit_for_bit(landing, warehouse_url, tmp_path):
    """A corrupt file's copy is the file as landed: a person can open it with any Avro tool up to the damage."""
    lab.generate(landing, files=1, samples=10, broken=["corrupt"])
    with pytest.raises(FilesRejected):
        load(landing, warehouse_url, tmp_path, pattern="**.avro")
    ((copy, reason),) = rows(warehouse_url, "SELECT quarantined_to, reason FROM ops.rejected_files")
    assert reason.startswith(("corrupt Avro data", "truncated Avro file"))
    with pytest.raises(Exception):  # noqa: B017 - fastavro raises several types for bad blocks
        list(fastavro.reader(io.BytesIO(Path(copy).read_bytes())))


def test_a_field_added_inside_a_record_alters_the_struct_column(landing, warehouse_url, tmp_path):
    lab.generate(landing / "before", files=1, samples=10, schema_version=1)
    load(landing, warehouse_url, tmp_path)
    schema = lab.avro_schema(1)
    lab_field = next(f for f in schema["fields"] if f["name"] == "lab")
    lab_field["type"]["fields"].append({"name": "city", "type": ["null", "string"], "default": None})
    records = lab.sample_records(5, schema_version=1, seed=11, batch=9)
    for record in records:
        record["lab"] = {**record["lab"], "city": "Lima"}
    (landing / "after").mkdir()
    with open(landing / "after" / "rq_city.avro", "wb") as out:
        fastavro.writer(out, fastavro.parse_schema(schema), records)
    lab.mark_delivered(landing / "after" / "rq_city.avro")
    load(landing, warehouse_url, tmp_path)
    (lab_type,) = rows(warehouse_url, "SELECT data_type FROM information_schema.columns "
                                      "WHERE table_name = 'rock_quality_samples' AND column_name = 'lab'")[0]
    assert lab_type.endswith("city VARCHAR)")
    assert rows(warehouse_url, f"SELECT lab.city, count(*) FROM {TABLE} GROUP BY 1 ORDER BY 1 NULLS FIRST") == [
        (None, 10), ("Lima", 5)]


def test_a_missing_bucket_is_one_line_error_naming_it(s3_server, s3_env, tmp_path, warehouse_url):
    with pytest.raises(SourceError, match=r"cannot list s3://no-such-lab-bucket/rq/\*\*\.avro: "
                                          r"s3://no-such-lab-bucket at http://127\.0\.0\.1:\d+ answered NoSuchBucket"):
        rock_quality.run(["--input", "s3://no-such-lab-bucket/rq/**.avro", "--s3_endpoint_url", s3_server,
                          "--warehouse", warehouse_url, "--staging_location", str(tmp_path / "staging")])


def test_full_refresh_rebuilds_the_table_and_its_manifest_from_the_files_there_now(landing, warehouse_url,
                                                                                    tmp_path):
    generated = lab.generate(landing, files=3, samples=10)
    load(landing, warehouse_url, tmp_path)
    gone = generated[0].path
    gone.unlink()  # the lab withdrew a file: only a full refresh forgets its rows
    load(landing, warehouse_url, tmp_path, "--full_refresh")
    assert count(warehouse_url) == 20
    assert rows(warehouse_url, f"SELECT count(*) FROM {TABLE} WHERE _source_file = '{gone}'") == [(0,)]
    assert rows(warehouse_url, "SELECT count(*), min(version), max(version), count(DISTINCT run_id) "
                               "FROM ops.loaded_files") == [(2, 1, 1, 1)]
    load(landing, warehouse_url, tmp_path)  # and the next ordinary run finds everything loaded
    assert count(warehouse_url) == 20


def test_start_and_end_pick_files_by_modification_time(landing, warehouse_url, tmp_path):
    generated = lab.generate(landing, files=3, samples=10)
    for day, g in enumerate(generated, start=1):
        stamp = datetime(2026, 11, day, 12, tzinfo=timezone.utc).timestamp()
        os.utime(g.path, (stamp, stamp))
    load(landing, warehouse_url, tmp_path, "--start", "2026-11-02", "--end", "2026-11-03T00:00:00Z")
    assert rows(warehouse_url, "SELECT path FROM ops.loaded_files") == [(str(generated[1].path),)]
    with pytest.raises(ConfigError, match="bad --start 'last week'"):
        load(landing, warehouse_url, tmp_path, "--start", "last week")
    with pytest.raises(SourceError, match=r"modified in \[2027-01-01"):
        load(landing, warehouse_url, tmp_path, "--start", "2027-01-01")


def test_an_s3_secret_on_the_command_line_is_refused_without_echoing_it(tmp_path, warehouse_url):
    with pytest.raises(ConfigError, match="AWS_SECRET_ACCESS_KEY in the environment") as refused:
        rock_quality.run(["--input", "s3://andes-lab-exports/rq/**.avro", "--s3_access_key_id", "lab-reader",
                          "--s3_secret_access_key", "hunter2-lab", "--warehouse", warehouse_url])
    assert "hunter2" not in str(refused.value)


# -- every Avro codec; a codec this machine lacks -------------------------------------------------

def test_every_codec_of_the_avro_specification_loads_exactly(landing, warehouse_url, tmp_path):
    """null, deflate, snappy, bzip2, xz and zstandard: each file's rows land, value for value."""
    files = {}
    for seed, codec in enumerate(lab.CODECS, start=20):
        (written,) = lab.generate(landing / codec, files=1, samples=25, codec=codec, seed=seed)
        with written.path.open("rb") as f:
            assert fastavro.reader(f).codec == codec
        files[codec] = written.path
    assert set(files) == {"null", "deflate", "snappy", "bzip2", "xz", "zstandard"}
    outcomes = load(landing, warehouse_url, tmp_path)
    assert sorted(o.status for o in outcomes) == ["staged"] * 6
    assert count(warehouse_url, "ops.rejected_files") == 0
    for codec, path in files.items():
        want = {str(r["sample_id"]): (r["cu_pct"], r["analysed_at"], list(r["qa_flags"])) for r in avro_rows(path)}
        got = rows(warehouse_url, f"SELECT sample_id, cu_pct, analysed_at, qa_flags FROM {TABLE} "
                                  f"WHERE _source_file = '{path}'")
        assert {sample_id: (cu, at, flags) for sample_id, cu, at, flags in got} == want, codec
        assert len(got) == 25, codec


NO_CODEC_LIBRARIES = (  # a machine where cramjam and backports.zstd were never installed (nor python-snappy)
    "import sys; sys.modules.update(dict.fromkeys(['cramjam', 'backports.zstd']));"
    "from pipelines.batch.rock_quality import main; from pipelines.errors import exit_process;"
    "exit_process(main(sys.argv[1:]))"
)


def test_a_codec_this_machine_cannot_decode_is_named_not_rejected_and_loads_once_it_can(landing, warehouse_url,
                                                                                        tmp_path):
    assert importlib.util.find_spec("snappy") is None  # python-snappy, fastavro's other snappy library
    (plain,) = lab.generate(landing / "deflate", files=1, samples=10, codec="deflate", seed=1)
    (snappy,) = lab.generate(landing / "snappy", files=1, samples=10, codec="snappy", seed=2)
    (zstd,) = lab.generate(landing / "zstandard", files=1, samples=10, codec="zstandard", seed=3)
    argv = ["--input", f"{landing}/**.avro", "--warehouse", warehouse_url, "--staging_location",
            str(tmp_path / "staging"), "--quarantine_location", str(tmp_path / "quarantine")]
    result = subprocess.run([sys.executable, "-c", NO_CODEC_LIBRARIES, *argv], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: 2 of 3 file(s) not loaded: their codec is not supported on this machine"), last
    assert "Avro codec 'snappy' is not supported" in last and "cramjam" in last
    assert "corrupt" not in result.stderr.lower()
    assert rows(warehouse_url, "SELECT path FROM ops.loaded_files") == [(str(plain.path),)]
    assert count(warehouse_url, "ops.rejected_files") == 0  # the files are fine: nothing to quarantine
    assert not (tmp_path / "quarantine").exists()

    # on a machine with the libraries (this one), the next run loads them, once
    outcomes = load(landing, warehouse_url, tmp_path)
    assert sorted(o.path for o in outcomes if o.status == "staged") == sorted([str(snappy.path), str(zstd.path)])
    assert count(warehouse_url) == 30
    assert count(warehouse_url, "ops.loaded_files") == 3


# -- reruns while rejected files are still there --------------------------------------------------

def test_a_rerun_fails_while_a_rejected_file_is_there_and_passes_once_it_is_replaced(landing, warehouse_url,
                                                                                     tmp_path):
    generated = lab.generate(landing, files=2, samples=10, broken=["corrupt"])
    bad = next(g for g in generated if g.kind == "corrupt")
    with pytest.raises(FilesRejected, match=r"^1 of 3 file\(s\) rejected, the other good files loaded"):
        load(landing, warehouse_url, tmp_path)
    for _ in range(2):  # every rerun fails while the file is there; it is recorded and quarantined once
        with pytest.raises(FilesRejected, match=r"^1 of 3 file\(s\) rejected \(1 already in ops.rejected_files: "
                                                r"replace or remove them\)") as failure:
            load(landing, warehouse_url, tmp_path)
        assert failure.value.exit_code == 3 and str(bad.path) in str(failure.value)
    assert count(warehouse_url, "ops.rejected_files") == 1
    assert len(list((tmp_path / "quarantine").rglob("*.avro"))) == 1

    # the lab sends the batch again, readable: the run loads it and succeeds
    records = lab.sample_records(10, schema_version=1, seed=7, batch=99)
    lab.write_samples(bad.path, records, schema_version=1)
    outcomes = load(landing, warehouse_url, tmp_path)
    assert [(o.path, o.status, o.rows) for o in outcomes] == [(str(bad.path), "staged", 10)]
    assert count(warehouse_url) == 30


# -- files still being written ---------------------------------------------------------------------

def test_a_file_still_uploading_is_left_for_the_next_run_not_loaded_empty(landing, warehouse_url, tmp_path):
    """A header with no blocks yet, modified a moment ago: not a delivery of 0 rows."""
    (done,) = lab.generate(landing, files=1, samples=10)
    uploading = landing / "als-lim" / "2026" / "11" / "03" / "rq_000002.avro"
    lab.write_samples(uploading, [], schema_version=1)  # the header the lab's writer puts first
    now = datetime.now(timezone.utc).timestamp()
    os.utime(uploading, (now, now))  # ... just now
    outcomes = load(landing, warehouse_url, tmp_path, "--settle_seconds", "600")
    assert [(o.path, o.status) for o in outcomes] == [(str(done.path), "staged")]
    assert rows(warehouse_url, "SELECT path FROM ops.loaded_files") == [(str(done.path),)]
    assert count(warehouse_url, "ops.rejected_files") == 0

    records = lab.sample_records(15, schema_version=1, seed=7, batch=1)
    lab.write_samples(uploading, records, schema_version=1)  # the upload finished an hour ago
    load(landing, warehouse_url, tmp_path, "--settle_seconds", "600")
    assert rows(warehouse_url, f"SELECT version, rows, replaces_sha256 FROM ops.loaded_files "
                               f"WHERE path = '{uploading}'") == [(1, 15, None)]
    assert count(warehouse_url) == 25


def test_a_file_written_to_while_the_run_reads_it_is_left_for_the_next_run(landing, warehouse_url, tmp_path,
                                                                           monkeypatch):
    """An upload that stalled past the settle time and resumes during the run: nothing of it is
    loaded until it is whole, so it lands once, with all its rows."""
    from pipelines.batch.files import load as file_load

    records = lab.sample_records(30, schema_version=1, seed=7)
    path = landing / "rq_000001.avro"
    path.parent.mkdir(parents=True)
    out = path.open("wb")
    writer = fastavro.write.Writer(out, fastavro.parse_schema(lab.avro_schema(1)), codec="deflate")

    def write_block(batch: list[dict]) -> None:
        for record in batch:
            writer.write(record)
        writer.flush()
        out.flush()

    write_block(records[:10])  # header and a first block, then the upload stalls
    lab.mark_delivered(path)
    planned = file_load.plan_files

    def resume_upload_after_listing(*args, **kwargs):
        plan = planned(*args, **kwargs)
        write_block(records[10:20])  # the lab writes the next block while the run is reading
        return plan

    monkeypatch.setattr(file_load, "plan_files", resume_upload_after_listing)
    outcomes = load(landing, warehouse_url, tmp_path)
    assert [(o.status, o.rows) for o in outcomes] == [("unsettled", 0)]
    assert count(warehouse_url, "ops.loaded_files") == count(warehouse_url, "ops.rejected_files") == 0

    monkeypatch.setattr(file_load, "plan_files", planned)
    write_block(records[20:])
    out.close()
    lab.mark_delivered(path)
    load(landing, warehouse_url, tmp_path)
    assert rows(warehouse_url, "SELECT version, rows FROM ops.loaded_files") == [(1, 30)]
    assert count(warehouse_url) == 30


def test_a_negative_settle_time_is_refused(landing, warehouse_url, tmp_path):
    lab.generate(landing, files=1, samples=5)
    with pytest.raises(ConfigError, match="--settle_seconds -1 is negative"):
        load(landing, warehouse_url, tmp_path, "--settle_seconds", "-1")
