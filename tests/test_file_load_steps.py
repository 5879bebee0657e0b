"""The file load's steps one at a time, without a warehouse or a launcher: option checks, the
plan made from the listing and the headers, and the Beam transform that stages each file.
The end-to-end behaviour (commit, quarantine, exit status) is tests/test_rock_quality_load.py's."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines.batch.files.listing import LandedFile, fixed_prefix, list_files, modified_between
from pipelines.batch.files.options import FileLoadOptions, refuse_bad_options
from pipelines.batch.files.plan import Rejection, plan_files, read_header
from pipelines.batch.files.transforms import SOURCE_FILE, StageFilesFn, StageLandedFiles, read_outcomes
from pipelines.errors import ConfigError
from pipelines.schema import BIGNUMERIC_PRECISION
from pipelines.simulate import rock_quality as lab


def landed(path: Path) -> LandedFile:
    return LandedFile(str(path), path.stat().st_size,
                      datetime.fromtimestamp(path.stat().st_mtime, timezone.utc))


def test_option_checks_refuse_a_secret_in_argv_and_a_negative_settle_time():
    argv = ["--s3_secret_access_key", "hunter2-lab"]
    with pytest.raises(ConfigError, match="AWS_SECRET_ACCESS_KEY in the environment") as refused:
        refuse_bad_options(argv, PipelineOptions(argv).view_as(FileLoadOptions))
    assert "hunter2" not in str(refused.value)
    argv = ["--settle_seconds", "-1"]
    with pytest.raises(ConfigError, match="--settle_seconds -1 is negative"):
        refuse_bad_options(argv, PipelineOptions(argv).view_as(FileLoadOptions))
    refuse_bad_options([], PipelineOptions([]).view_as(FileLoadOptions))  # the defaults pass


def test_listing_leaves_out_markers_and_start_end_select_by_modification_time(tmp_path):
    for name in ("b.avro", "a.avro", "_SUCCESS", ".c.avro.part"):
        (tmp_path / name).write_bytes(b"x")
    found = list_files(f"{tmp_path}/*")
    assert [Path(f.path).name for f in found] == ["a.avro", "b.avro"]
    assert fixed_prefix("s3://b/rq/**.avro") == "s3://b/rq/"
    day = datetime(2026, 11, 2, tzinfo=timezone.utc)
    files = [LandedFile("a", 1, day - timedelta(days=1)), LandedFile("b", 1, day), LandedFile("c", 1, None)]
    assert modified_between(files, "2026-11-02", "2026-11-03T00:00:00Z") == [files[1]]
    assert modified_between(files, None, None) == files
    with pytest.raises(ConfigError, match="bad --start 'last week'"):
        modified_between(files, "last week", None)
    with pytest.raises(ConfigError, match="is not before --end"):
        modified_between(files, "2026-11-03", "2026-11-02")


def test_headers_reject_empty_and_non_avro_files_and_read_the_writer_schema(tmp_path):
    empty, text, good = tmp_path / "empty.avro", tmp_path / "text.avro", tmp_path / "good.avro"
    empty.write_bytes(b"")
    text.write_bytes(b"sample_id,cu_pct\n1,0.5\n")
    lab.write_samples(good, lab.sample_records(3, schema_version=1, seed=7), schema_version=1)
    assert read_header(landed(empty)) == Rejection(landed(empty), "empty", "empty file (0 bytes)")
    rejection = read_header(landed(text))
    assert isinstance(rejection, Rejection) and rejection.kind == "not_avro"
    assert [f["name"] for f in read_header(landed(good))["fields"]] == [f["name"] for f in lab.avro_schema(1)["fields"]]


def test_the_plan_skips_unchanged_files_leaves_unsettled_ones_and_evolves_the_schema(tmp_path):
    v1, v2, late, bad = (tmp_path / n for n in ("v1.avro", "v2.avro", "late.avro", "bad.avro"))
    lab.write_samples(v1, lab.sample_records(3, schema_version=1, seed=7), schema_version=1)
    lab.write_samples(v2, lab.sample_records(3, schema_version=2, seed=8), schema_version=2)
    lab.write_samples(late, lab.sample_records(3, schema_version=1, seed=9), schema_version=1)
    bad.write_bytes(b"not avro")
    files = [landed(p) for p in (v1, v2, late, bad)]
    settled_before = max(f.modified_at for f in files[:2] + files[3:])
    files[2] = LandedFile(files[2].path, files[2].size, settled_before + timedelta(seconds=1))
    loaded = [{"path": files[0].path, "size_bytes": files[0].size, "modified_at": files[0].modified_at}]
    plan = plan_files(files, loaded, None, settled_before)
    assert plan.unchanged == [files[0]] and plan.unsettled == [files[2]]
    assert [(i, f.path) for i, f in plan.candidates] == [(0, files[1].path)]
    assert [(r.landed.path, r.kind) for r in plan.rejected] == [(files[3].path, "not_avro")]
    assert plan.schema is not None and {"ag_g_t"} <= {c.name for c in plan.schema.columns}


def test_stage_landed_files_stages_each_file_and_writes_its_outcome(tmp_path):
    good, known, bad = tmp_path / "good.avro", tmp_path / "known.avro", tmp_path / "bad.avro"
    lab.write_samples(good, lab.sample_records(5, schema_version=1, seed=7), schema_version=1)
    lab.write_samples(known, lab.sample_records(4, schema_version=1, seed=8), schema_version=1)
    data = good.read_bytes()
    bad.write_bytes(data[: len(data) - 40])  # cut in its last block
    plan = plan_files([landed(good), landed(known), landed(bad)], [], None)
    known_sha = hashlib.sha256(known.read_bytes()).hexdigest()
    prefix = str(tmp_path / "staging")
    fn = StageFilesFn(plan.schema, frozenset({known_sha}), prefix, BIGNUMERIC_PRECISION, "none")
    with test_pipeline.TestPipeline() as pipeline:
        outcomes = pipeline | StageLandedFiles(plan.candidates, fn)
        assert_that(outcomes | "Status" >> beam.Map(lambda o: (o.index, o.status, o.rows)),
                    equal_to([(0, "staged", 5), (1, "known", 0), (2, "rejected", 0)]))
    read = read_outcomes(prefix, 3)
    assert [(o.status, o.kind) for o in read] == [("staged", None), ("known", None), ("rejected", "truncated")]
    table = pq.read_table(read[0].staged)
    assert table.num_rows == 5 and set(table.column(SOURCE_FILE).to_pylist()) == {str(good)}
    assert [f["name"] for f in json.loads(read[0].file_schema)["fields"]] == \
        [f["name"] for f in lab.avro_schema(1)["fields"]]
