"""Simulate the rock-quality lab's deliveries: Avro files as the lab leaves them in its S3 bucket.

    python -m pipelines.simulate.rock_quality --out .local/vendor/rock_quality [--files 6] [--samples 200]
        [--schema_version 1|2] [--evolve] [--broken truncated,corrupt,not-avro,empty,incompatible]
        [--seed 7] [--start 2026-11-02] [--codec null|deflate|snappy|bzip2|xz|zstandard]

One file per lab batch, one batch a day from --start, under
``<out>/<lab code, lower case>/<YYYY>/<MM>/<DD>/rq_<batch, 6 digits>.avro``, written with the
contract in ``schemas/vendor/`` (v1 or v2; ``--evolve``: the first half of the files v1, the rest
v2). What is in a batch: contiguous 1-3 m intervals down some of the production app's drill holes
(the mine's patterns, ``pipelines.local.mine``: ``drill_hole_id`` is the hole_id as text, '1042',
``sample_code`` '1042-003' its third interval; every interval within the hole's depth), the
next holes in each batch, the lithology in runs; weathering (v2) by depth below the pre-mining
surface; strength by rock type (UCS, RQD lower in weak rock, Is50 about
UCS/22); density; assays (Cu lognormal, richer in porphyry and breccia, Au and Mo following it,
Cu equivalent on 12 decimals from a price deck); nulls where the lab did not run a test; QA flags;
repeat tests. ``--broken`` adds one file of each named kind, named like the good ones (a bucket
does not label them): ``truncated`` (an upload cut inside a data block), ``corrupt`` (bytes
flipped inside a data block), ``not-avro`` (a CSV export saved as .avro), ``empty`` (0 bytes),
``incompatible`` (valid Avro, but ``rqd_pct`` is text such as "85%" and there is no
``sample_id``). ``--codec`` is any codec of the Avro specification. The same arguments always
give the same bytes. Every file is stamped as an upload the lab finished an hour ago (its
modification time), so a loader's settle time does not hold it back. ``<out>/_generated.json``
lists every file written with its kind, schema version and the rows a loader should load.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import fastavro

from pipelines.local import mine
from pipelines.sources import avro

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "vendor"
SCHEMA_VERSIONS = (1, 2)
BROKEN_KINDS = ("truncated", "corrupt", "not-avro", "empty", "incompatible")
SUMMARY_NAME = "_generated.json"
DEFAULT_START = date(2026, 11, 2)
SYNC_SIZE = 16


CODECS = avro.CODECS  # every codec of the Avro specification
DELIVERED_AGO = timedelta(hours=1)  # when a generated file finished uploading, before now

SAMPLED_SHARE = 0.2  # of a pattern's holes, those whose cuttings go to the lab
WEATHERING = ("FRESH", "SLIGHT", "MODERATE", "HIGH")
QA_FLAGS = ((None, 0.88), ("DUPLICATE", 0.03), ("REASSAY", 0.03), ("STANDARD_FAILED", 0.02), ("BLANK", 0.04))
LABS = (
    {"code": "ALS-LIM", "name": "ALS Lima", "accreditation": "ISO/IEC 17025"},
    {"code": "SGS-AQP", "name": "SGS del Peru, Arequipa", "accreditation": None},
)
METHODS = {
    "UCS": {"code": "ISRM-UCS-2007", "name": "Uniaxial compressive strength (ISRM suggested method, 2007)",
            "instrument": "MTS 815 rock mechanics test system"},
    "IS50": {"code": "ASTM-D5731-16", "name": "Point load strength index (ASTM D5731-16)",
             "instrument": "Controls 45-D0550/E point load tester"},
}
# Price deck of the Cu equivalent: Cu 9,500 USD/t, Au 2,400 USD/oz, Mo 44,000 USD/t.
# 1 % Cu in a tonne is 10 kg = 95 USD; 1 g/t Au is 2400/31.1034768 USD; 1 ppm Mo is 0.044 USD.
AU_FACTOR = Decimal(2400) / Decimal("31.1034768") / Decimal(95)
MO_FACTOR = Decimal(44_000) / Decimal(1_000_000) / Decimal(95)


@dataclass(frozen=True)
class RockType:
    """How one lithology behaves in the lab: strength, fracturing, density and grade."""

    share: float  # of the core logged
    ucs_mpa: tuple[float, float]
    rqd_mean: float
    density: tuple[float, float]
    cu_median: float  # %
    au_median: float  # g/t
    mo_median: float  # ppm


ROCK_TYPES = {
    "ANDESITE": RockType(0.24, (80, 180), 66, (2.62, 2.82), 0.32, 0.06, 45),
    "DIORITE_PORPHYRY": RockType(0.20, (100, 200), 74, (2.64, 2.84), 0.62, 0.14, 170),
    "GRANODIORITE": RockType(0.15, (120, 220), 82, (2.62, 2.76), 0.26, 0.04, 90),
    "HYDROTHERMAL_BRECCIA": RockType(0.10, (30, 90), 36, (2.45, 2.72), 0.90, 0.28, 220),
    "DACITE": RockType(0.11, (70, 160), 60, (2.50, 2.70), 0.20, 0.05, 30),
    "TONALITE": RockType(0.10, (110, 200), 78, (2.64, 2.80), 0.28, 0.04, 60),
    "QUARTZ_MONZONITE": RockType(0.10, (100, 190), 74, (2.60, 2.76), 0.44, 0.07, 140),
}


@dataclass(frozen=True)
class GeneratedFile:
    """One file written; ``rows`` is what a loader should load from it (0 for a broken file)."""

    path: Path
    kind: str  # "good" or one of BROKEN_KINDS
    schema_version: int | None  # None when the file does not follow a contract version
    rows: int


def avro_schema(version: int) -> dict:
    """The lab's Avro contract, parsed from ``schemas/vendor/`` (the one copy of it): a fresh dict."""
    if version not in SCHEMA_VERSIONS:
        raise ValueError(f"unknown rock-quality schema version {version!r}; known: {SCHEMA_VERSIONS}")
    return json.loads((SCHEMA_DIR / f"rock_quality_sample.v{version}.avsc").read_text())


