"""The rock-quality lab simulator: files a real lab would send, on contract, reproducible, and broken on request."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import fastavro
import pytest

from pipelines.local import mine
from pipelines.simulate import rock_quality as rq

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = re.compile(r"(?P<lab>[a-z]+-[a-z]+)/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/rq_(?P<batch>\d{6})\.avro")
SCALES = {"from_m": 2, "to_m": 2, "density_g_cm3": 3, "cu_pct": 4, "au_g_t": 3, "mo_ppm": 1, "ag_g_t": 3,
          "cu_equivalent_pct": 12}


def read(path: Path) -> tuple[dict, list[dict]]:
    with path.open("rb") as f:
        reader = fastavro.reader(f)
        return reader.writer_schema, list(reader)


def field_types(schema: dict) -> dict:
    return {f["name"]: f["type"] for f in schema["fields"]}


def version_of(schema: dict) -> int:
    """What a loader has to go by: the writer schema in the file's header."""
    types = field_types(schema)
    assert types["point_load_is50_mpa"] == (["null", "double"] if "ag_g_t" in types else ["null", "float"])
    return 2 if "ag_g_t" in types else 1


def files_of(out: Path) -> list[Path]:
    return sorted(out.rglob("*.avro"))


def test_the_contract_comes_from_schemas_vendor():
    v1, v2 = rq.avro_schema(1), rq.avro_schema(2)
    fastavro.parse_schema(v1)
    fastavro.parse_schema(v2)
    names1, names2 = [f["name"] for f in v1["fields"]], [f["name"] for f in v2["fields"]]
    assert set(names2) - set(names1) == {"ag_g_t", "moisture_pct", "weathering"}
    assert field_types(v1)["mo_ppm"][1]["precision"] == 9 and field_types(v2)["mo_ppm"][1]["precision"] == 12
    rq.avro_schema(1)["fields"].clear()  # a fresh dict each call: callers may edit theirs
    assert rq.avro_schema(1) == v1
    with pytest.raises(ValueError, match="version 3"):
        rq.avro_schema(3)


def test_files_read_back_with_layout_rows_and_versions(tmp_path):
    written = rq.generate(tmp_path, files=4, samples=50, evolve=True, start=date(2026, 12, 30))
    assert [(f.kind, f.schema_version, f.rows) for f in written] == [("good", 1, 50)] * 2 + [("good", 2, 50)] * 2
    assert files_of(tmp_path) == sorted(f.path for f in written)
    for i, f in enumerate(written):
        match = LAYOUT.fullmatch(f.path.relative_to(tmp_path).as_posix())
        assert match, f.path
        day = date(2026, 12, 30) + timedelta(days=i)  # one batch a day, across the year end
        assert (int(match["y"]), int(match["m"]), int(match["d"])) == (day.year, day.month, day.day)
        assert int(match["batch"]) == i + 1
        schema, rows = read(f.path)
        assert version_of(schema) == f.schema_version and len(rows) == f.rows
        assert {r["lab"]["code"].lower() for r in rows} == {match["lab"]}
        assert {r["reported_at"].date() for r in rows} == {day}
        with f.path.open("rb") as fo:
            assert fastavro.reader(fo).codec == "deflate"
    summary = json.loads((tmp_path / rq.SUMMARY_NAME).read_text())
    assert summary["files"] == [{"path": f.path.relative_to(tmp_path).as_posix(), "kind": "good",
                                 "schema_version": f.schema_version, "rows": 50} for f in written]


