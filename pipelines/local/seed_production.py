"""Seed the local PostgreSQL with the mine's production app: deterministic, any scale.

``--scale`` is the row count of the largest table (``truck_loads``), from 10^4 to 10^7;
the other tables follow from it the way they do at a real open-pit mine (about 2,000
truck loads a day from a fleet of 60 haul trucks). Its machines are the mine's fleet
(``pipelines.local.fleet``, the ERP's equipment master): every haul truck, with its model and rated
payload; loads are taken by its shovels, holes drilled by its drills, and three of its crushers are
metered. A load's payload is the truck's rated payload times a fill factor of about 98 % (about
1.5 % of loads are above 110 %: overloads). Drill holes and blasts follow the mine's drill patterns
(``pipelines.local.mine``): blast N fires every hole of pattern N (``blasts.hole_ids``), one blast
every ``days / blasts`` days, its holes drilled in the 3.5 days before it; one more pattern is drilled
and not fired yet. A hole's pattern, bench, collar and depth are the mine's, the same at every
scale and seed (the lab's samples name these holes). The same ``--seed`` always gives the same rows,
so tests and benchmarks are repeatable::

    python -m pipelines.local.seed_production --scale 100000 --seed 7
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from importlib import resources

import numpy as np
import pyarrow as pa

from pipelines.local import mine, stack
from pipelines.local.fleet import FLEET

log = logging.getLogger(__name__)

EPOCH_END = datetime(2026, 11, 22, tzinfo=timezone.utc)
LOADS_PER_DAY = 2000
CHUNK_ROWS = 500_000
TRUCKS = FLEET.of_class("haul truck")
SHOVELS = FLEET.numbers("shovel")
DRILLS = FLEET.numbers("drill")
CRUSHERS = [m.fleet_number for m in FLEET.get("CR-PRIMARY-1", "CR-PRIMARY-2", "CR-SECONDARY-1")]  # metered ones
FILL_FACTOR = (0.98, 0.055, 0.5, 1.25)  # a load's payload / rated payload: mean, sd, floor, ceiling


def schema_sql() -> str:
    return resources.files("pipelines.local").joinpath("production_schema.sql").read_text()


def _us(ts: datetime) -> int:
    return int(ts.timestamp() * 1_000_000)


def _ts(values_us: np.ndarray) -> pa.Array:
    return pa.array(values_us.astype("int64"), type=pa.timestamp("us", tz="UTC"))


def _uuids(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    return [str(uuid.UUID(bytes=row.tobytes())) for row in raw]


class Seeder:
    """Writes each table as Arrow through ADBC's COPY, then casts into the real types."""

    def __init__(self, url: str, scale: int, seed: int):
        import adbc_driver_postgresql.dbapi as pgdb
        import psycopg

        self.conn = pgdb.connect(url, autocommit=True)
        self.sql = psycopg.connect(url, autocommit=True)
        with self.conn.cursor() as cur:  # the generator keeps keys consistent: skip FK triggers
            cur.execute("SET session_replication_role = replica")
        self.scale = scale
        self.seed = seed
        self.days = max(30, math.ceil(scale / LOADS_PER_DAY))
        self.start = EPOCH_END - timedelta(days=self.days)
        self.n_trucks = len(TRUCKS)
        self.blasts_fired = max(20, scale // 2000)

    def rng(self, table: str, chunk: int = 0) -> np.random.Generator:
        key = sum(ord(c) * 31**i for i, c in enumerate(table)) % (2**31)
        return np.random.default_rng([self.seed, key, chunk])

    def execute(self, sql: str) -> None:
        """Run SQL that may hold several statements (the simple query protocol allows it)."""
        self.sql.execute(sql)

    def ingest(self, table: str, data: pa.Table, casts: dict[str, str]) -> None:
        """COPY ``data`` into a scratch table, then INSERT ... SELECT with casts into ``table``."""
        scratch = f"_seed_{table}"
        with self.conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {scratch}")
            cur.adbc_ingest(scratch, data, mode="create", temporary=True)
            cols = ", ".join(f'"{c}"' for c in data.column_names)
            select = ", ".join(
                f'"{c}"::{casts[c]}' if c in casts else f'"{c}"' for c in data.column_names
            )
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {select} FROM {scratch}")
            cur.execute(f"DROP TABLE {scratch}")

    # -- tables -------------------------------------------------------------

    def shifts(self) -> None:
        rng = self.rng("shifts")
        n = self.days * 2
        ids = np.arange(1, n + 1)
        day = (ids - 1) // 2
        night = (ids - 1) % 2
        starts = np.array([_us(self.start) for _ in range(1)])[0] + day * 86_400_000_000 + (
            10 * 3_600_000_000 + night * 12 * 3_600_000_000
        )  # 07:00 / 19:00 local at UTC-3
        crews = np.array(list("ABCD"))[(day + night * 2) % 4]
        supervisors = np.array(["J. Rojas", "M. Araya", "P. Soto", "C. Muñoz", None], dtype=object)
        data = pa.table({
            "shift_id": pa.array(ids, pa.int32()),
            "shift_date": pa.array((starts // 86_400_000_000).astype("int32"), pa.date32()),
            "kind": np.where(night == 0, "day", "night"),
            "crew": crews,
            "local_start": pa.array(starts - 3 * 3_600_000_000, pa.timestamp("us")),
            "starts_at": _ts(starts),
            "ends_at": _ts(starts + 12 * 3_600_000_000),
            "supervisor": supervisors[rng.integers(0, len(supervisors), n)],
            "updated_at": _ts(starts + 12 * 3_600_000_000 + rng.integers(0, 3_600_000_000, n)),
        })
        self.ingest("shifts", data, {"kind": "shift_kind"})

    def trucks(self) -> None:
        rng = self.rng("trucks")
        n = self.n_trucks
        states = np.array(["operating"] * 8 + ["standby", "maintenance"])[rng.integers(0, 10, n)]
        attrs = [
            f'{{"tyre_size": "{t.purchase.tyre_size}", "autonomous": {str(bool(a)).lower()}, '
            f'"dispatch_group": {int(g)}}}'
            for t, a, g in zip(TRUCKS, rng.random(n) < 0.3, rng.integers(1, 5, n), strict=True)
        ]
        commissioned = _us(self.start) // 86_400_000_000 - rng.integers(100, 4000, n)
        data = pa.table({
            "truck_id": [t.fleet_number for t in TRUCKS],
            "model": [t.purchase.name for t in TRUCKS],
            "payload_capacity_t": [t.rated_payload_t for t in TRUCKS],
            "commissioned_on": pa.array(commissioned.astype("int32"), pa.date32()),
            "state": states,
            "engine_hours": np.round(rng.uniform(2_000, 80_000, n), 1),
            "attributes": attrs,
            "updated_at": _ts(np.full(n, _us(self.start)) + rng.integers(0, 86_400_000_000, n)),
        })
        self.ingest("trucks", data, {
            "payload_capacity_t": "numeric(6,1)", "state": "truck_state",
            "engine_hours": "numeric(9,1)", "attributes": "jsonb",
        })

    def truck_loads(self) -> None:
        for chunk, first in enumerate(range(0, self.scale, CHUNK_ROWS)):
            n = min(CHUNK_ROWS, self.scale - first)
            rng = self.rng("truck_loads", chunk)
            ids = np.arange(first + 1, first + n + 1, dtype="int64")
            span_us = self.days * 86_400_000_000
            loaded = _us(self.start) + (ids - 1) * (span_us // self.scale) + rng.integers(0, 60_000_000, n)
            shift_id = ((loaded - _us(self.start) - 10 * 3_600_000_000) // (12 * 3_600_000_000)).clip(0) + 1
            shift_id = shift_id.clip(1, self.days * 2)
            cycle = rng.gamma(9.0, 180.0, n).astype("int64") + 600
            dumped = loaded + cycle * 1_000_000
            material = np.array(["ore", "low_grade", "waste", "overburden"])[
                rng.choice(4, n, p=[0.35, 0.15, 0.4, 0.1])
            ]
            mean, sd, low, high = FILL_FACTOR
            fill = np.clip(rng.normal(mean, sd, n), low, high)
            grade = np.where(material == "ore", rng.lognormal(-0.6, 0.35, n), rng.lognormal(-2.5, 0.5, n))
            grade = np.round(np.clip(grade, 0, 9.9999), 4)
            grade_arr = pa.array(grade, mask=material == "overburden")
            reweighed = rng.random(n) < 0.03
            updated = dumped + rng.integers(1_000_000, 120_000_000, n)
            updated = np.where(reweighed, updated + rng.integers(3_600_000_000, 86_400_000_000 * 3, n), updated)
            updated = np.minimum(updated, _us(EPOCH_END) - 1_000_000)  # nothing is dated in the future
            in_progress = ids > self.scale - 40  # the last few loads are still hauling
            truck = rng.integers(0, self.n_trucks, n)
            payload = np.round(np.array([t.rated_payload_t for t in TRUCKS])[truck] * fill, 2)
            data = pa.table({
                "load_id": ids,
                "truck_id": np.array([t.fleet_number for t in TRUCKS])[truck],
                "shift_id": pa.array(shift_id, pa.int32()),
                "shovel_id": np.array(SHOVELS)[rng.integers(0, len(SHOVELS), n)],
                "material": material,
                "loaded_at": _ts(loaded),
                "dumped_at": pa.array(dumped, pa.timestamp("us", tz="UTC"), mask=in_progress),
                "payload_t": payload,
                "grade_cu_pct": grade_arr,
                "haul_distance_km": np.round(rng.uniform(0.8, 7.5, n), 3),
                "cycle_time_s": pa.array(cycle, pa.int32(), mask=in_progress),
                "fuel_used_l": pa.array(rng.gamma(6.0, 9.0, n).astype("float32")),
                "reweighed": reweighed,
                "ticket": _uuids(rng, n),
                "updated_at": _ts(updated),
            })
            self.ingest("truck_loads", data, {
                "material": "material_kind", "payload_t": "numeric(7,2)",
                "grade_cu_pct": "numeric(6,4)", "haul_distance_km": "numeric(6,3)", "ticket": "uuid",
            })
            log.info("truck_loads: %s of %s rows", first + n, self.scale)

    def fire_times(self) -> np.ndarray:
        """When blast N fires pattern N (microseconds), for the fired patterns and then the one drilled but
        not fired yet, planned just after EPOCH_END."""
        n = self.blasts_fired
        fired = _us(self.start) + np.arange(n, dtype="int64") * (self.days * 86_400_000_000 // n) + 16 * 3_600_000_000
        return np.append(fired, _us(EPOCH_END) + 6 * 3_600_000_000)

    def drill_holes(self) -> None:
        patterns = mine.patterns(self.blasts_fired + 1)  # the last one is drilled, not fired yet
        rng = self.rng("drill_holes")
        counts = np.array([len(p.depth_cm) for p in patterns])
        n = int(counts.sum())
        ids = np.arange(1, n + 1, dtype="int64")
        # a pattern's holes are drilled in id order, between 3.5 days and 6 hours before its blast
        fire = np.repeat(self.fire_times(), counts)
        drilled = fire - 84 * 3_600_000_000 + np.concatenate(
            [np.sort(rng.integers(0, 78 * 3_600_000_000, c)) for c in counts])
        photo = [bytes(rng.integers(0, 256, 24, dtype=np.uint8)) if p else None for p in rng.random(n) < 0.1]
        updated = np.minimum(drilled + rng.integers(60_000_000, 7_200_000_000, n), _us(EPOCH_END) - 1_000_000)
        data = pa.table({
            "hole_id": ids,
            "pattern": np.repeat([p.name for p in patterns], counts),
            "BenchLevel": pa.array(np.repeat([p.bench_level_m for p in patterns], counts), pa.int32()),
            "easting": np.concatenate([p.easting_m for p in patterns]),
            "northing": np.concatenate([p.northing_m for p in patterns]),
            "elevation": np.concatenate([p.elevation_m for p in patterns]),
            "depth_m": np.concatenate([p.depth_cm for p in patterns]) / 100,
            "diameter_mm": pa.array(rng.choice([251, 270, 311], n), pa.int16()),
            "drilled_at": _ts(drilled),
            "rig_id": np.array(DRILLS)[rng.integers(0, len(DRILLS), n)],
            "penetration_m_h": pa.array(rng.normal(38, 6, n), mask=rng.random(n) < 0.02),
            "water_encountered": pa.array(rng.random(n) < 0.12, mask=rng.random(n) < 0.05),
            "collar_photo": pa.array(photo, pa.binary()),
            "updated_at": _ts(updated),
        })
        self.ingest("drill_holes", data, {
            "easting": "numeric(10,3)", "northing": "numeric(10,3)",
            "elevation": "numeric(8,3)", "depth_m": "numeric(5,2)",
        })

    def blasts(self) -> None:
        n = self.blasts_fired
        patterns = mine.patterns(n)
        rng = self.rng("blasts")
        ids = np.arange(1, n + 1)
        fired = self.fire_times()[:n]
        holes = np.array([len(p.depth_cm) for p in patterns])
        tag_choices = ["presplit", "production", "trim", "buffer", "wet-holes", "near-wall"]
        data = pa.table({
            "blast_id": pa.array(ids, pa.int32()),
            "pattern": [p.name for p in patterns],  # blast N fires pattern N, every hole of it
            "fired_at": _ts(fired),
            "fire_window": pa.array(np.full(n, 13 * 3_600_000_000, dtype="int64"), pa.time64("us")),
            "explosive_kg": np.round(holes * rng.normal(420, 30, n), 1),
            "hole_count": pa.array(holes, pa.int32()),
            "order": pa.array(ids, pa.int32()),
            "max_ppv_mm_s": np.round(rng.lognormal(1.2, 0.5, n), 2),
            "hole_ids": [list(p.hole_ids) for p in patterns],
            "tags": [[tag_choices[j] for j in rng.choice(6, int(k), replace=False)] for k in rng.integers(0, 3, n)],
            "notes": pa.array(["misfire re-primed" if m else None for m in rng.random(n) < 0.05], pa.string()),
            "updated_at": _ts(np.minimum(fired + rng.integers(600_000_000, 7_200_000_000, n),
                                         _us(EPOCH_END) - 1_000_000)),
        })
        self.ingest("blasts", data, {"explosive_kg": "numeric(10,1)", "max_ppv_mm_s": "numeric(6,2)"})

    def crusher_throughput(self) -> None:
        per_crusher = max(200, self.scale // 30)
        rng = self.rng("crusher_throughput")
        step = max(60, self.days * 86_400 // per_crusher) * 1_000_000
        measured = _us(self.start) + np.arange(per_crusher, dtype="int64") * step
        parts = []
        for crusher in CRUSHERS:
            n = per_crusher
            parts.append(pa.table({
                "crusher_id": [crusher] * n,
                "measured_at": _ts(measured),
                "tonnes_per_hour": np.round(np.clip(rng.normal(5200, 600, n), 0, None), 2),
                "power_kw": rng.normal(680, 60, n).astype("float32"),
                "css_mm": [f"{v:.6f}" for v in rng.normal(165, 3, n)],
                "feed_p80_mm": np.round(rng.normal(780, 60, n), 1),
                "updated_at": _ts(measured + 5_000_000),
            }))
        self.ingest("crusher_throughput", pa.concat_tables(parts), {
            "tonnes_per_hour": "numeric(8,2)", "css_mm": "numeric", "feed_p80_mm": "numeric(6,1)",
        })

    def equipment_status(self) -> None:
        n = max(200, self.scale // 50)
        rng = self.rng("equipment_status")
        started = _us(self.start) + np.sort(rng.integers(0, self.days * 86_400_000_000, n))
        duration = rng.exponential(3 * 3_600_000_000, n).astype("int64")
        state = np.array(["running", "idle", "down_planned", "down_unplanned"])[
            rng.choice(4, n, p=[0.6, 0.2, 0.1, 0.1])
        ]
        reasons = {"down_planned": "PM-250H", "down_unplanned": "HYD-LEAK", "idle": "NO-OPERATOR"}
        open_ = np.arange(n) >= n - 10
        equipment = np.array([t.fleet_number for t in TRUCKS] + SHOVELS + CRUSHERS)
        data = pa.table({
            "status_id": np.arange(1, n + 1, dtype="int64"),
            "equipment_id": equipment[rng.integers(0, len(equipment), n)],
            "state": state,
            "reason_code": [reasons.get(s) for s in state],
            "started_at": _ts(started),
            "ended_at": pa.array(started + duration, pa.timestamp("us", tz="UTC"), mask=open_),
            "details": [f'{{"source": "dispatch", "odometer_km": {o:.1f}}}' for o in rng.uniform(0, 9e5, n)],
            "updated_at": _ts(np.where(open_, started, started + duration) + 1_000_000),
        })
        self.ingest("equipment_status", data, {"state": "equipment_state", "details": "jsonb"})

    def run(self) -> dict[str, int]:
        self.execute(schema_sql())
        for table in ("shifts", "trucks", "truck_loads", "drill_holes", "blasts",
                      "crusher_throughput", "equipment_status"):
            started = time.monotonic()
            getattr(self, table)()
            log.info("seeded %s in %.1fs", table, time.monotonic() - started)
        self.execute("ANALYZE")
        counts = {}
        with self.conn.cursor() as cur:
            for table in ("shifts", "trucks", "truck_loads", "drill_holes", "blasts",
                          "crusher_throughput", "equipment_status"):
                cur.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cur.fetchone()[0]
        self.conn.close()
        self.sql.close()
        return counts


def seed(url: str, scale: int = 100_000, seed: int = 7) -> dict[str, int]:
    """(Re)create the production schema at ``url`` and fill it; returns rows per table."""
    if not 1_000 <= scale <= 50_000_000:
        raise ValueError(f"--scale must be between 1000 and 50000000, got {scale}")
    return Seeder(url, scale, seed).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.local.seed_production",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100_000, help="rows in truck_loads (default 100000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--source_url", help="PostgreSQL URL (default: the local stack)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    url = args.source_url or stack.start()
    counts = seed(url, args.scale, args.seed)
    for table, rows in counts.items():
        print(f"{table:20s} {rows:>10,d} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