def _dec(value: float, places: int) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places))


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _lab(batch: int) -> dict:
    """Most batches go to ALS; every fourth to the overflow lab, which lists no accreditation."""
    return LABS[1] if batch % 4 == 3 else LABS[0]


def _ms(t: datetime) -> datetime:
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def _pick(rng: random.Random, weighted: Sequence[tuple]) -> object:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


@dataclass(frozen=True)
class Interval:
    """One interval of a production drill hole that the lab analyses (depths in centimetres)."""

    hole_id: int
    seq: int  # 1 for the top interval, then down the hole
    from_cm: int
    to_cm: int
    rock: str
    below_surface_cm: int  # depth of its top below the ground before mining: how weathered it is


def intervals(seed: int) -> Iterator[Interval]:
    """Every interval the lab analyses, in order: the mine's drill patterns one after the other
    (:mod:`pipelines.local.mine`), about one hole in five (``SAMPLED_SHARE``), each from just below its
    collar to its bottom in 1-3 m intervals, the lithology in runs. ``seed`` picks the holes and the
    intervals; the holes and their depths are the mine's."""
    rng = random.Random(f"rock-quality-holes:{seed}")
    names = list(ROCK_TYPES)
    shares = [ROCK_TYPES[n].share for n in names]
    for number in itertools.count(1):
        pattern = mine.pattern(number)
        collar_cm = (mine.SURFACE_M - pattern.bench_level_m) * 100
        for hole_id, depth_cm in zip(pattern.hole_ids, pattern.depth_cm, strict=True):
            if rng.random() >= SAMPLED_SHARE:
                continue
            from_cm, seq = rng.randrange(0, 101, 5), 1  # cuttings from below the collar's broken rock
            rock = rng.choices(names, shares)[0]
            while from_cm + 100 <= depth_cm:
                if rng.random() < 0.8:
                    to_cm = from_cm + rng.choice((100, 150, 200, 200, 200, 250, 300))
                else:  # an interval closed at a lithological contact
                    to_cm = from_cm + rng.randrange(100, 301)
                to_cm = min(to_cm, depth_cm)  # the last interval ends at the bottom of the hole
                if rng.random() < 0.07:
                    rock = rng.choices(names, shares)[0]
                yield Interval(hole_id, seq, from_cm, to_cm, rock, collar_cm + from_cm)
                from_cm, seq = to_cm, seq + 1