def test_values_are_those_of_a_real_lab():
    records = rq.sample_records(1500, 2, seed=11, batch=3)
    assert len(records) == 1500 and len({r["sample_id"] for r in records}) == 1500
    holes = defaultdict(list)
    for r in records:
        holes[r["drill_hole_id"]].append(r)
    assert len(holes) >= 3
    below_surface = {}  # sample_code -> depth of the interval's top below the pre-mining surface, m
    for hole, samples in holes.items():
        assert re.fullmatch(r"[1-9]\d*", hole)  # the production app's hole_id as text
        pattern = mine.pattern_of(int(hole))
        depth_m = Decimal(pattern.depth_cm[int(hole) - pattern.first_hole_id]).scaleb(-2)
        for r in samples:
            assert Decimal("1.00") <= r["to_m"] - r["from_m"] <= Decimal("3.00")
            assert Decimal(0) <= r["from_m"] and r["to_m"] <= depth_m  # within the production hole
            assert r["sample_code"].startswith(hole + "-") and re.fullmatch(r"\d+-\d{3}", r["sample_code"])
            below_surface[r["sample_code"]] = mine.SURFACE_M - pattern.bench_level_m + r["from_m"]
        for above, below in zip(samples, samples[1:], strict=False):
            assert below["from_m"] == above["to_m"]  # contiguous down the hole
            assert int(below["sample_code"][-3:]) == int(above["sample_code"][-3:]) + 1
    by_rock = defaultdict(list)
    for r in records:
        by_rock[r["rock_type"]].append(r)
        if r["ucs_mpa"] is not None:
            low, high = rq.ROCK_TYPES[r["rock_type"]].ucs_mpa
            assert low * 0.97 <= r["ucs_mpa"] <= high * 1.03
        assert r["rqd_pct"] is None or 0 <= r["rqd_pct"] <= 100
        assert r["density_g_cm3"] is None or Decimal("2.45") <= r["density_g_cm3"] <= Decimal("2.95")
        assert r["cu_pct"] is None or Decimal("0.02") <= r["cu_pct"] <= Decimal("2.5")
        assert r["weathering"] in (None, "FRESH", "SLIGHT", "MODERATE", "HIGH")
        assert r["received_on"] < r["analysed_at"].date() and r["analysed_at"] < r["reported_at"]
        assert r["analysed_at"].tzinfo is not None and r["reported_at"].microsecond % 1000 == 0
        assert len(r["repeat_measurements"]) <= 3
        assert all(m["test"] in ("UCS", "IS50") for m in r["repeat_measurements"])
        if None not in (r["cu_pct"], r["au_g_t"], r["mo_ppm"]):
            expected = r["cu_pct"] + r["au_g_t"] * rq.AU_FACTOR + r["mo_ppm"] * rq.MO_FACTOR
            assert r["cu_equivalent_pct"] == expected.quantize(Decimal("1e-12"))
        else:
            assert r["cu_equivalent_pct"] is None
        for name, scale in rq_scales(r):
            assert r[name].as_tuple().exponent == -scale, (name, r[name])
    assert len(by_rock) == len(rq.ROCK_TYPES)

    def median(rock: str, key: str) -> float:
        return statistics.median(float(r[key]) for r in by_rock[rock] if r[key] is not None)

    assert median("HYDROTHERMAL_BRECCIA", "rqd_pct") < median("ANDESITE", "rqd_pct") < median("GRANODIORITE", "rqd_pct")
    assert median("DIORITE_PORPHYRY", "cu_pct") > 2 * median("DACITE", "cu_pct")
    assert median("HYDROTHERMAL_BRECCIA", "cu_pct") > 2 * median("DACITE", "cu_pct")
    both = [(r["ucs_mpa"], r["point_load_is50_mpa"]) for r in records if None not in (r["ucs_mpa"],
                                                                                      r["point_load_is50_mpa"])]
    assert statistics.correlation(*zip(*both, strict=True)) > 0.85
    assert 19 < statistics.median(u / i for u, i in both) < 25  # Is50 about UCS/22
    no_ucs = sum(r["ucs_mpa"] is None for r in records) / len(records)
    assert 0.01 < no_ucs < 0.06
    flags = [tuple(r["qa_flags"]) for r in records]
    assert 0.8 < flags.count(()) / len(flags) < 0.95
    assert {f for f in flags if f} == {("DUPLICATE",), ("REASSAY",), ("STANDARD_FAILED",), ("BLANK",)}
    assert {len(r["repeat_measurements"]) for r in records} == {0, 1, 2, 3}
    shallow = [r["weathering"] for r in records if below_surface[r["sample_code"]] < 80 and r["weathering"]]
    deep = [r["weathering"] for r in records if below_surface[r["sample_code"]] > 150 and r["weathering"]]
    assert shallow.count("FRESH") / len(shallow) < 0.5 < deep.count("FRESH") / len(deep)