def sample_records(count: int, schema_version: int, seed: int, batch: int = 0, day: date | None = None
                   ) -> list[dict]:
    """The records of one lab batch reported on ``day`` (default: DEFAULT_START + ``batch`` days):
    intervals ``batch * count`` to ``(batch + 1) * count`` of :func:`intervals`, so batches of one size
    follow each other down the holes (a hole may continue in the next batch).

    The same (seed, batch) gives the same samples in v1 and v2: v2 only adds its fields (drawn
    from a separate generator) and keeps Is50 as a double instead of a float.
    """
    avro_schema(schema_version)  # validates the version
    day = day or DEFAULT_START + timedelta(days=batch)
    rng = random.Random(f"rock-quality:{seed}:{batch}")
    v2 = random.Random(f"rock-quality-v2:{seed}:{batch}")
    lab = _lab(batch)
    reported_at = datetime(day.year, day.month, day.day, 13, tzinfo=timezone.utc) + timedelta(
        milliseconds=rng.randrange(5 * 3600 * 1000))
    return [_record(rng, v2, schema_version, lab, reported_at, interval)
            for interval in itertools.islice(intervals(seed), batch * count, (batch + 1) * count)]


def _record(rng: random.Random, v2: random.Random, version: int, lab: dict, reported_at: datetime,
            interval: Interval) -> dict:
    kind = ROCK_TYPES[interval.rock]
    sample_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    low, high = kind.ucs_mpa
    ucs = rng.uniform(low, high) * rng.uniform(0.97, 1.03)
    strength = (ucs - low) / (high - low)  # 0..1 within the rock type
    rqd = _clamp(rng.gauss(kind.rqd_mean + 12 * (strength - 0.5), 13), 0, 100)
    is50 = ucs / 22 * rng.lognormvariate(0, 0.12)
    density = _clamp(rng.uniform(*kind.density), 2.45, 2.95)
    cu = _clamp(kind.cu_median * rng.lognormvariate(0, 0.7), 0.02, 2.5)
    au = _clamp(kind.au_median * (cu / kind.cu_median) ** 0.6 * rng.lognormvariate(0, 0.5), 0.005, 4.0)
    mo = _clamp(kind.mo_median * rng.lognormvariate(0, 0.8), 2.0, 3000.0)
    density = _clamp(density + 0.03 * cu, 2.45, 2.95)  # sulphides weigh
    not_run = {test: rng.random() < p for test, p in
               (("ucs", 0.03), ("is50", 0.04), ("rqd", 0.01), ("density", 0.02), ("cu", 0.005), ("au", 0.02),
                ("mo", 0.03))}
    cu_d, au_d, mo_d = _dec(cu, 4), _dec(au, 3), _dec(mo, 1)
    cu_eq = (cu_d + au_d * AU_FACTOR + mo_d * MO_FACTOR).quantize(Decimal(1).scaleb(-12))
    flag = _pick(rng, QA_FLAGS)
    analysed_at = reported_at - timedelta(microseconds=rng.randrange(6 * 3600 * 10**6, 3 * 86400 * 10**6))
    received_on = analysed_at.date() - timedelta(days=rng.randint(1, 10))
    ucs_value = None if not_run["ucs"] else round(ucs, 1)
    is50_value = None if not_run["is50"] else round(is50, 2)
    repeats = []
    for _ in range(_pick(rng, ((0, 0.72), (1, 0.17), (2, 0.07), (3, 0.04)))):
        test = "UCS" if rng.random() < 0.6 else "IS50"
        base = ucs if test == "UCS" else is50
        when = analysed_at + (reported_at - analysed_at) * rng.uniform(0.05, 0.95)
        repeats.append({"test": test, "value_mpa": round(base * rng.gauss(1, 0.05), 2), "measured_at": _ms(when)})
    method = dict(METHODS["UCS" if ucs_value is not None else "IS50"])
    if rng.random() < 0.1:
        method["instrument"] = None
    record = {
        "sample_id": sample_id,
        "sample_code": f"{interval.hole_id}-{interval.seq:03d}",
        "drill_hole_id": str(interval.hole_id),  # the mine's hole tag: the production app's hole_id as text
        "from_m": Decimal(interval.from_cm).scaleb(-2),
        "to_m": Decimal(interval.to_cm).scaleb(-2),
        "rock_type": interval.rock,
        "rqd_pct": None if not_run["rqd"] else round(rqd, 1),
        "ucs_mpa": ucs_value,
        "point_load_is50_mpa": is50_value,
        "density_g_cm3": None if not_run["density"] else _dec(density, 3),
        "cu_pct": None if not_run["cu"] else cu_d,
        "au_g_t": None if not_run["au"] else au_d,
        "mo_ppm": None if not_run["mo"] else mo_d,
        "cu_equivalent_pct": None if not_run["cu"] or not_run["au"] or not_run["mo"] else cu_eq,
        "qa_flags": [flag] if flag else [],
        "repeat_measurements": repeats,
        "analysed_at": analysed_at,
        "received_on": received_on,
        "reported_at": reported_at,
        "lab": dict(lab),
        "method": method,
    }
    if version >= 2:
        depth_m = interval.below_surface_cm / 100
        if depth_m < 30:
            weights = (0.10, 0.20, 0.35, 0.35)
        elif depth_m < 80:
            weights = (0.40, 0.40, 0.17, 0.03)
        else:
            weights = (0.82, 0.15, 0.03, 0.0)
        weathering = v2.choices(WEATHERING, weights)[0]
        moisture = {"FRESH": 0.3, "SLIGHT": 0.6, "MODERATE": 1.2, "HIGH": 2.4}[weathering]
        moisture *= (1.5 if interval.rock == "HYDROTHERMAL_BRECCIA" else 1.0) * v2.lognormvariate(0, 0.3)
        ag = _clamp(3.0 * cu * v2.lognormvariate(0, 0.5), 0.05, 60.0)
        record["ag_g_t"] = None if v2.random() < 0.02 else _dec(ag, 3)
        record["moisture_pct"] = None if v2.random() < 0.03 else round(moisture, 2)
        record["weathering"] = None if v2.random() < 0.05 else weathering
    return record


def _sync_marker(seed: int, name: str) -> bytes:
    """fastavro draws a random sync marker; a seeded one keeps the bytes reproducible."""
    return hashlib.sha256(f"rock-quality-sync:{seed}:{name}".encode()).digest()[:SYNC_SIZE]


def _key_order_fixed(node: object) -> object:
    """The parsed schema with its keys sorted: fastavro builds field dicts from a set, so their key
    order (and the schema JSON it writes in the header) would change with PYTHONHASHSEED."""
    if isinstance(node, dict):
        return {key: _key_order_fixed(node[key]) for key in sorted(node)}
    if isinstance(node, list):
        return [_key_order_fixed(item) for item in node]
    return node


def _avro_bytes(schema: dict, records: list[dict], codec: str, sync_marker: bytes) -> bytes:
    buffer = io.BytesIO()
    parsed = _key_order_fixed(fastavro.parse_schema(schema))
    fastavro.writer(buffer, parsed, records, codec=codec, sync_marker=sync_marker)
    return buffer.getvalue()


def mark_delivered(path: Path) -> None:
    """Stamp a file as an upload the lab finished ``DELIVERED_AGO``: its modification time is what
    a loader's settle time looks at (a file still changing is left for a later run)."""
    stamp = time.time() - DELIVERED_AGO.total_seconds()
    os.utime(path, (stamp, stamp))