def rq_scales(record: dict):
    return [(name, scale) for name, scale in SCALES.items() if record.get(name) is not None]


def test_v2_only_adds_to_the_same_samples():
    v1, v2 = rq.sample_records(80, 1, seed=5, batch=2), rq.sample_records(80, 2, seed=5, batch=2)
    for a, b in zip(v1, v2, strict=True):
        assert {k: v for k, v in b.items() if k not in ("ag_g_t", "moisture_pct", "weathering")} == a
    assert rq.sample_records(80, 1, seed=5, batch=3) != v1


@pytest.mark.parametrize("version", [1, 2])
def test_logical_types_round_trip(tmp_path, version):
    records = rq.sample_records(120, version, seed=3)
    path = tmp_path / "batch.avro"
    rq.write_samples(path, records, version, codec="null", seed=3)
    schema, rows = read(path)
    assert version_of(schema) == version and len(rows) == len(records)
    for written, back in zip(records, rows, strict=True):
        assert isinstance(back["sample_id"], uuid.UUID) and str(back["sample_id"]) == written["sample_id"]
        assert back["sample_id"].version == 4
        for name, scale in rq_scales(written):
            assert isinstance(back[name], Decimal) and back[name].as_tuple().exponent == -scale
        assert isinstance(back["received_on"], date) and not isinstance(back["received_on"], datetime)
        for t in [back["analysed_at"], back["reported_at"]] + [m["measured_at"] for m in back["repeat_measurements"]]:
            assert t.utcoffset() == timedelta(0)
        is50 = back.pop("point_load_is50_mpa")
        expected = dict(written, sample_id=uuid.UUID(written["sample_id"]))
        written_is50 = expected.pop("point_load_is50_mpa")
        if version == 1 and written_is50 is not None:  # a float in v1: 24 bits of mantissa
            assert is50 == pytest.approx(written_is50, rel=1e-6, abs=0)
        else:
            assert is50 == written_is50
        assert back == expected  # every other value exactly, microseconds of analysed_at included
    assert any(r["analysed_at"].microsecond % 1000 for r in rows)


@pytest.mark.slow
def test_same_arguments_same_bytes_in_any_process(tmp_path):
    kinds = list(rq.BROKEN_KINDS)
    rq.generate(tmp_path / "a", files=3, samples=40, evolve=True, broken=kinds, seed=9)
    subprocess.run([sys.executable, "-m", "pipelines.simulate.rock_quality", "--out", str(tmp_path / "b"),
                    "--files", "3", "--samples", "40", "--evolve", "--broken", ",".join(kinds), "--seed", "9"],
                   check=True, cwd=ROOT, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "123"})
    rq.generate(tmp_path / "c", files=3, samples=40, evolve=True, seed=9)  # no broken files
    rq.generate(tmp_path / "d", files=3, samples=40, evolve=True, broken=kinds, seed=10)

    def contents(out: Path) -> dict:
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    a, b, c, d = (contents(tmp_path / x) for x in "abcd")
    assert len(a) == 3 + len(kinds) + 1 and a == b  # hash seed and process do not matter
    assert all(a[name] == c[name] for name in c if name != rq.SUMMARY_NAME)  # broken files leave the good ones be
    assert all(a[name] != d.get(name) for name in a if name != rq.SUMMARY_NAME and a[name])
    good = [f["path"] for f in json.loads(a[rq.SUMMARY_NAME])["files"] if f["kind"] == "good"]
    assert len({a[name][-16:] for name in good}) == len(good)  # a sync marker of its own in each file