def write_samples(path: Path, records: list[dict], schema_version: int, codec: str = "deflate", seed: int = 7
                  ) -> None:
    """Write ``records`` as the lab would (contract ``schema_version``), reproducibly for one seed;
    a finished upload (:func:`mark_delivered`)."""
    if codec not in CODECS:
        raise ValueError(f"codec {codec!r} is not an Avro codec; use one of {CODECS}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_avro_bytes(avro_schema(schema_version), records, codec, _sync_marker(seed, path.name)))
    mark_delivered(path)


def _read_long(data: bytes, pos: int) -> tuple[int, int]:
    """An Avro zig-zag varint at ``pos``: (value, position after it)."""
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), pos


def _data_blocks(data: bytes, sync: bytes) -> list[tuple[int, int]]:
    """(start, end) of each data block's payload: after its count and size, before its sync marker."""
    pos = data.index(sync) + SYNC_SIZE  # the header ends with the sync marker
    blocks = []
    while pos < len(data):
        _, pos = _read_long(data, pos)
        size, pos = _read_long(data, pos)
        blocks.append((pos, pos + size))
        pos += size + SYNC_SIZE
    return blocks


def _unreadable(data: bytes) -> bool:
    try:
        for _ in fastavro.reader(io.BytesIO(data)):
            pass
    except Exception:  # noqa: BLE001 - whatever fastavro raises, the file is unreadable, which is the point
        return True
    return False


def _truncated(data: bytes, sync: bytes) -> bytes:
    """An upload cut in the middle of a data block (the middle one of the file)."""
    blocks = _data_blocks(data, sync)
    start, end = blocks[len(blocks) // 2]
    cut = data[: (start + end) // 2]
    if not _unreadable(cut):
        raise RuntimeError("a truncated file that fastavro still reads: the simulator needs fixing")
    return cut


def _corrupt(data: bytes, sync: bytes) -> bytes:
    """Bytes flipped inside a data block; the first spot (in a fixed order) that fastavro cannot read."""
    blocks = _data_blocks(data, sync)
    start, end = blocks[len(blocks) // 2]
    for step in range(1, 8):
        at = start + (end - start) * step // 8
        flipped = bytearray(data)
        for i in range(at, min(at + 8, end)):
            flipped[i] ^= 0xA5
        if _unreadable(bytes(flipped)):
            return bytes(flipped)
    flipped = bytearray(data)  # flipped bytes that still decode: damage the block's sync marker too
    flipped[end] ^= 0xFF
    return bytes(flipped)


def _csv_export(records: list[dict]) -> bytes:
    """The same batch as someone's spreadsheet export: BOM, semicolons, decimal commas, CRLF."""
    columns = ("sample_code", "drill_hole_id", "from_m", "to_m", "rock_type", "rqd_pct", "ucs_mpa", "cu_pct",
               "au_g_t", "mo_ppm")
    lines = [";".join(columns)]
    for record in records:
        cells = ("" if record[c] is None else str(record[c]).replace(".", ",") for c in columns)
        lines.append(";".join(cells))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def _incompatible(records: list[dict], codec: str, sync: bytes) -> bytes:
    """A valid Avro file from a lab export gone wrong: RQD as text ("85%") and no sample_id."""
    schema = avro_schema(1)
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "sample_id"]
    for field in schema["fields"]:
        if field["name"] == "rqd_pct":
            field["type"] = ["null", "string"]
    rows = []
    for record in records:
        row = {k: v for k, v in record.items() if k != "sample_id"}
        row["rqd_pct"] = None if record["rqd_pct"] is None else f"{record['rqd_pct']:.0f}%"
        rows.append(row)
    return _avro_bytes(schema, rows, codec, sync)


def _broken_bytes(kind: str, records: list[dict], version: int, codec: str, sync: bytes) -> bytes:
    if kind == "not-avro":
        return _csv_export(records)
    if kind == "empty":
        return b""
    if kind == "incompatible":
        return _incompatible(records, codec, sync)
    intact = _avro_bytes(avro_schema(version), records, codec, sync)
    return _truncated(intact, sync) if kind == "truncated" else _corrupt(intact, sync)


def _file_path(out: Path, batch: int, day: date) -> Path:
    return (out / _lab(batch)["code"].lower() / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}"
            / f"rq_{batch + 1:06d}.avro")


def generate(out: Path, files: int = 6, samples: int = 200, schema_version: int = 1, evolve: bool = False,
             broken: Sequence[str] = (), seed: int = 7, start: date = DEFAULT_START, codec: str = "deflate"
             ) -> list[GeneratedFile]:
    """Write ``files`` good batches (one a day from ``start``) plus one file per ``broken`` kind.

    Broken files take the batch numbers after the good ones and are spread over the same days, so
    adding ``broken`` never changes the good files. ``evolve``: the first half (rounded up) of the
    files is v1, the rest v2. Also writes ``<out>/_generated.json``.
    """
    unknown = [k for k in broken if k not in BROKEN_KINDS]
    if unknown:
        raise ValueError(f"unknown broken kind(s) {unknown}; known: {', '.join(BROKEN_KINDS)}")
    if codec not in CODECS:
        raise ValueError(f"codec {codec!r} is not an Avro codec; use one of {CODECS}")
    if files < 0 or samples < 0:
        raise ValueError("files and samples must not be negative")
    avro_schema(schema_version)
    out = Path(out)

    def version_of(index: int) -> int:
        return (1 if index < (files + 1) // 2 else 2) if evolve else schema_version

    written: list[GeneratedFile] = []
    for batch in range(files):
        day = start + timedelta(days=batch)
        records = sample_records(samples, version_of(batch), seed, batch=batch, day=day)
        path = _file_path(out, batch, day)
        write_samples(path, records, version_of(batch), codec, seed)
        written.append(GeneratedFile(path, "good", version_of(batch), len(records)))
    kinds = list(dict.fromkeys(broken))
    for j, kind in enumerate(kinds):
        batch = files + j
        index = min(files - 1, (2 * j + 1) * files // (2 * len(kinds))) if files else j
        day, version = start + timedelta(days=index), version_of(index)
        path = _file_path(out, batch, day)
        records = sample_records(max(samples, 20), version, seed, batch=batch, day=day)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_broken_bytes(kind, records, version, codec, _sync_marker(seed, path.name)))
        mark_delivered(path)
        written.append(GeneratedFile(path, kind, version if kind in ("truncated", "corrupt") else None, 0))
    summary = {
        "seed": seed, "start": start.isoformat(), "codec": codec,
        "files": [{"path": f.path.relative_to(out).as_posix(), "kind": f.kind, "schema_version": f.schema_version,
                   "rows": f.rows} for f in written],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / SUMMARY_NAME).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.simulate.rock_quality",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="landing folder (the bucket's stand-in)")
    parser.add_argument("--files", type=int, default=6, help="good files, one lab batch a day")
    parser.add_argument("--samples", type=int, default=200, help="samples per good file")
    parser.add_argument("--schema_version", type=int, choices=SCHEMA_VERSIONS, default=1)
    parser.add_argument("--evolve", action="store_true", help="first half of the files v1, the rest v2")
    parser.add_argument("--broken", default="", help=f"comma-separated kinds among {','.join(BROKEN_KINDS)}")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START, help="day of the first batch")
    parser.add_argument("--codec", choices=CODECS, default="deflate")
    args = parser.parse_args(argv)
    broken = [k.strip() for k in args.broken.split(",") if k.strip()]
    unknown = [k for k in broken if k not in BROKEN_KINDS]
    if unknown:
        parser.error(f"--broken: unknown kind(s) {','.join(unknown)}; known: {','.join(BROKEN_KINDS)}")
    written = generate(Path(args.out), files=args.files, samples=args.samples, schema_version=args.schema_version,
                       evolve=args.evolve, broken=broken, seed=args.seed, start=args.start, codec=args.codec)
    good = [f for f in written if f.kind == "good"]
    versions = ",".join(f"v{v}" for v in sorted({f.schema_version for f in good}))
    print(f"{len(good)} good files ({sum(f.rows for f in good)} samples, {versions or 'none'}) and "
          f"{len(written) - len(good)} broken ({','.join(f.kind for f in written if f.kind != 'good') or 'none'}) "
          f"under {args.out}; listed in {Path(args.out) / SUMMARY_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