def test_every_broken_kind_is_really_broken(tmp_path):
    written = rq.generate(tmp_path, files=4, samples=60, evolve=True, broken=list(rq.BROKEN_KINDS), seed=7,
                          codec="null")
    broken = {f.kind: f for f in written if f.kind != "good"}
    assert list(broken) == list(rq.BROKEN_KINDS) and all(f.rows == 0 for f in broken.values())
    good_days = {f.path.parent for f in written if f.kind == "good"}
    for kind, f in broken.items():
        name = f.path.relative_to(tmp_path).as_posix()
        assert LAYOUT.fullmatch(name) and kind not in name  # named like any other delivery
        assert f.path.parent.relative_to(tmp_path).parts[1:] in {d.relative_to(tmp_path).parts[1:] for d in good_days}

    def intact(f: rq.GeneratedFile) -> bytes:
        """The file as the lab wrote it, before it broke."""
        m = LAYOUT.fullmatch(f.path.relative_to(tmp_path).as_posix())
        batch, day = int(m["batch"]) - 1, date(int(m["y"]), int(m["m"]), int(m["d"]))
        path = tmp_path / "intact" / f.path.name
        rq.write_samples(path, rq.sample_records(60, f.schema_version, 7, batch=batch, day=day), f.schema_version,
                         codec="null", seed=7)
        return path.read_bytes()

    for kind in ("truncated", "corrupt"):
        f = broken[kind]
        data, original = f.path.read_bytes(), intact(f)
        with f.path.open("rb") as fo:
            reader = fastavro.reader(fo)  # the header is intact: the damage shows in the data
            assert version_of(reader.writer_schema) == f.schema_version
            with pytest.raises((ValueError, EOFError)):
                list(reader)
        header_end = original.index(original[-16:]) + 16
        if kind == "truncated":
            assert header_end < len(data) < len(original) and original.startswith(data)
        else:
            diff = [i for i in range(len(data)) if data[i] != original[i]]
            assert len(data) == len(original) and 0 < len(diff) <= 8 and diff[0] > header_end

    not_avro = broken["not-avro"].path.read_bytes()
    assert not_avro.startswith("\ufeffsample_code;drill_hole_id;".encode()) and b"\r\n" in not_avro
    assert broken["empty"].path.stat().st_size == 0
    for kind in ("not-avro", "empty"):
        with broken[kind].path.open("rb") as fo, pytest.raises(ValueError):
            list(fastavro.reader(fo))

    schema, rows = read(broken["incompatible"].path)  # reads, but not on contract
    assert "sample_id" not in field_types(schema) and field_types(schema)["rqd_pct"] == ["null", "string"]
    assert len(rows) == 60 and all(r["rqd_pct"] is None or re.fullmatch(r"\d{1,3}%", r["rqd_pct"]) for r in rows)


def test_codecs_and_bad_arguments(tmp_path):
    records = rq.sample_records(30, 1, seed=1)
    assert rq.CODECS == ("null", "deflate", "snappy", "bzip2", "xz", "zstandard")  # the Avro specification's
    for codec in rq.CODECS:
        rq.write_samples(tmp_path / f"{codec}.avro", records, 1, codec=codec)
        with (tmp_path / f"{codec}.avro").open("rb") as fo:
            reader = fastavro.reader(fo)
            assert reader.codec == codec and len(list(reader)) == 30
    with pytest.raises(ValueError, match="codec"):
        rq.write_samples(tmp_path / "x.avro", records, 1, codec="lzo")
    with pytest.raises(ValueError, match="unknown broken"):
        rq.generate(tmp_path, broken=["mangled"])
    assert rq.sample_records(0, 1, seed=1) == []


def test_cli_writes_the_summary(tmp_path, capsys):
    assert rq.main(["--out", str(tmp_path), "--files", "2", "--samples", "10", "--schema_version", "2",
                    "--broken", "empty,incompatible", "--start", "2026-11-20", "--codec", "null"]) == 0
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and "2 good files (20 samples, v2)" in line and "empty,incompatible" in line
    summary = json.loads((tmp_path / "_generated.json").read_text())
    assert [(f["kind"], f["schema_version"], f["rows"]) for f in summary["files"]] == [
        ("good", 2, 10), ("good", 2, 10), ("empty", None, 0), ("incompatible", None, 0)]
    assert summary["files"][0]["path"] == "als-lim/2026/11/20/rq_000001.avro"
    assert all((tmp_path / f["path"]).is_file() for f in summary["files"])
    # finished uploads: modified an hour before they were written, past a loader's settle time
    written_at = (tmp_path / "_generated.json").stat().st_mtime
    assert all(written_at - 3601 < (tmp_path / f["path"]).stat().st_mtime < written_at - 3599
               for f in summary["files"])
    with pytest.raises(SystemExit):
        rq.main(["--out", str(tmp_path), "--broken", "mangled"])
    assert "mangled" in capsys.readouterr().err
