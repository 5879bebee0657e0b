"""Rock quality per drill hole, blast and zone: the generators agree on the mine, and the marts over
hand-made rows loaded by the real loaders give the values worked out by hand.

The production rows go into an empty production database and through ``pipelines.batch.production``;
the lab's samples into an Avro file (the lab simulator's writer) and through
``pipelines.batch.rock_quality``; then ``pipelines.transform.build`` builds the marts.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import fastavro
import psycopg
import pytest

from pipelines.batch import production, rock_quality
from pipelines.local import mine
from pipelines.local.fleet import PITS
from pipelines.simulate import rock_quality as lab
from pipelines.simulate import sensors
from pipelines.transform.build import ChecksFailed, build

UTC = timezone.utc
MARTS = ["marts.mine_zones", "marts.rock_quality_by_drill_hole", "marts.rock_quality_samples",
         "marts.rock_quality_by_blast", "marts.rock_quality_by_zone_day", "marts.rock_quality_by_zone_month"]
MEANS = ("rqd_pct", "ucs_mpa", "cu_pct", "point_load_is50_mpa", "density_g_cm3", "au_g_t", "mo_ppm",
         "cu_equivalent_pct")

# -- hand-made production rows ---------------------------------------------------------------------------
# (hole_id, pattern, bench, easting, northing, depth_m, drilled_at). Zones (mine.ZONES): north-pit-1 is
# E [345000, 346400) N [7457600, 7459000); north-pit-2 E [346400, 347800), same N; south-pit-1
# E [345000, 346800) N [7455000, 7456400).
HOLES = [
    # drilled at 01:30 UTC on Oct 31: still Oct 30 at the mine (UTC-3); the marts' day is the UTC day
    (101, "P-00001", 3535, "345100.000", "7457700.000", "16.00", datetime(2026, 10, 31, 1, 30, tzinfo=UTC)),
    (102, "P-00001", 3535, "345108.000", "7457700.000", "16.50", datetime(2026, 10, 31, 10, 0, tzinfo=UTC)),
    (103, "P-00001", 3535, "345116.000", "7457700.000", "16.20", datetime(2026, 10, 31, 12, 0, tzinfo=UTC)),
    (201, "P-00002", 3610, "345500.000", "7455500.000", "15.00", datetime(2026, 11, 2, 8, 0, tzinfo=UTC)),
    # on north-pit-1's east edge, which is north-pit-2's west edge: a box holds its west edge only
    (202, "P-00002", 3610, "346400.000", "7457700.000", "15.00", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
    (301, "P-00003", 3520, "345200.000", "7457800.000", "16.00", datetime(2026, 10, 29, 14, 0, tzinfo=UTC)),
]
# (blast_id, pattern, fired_at, hole_ids): blast 2 lists hole 299, which the production app has no row for
BLASTS = [
    (1, "P-00001", datetime(2026, 11, 1, 16, 0, tzinfo=UTC), [101, 102, 103]),
    (2, "P-00002", datetime(2026, 11, 3, 16, 0, tzinfo=UTC), [201, 202, 299]),
]

# -- hand-made lab samples -------------------------------------------------------------------------------
REPORTED = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
LAB = {"code": "ALS-LIM", "name": "ALS Lima", "accreditation": "ISO/IEC 17025"}


def sample(code: str, hole: str, depth_from: str, depth_to: str, rock: str, rqd: float | None,
           ucs: float | None, cu: str | None, flags: tuple[str, ...] = ()) -> dict:
    """One analysis as the lab writes it (contract v1); the measurements not named are the same in
    every sample, so each of their means is that value."""
    return {
        "sample_id": str(uuid.uuid5(uuid.NAMESPACE_OID, code)), "sample_code": code, "drill_hole_id": hole,
        "from_m": Decimal(depth_from), "to_m": Decimal(depth_to), "rock_type": rock, "rqd_pct": rqd,
        "ucs_mpa": ucs, "point_load_is50_mpa": 5.0, "density_g_cm3": Decimal("2.700"),
        "cu_pct": None if cu is None else Decimal(cu), "au_g_t": Decimal("0.100"), "mo_ppm": Decimal("100.0"),
        "cu_equivalent_pct": Decimal("0.700000000000"), "qa_flags": list(flags), "repeat_measurements": [],
        "analysed_at": REPORTED - timedelta(hours=20), "received_on": date(2026, 11, 3), "reported_at": REPORTED,
        "lab": LAB, "method": dict(lab.METHODS["UCS"]),
    }


SAMPLES = [
    # hole 101: 2 m + 3 m + 1 m = 6 m
    sample("101-001", "101", "0.50", "2.50", "ANDESITE", 80.0, 120.0, "0.5000"),
    sample("101-002", "101", "2.50", "5.50", "DIORITE_PORPHYRY", 60.0, None, "1.0000"),  # UCS not run
    sample("101-003", "101", "5.50", "6.50", "DIORITE_PORPHYRY", 90.0, 150.0, "0.8000", ("REASSAY",)),
    # hole 102: 2 m + 1 m
    sample("102-001", "102", "1.00", "3.00", "GRANODIORITE", 50.0, 100.0, "0.2000"),
    sample("102-002", "102", "3.00", "4.00", "GRANODIORITE", 70.0, 200.0, "0.5000"),
    # hole 201: 2 m of each rock type
    sample("201-001", "201", "0.00", "2.00", "ANDESITE", 40.0, 80.0, "0.1000"),
    sample("201-002", "201", "2.00", "4.00", "HYDROTHERMAL_BRECCIA", 20.0, 60.0, "0.3000"),
    sample("202-001", "202", "0.00", "1.50", "TONALITE", 100.0, 300.0, "2.0000"),
    sample("301-001", "301", "0.00", "1.00", "DACITE", 10.0, 50.0, "0.0500"),
    # tags the production app does not know: hole 9999 (not loaded yet), '0101' (hole 101 is '101')
    sample("9999-001", "9999", "0.00", "2.00", "ANDESITE", 55.0, 90.0, "0.4000"),
    sample("0101-001", "0101", "0.00", "1.00", "ANDESITE", 65.0, 95.0, "0.6000"),
]


def insert_production(url: str, holes: list[tuple] = HOLES, blasts: list[tuple] = BLASTS) -> None:
    """The production app's rows (updated now: after any earlier load's window)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for hole_id, pattern, bench, easting, northing, depth, drilled in holes:
            conn.execute(
                'INSERT INTO drill_holes (hole_id, pattern, "BenchLevel", easting, northing, elevation, depth_m, '
                "diameter_mm, drilled_at, rig_id, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, 270, %s, 'DR-01', "
                "now())", (hole_id, pattern, bench, Decimal(easting), Decimal(northing), bench, Decimal(depth),
                          drilled))
        for blast_id, pattern, fired, hole_ids in blasts:
            conn.execute(
                'INSERT INTO blasts (blast_id, pattern, fired_at, fire_window, explosive_kg, hole_count, "order", '
                "hole_ids, tags, updated_at) VALUES (%s, %s, %s, '13:00', 1000, %s, %s, %s, '{}', now())",
                (blast_id, pattern, fired, len(hole_ids), blast_id, hole_ids))


class Site:
    """One warehouse fed by the real loaders from an empty production database and a landing folder."""

    def __init__(self, production_url: str, warehouse_url: str, tmp_path: Path):
        self.production_url, self.warehouse_url, self.tmp_path = production_url, warehouse_url, tmp_path
        self.landing = tmp_path / "landing"

    def load_production(self) -> None:
        production.run(["--source_url", self.production_url, "--warehouse", self.warehouse_url,
                        "--lag_seconds", "0"])

    def deliver(self, name: str, records: list[dict]) -> None:
        """A lab file in the landing folder, loaded by the file loader."""
        lab.write_samples(self.landing / name, records, 1)
        rock_quality.run(["--input", f"{self.landing}/**.avro", "--warehouse", self.warehouse_url,
                          "--staging_location", str(self.tmp_path / "staging"),
                          "--quarantine_location", str(self.tmp_path / "quarantine")])

    def rows(self, sql: str) -> list[tuple]:
        con = duckdb.connect(self.warehouse_url.removeprefix("duckdb://"), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def by_key(self, table: str, key: str, columns: str) -> dict:
        return {row[0]: row[1:] for row in self.rows(f"SELECT {key}, {columns} FROM {table} ORDER BY 1")}


@pytest.fixture
def site(empty_production_url, warehouse_url, tmp_path, minera_home) -> Site:
    """HOLES and BLASTS loaded by the production loader, SAMPLES by the lab file loader."""
    here = Site(empty_production_url, warehouse_url, tmp_path)
    insert_production(empty_production_url)
    here.load_production()
    here.deliver("als-lim/2026/11/06/rq_000001.avro", SAMPLES)
    return here


def approx(*values):
    return pytest.approx(values, rel=1e-12, abs=1e-12)


def test_rock_quality_per_drill_hole_blast_zone_day_and_month(site, caplog):
    report = build(site.warehouse_url, select="marts")
    assert set(MARTS) <= set(report.built)

    # -- per drill hole ---------------------------------------------------------------------------------
    holes = site.by_key("marts.rock_quality_by_drill_hole", "drill_hole_id",
                        "hole_id, is_known_hole, zone, pit, blast_pattern, bench_level_m, hole_depth_m, drilled_on, "
                        "blast_id, sample_count, sampled_length_m, sampled_from_m, sampled_to_m, main_rock_type, "
                        "qa_flagged_sample_count")
    d = Decimal
    assert holes == {
        "0101": (None, False, None, None, None, None, None, None, None, 1, d("1.00"), d("0.00"), d("1.00"),
                 "andesite", 0),
        # drilled 01:30 UTC on Oct 31 (Oct 30 at the mine): the UTC day. 2 m andesite, 4 m diorite porphyry
        "101": (101, True, "north-pit-1", "PIT1", "P-00001", 3535, d("16.00"), date(2026, 10, 31), 1, 3, d("6.00"),
                d("0.50"), d("6.50"), "diorite porphyry", 1),
        "102": (102, True, "north-pit-1", "PIT1", "P-00001", 3535, d("16.50"), date(2026, 10, 31), 1, 2, d("3.00"),
                d("1.00"), d("4.00"), "granodiorite", 0),
        # no samples yet: a row all the same, with sample_count 0
        "103": (103, True, "north-pit-1", "PIT1", "P-00001", 3535, d("16.20"), date(2026, 10, 31), 1, 0, d("0.00"),
                None, None, None, 0),
        # 2 m andesite, 2 m breccia: the tie goes to the first name
        "201": (201, True, "south-pit-1", "PIT2", "P-00002", 3610, d("15.00"), date(2026, 11, 2), 2, 2, d("4.00"),
                d("0.00"), d("4.00"), "andesite", 0),
        "202": (202, True, "north-pit-2", "PIT1", "P-00002", 3610, d("15.00"), date(2026, 11, 2), 2, 1, d("1.50"),
                d("0.00"), d("1.50"), "tonalite", 0),
        "301": (301, True, "north-pit-1", "PIT1", "P-00003", 3520, d("16.00"), date(2026, 10, 29), None, 1,
                d("1.00"), d("0.00"), d("1.00"), "dacite", 0),
        "9999": (None, False, None, None, None, None, None, None, None, 1, d("2.00"), d("0.00"), d("2.00"),
                 "andesite", 0),
    }
    means = site.by_key("marts.rock_quality_by_drill_hole", "drill_hole_id", ", ".join(MEANS))
    # 101: rqd (80*2 + 60*3 + 90*1) / 6 = 430/6; ucs without the 3 m not run: (120*2 + 150*1) / 3 = 130;
    #      cu (0.5*2 + 1.0*3 + 0.8*1) / 6 = 0.8; the rest the same in every sample
    assert means["101"] == approx(430 / 6, 130.0, 0.8, 5.0, 2.7, 0.1, 100.0, 0.7)
    # 102: rqd (50*2 + 70*1) / 3 = 170/3; ucs (100*2 + 200) / 3 = 400/3; cu (0.2*2 + 0.5) / 3 = 0.3
    assert means["102"] == approx(170 / 3, 400 / 3, 0.3, 5.0, 2.7, 0.1, 100.0, 0.7)
    assert means["201"] == approx(30.0, 70.0, 0.2, 5.0, 2.7, 0.1, 100.0, 0.7)  # equal lengths: plain means
    assert means["103"] == (None,) * len(MEANS)

    # -- each sample with its hole's place: every one of them, known or not ---------------------------------
    placed = site.by_key("marts.rock_quality_samples", "sample_code",
                         "drill_hole_id, is_known_hole, zone, drilled_on, blast_id, length_m")
    assert len(placed) == len(SAMPLES)
    assert placed["101-001"] == ("101", True, "north-pit-1", date(2026, 10, 31), 1, 2.0)
    assert placed["301-001"] == ("301", True, "north-pit-1", date(2026, 10, 29), None, 1.0)
    assert placed["9999-001"] == ("9999", False, None, None, None, 2.0)

    # -- per blast: the holes it fired ------------------------------------------------------------------
    blasts = site.by_key("marts.rock_quality_by_blast", "blast_id",
                         "blast_pattern, fired_on, zone, pit, zone_count, hole_count, holes_listed, holes_known, "
                         "holes_sampled, sample_count, sampled_length_m, rqd_pct, ucs_mpa, cu_pct")
    (b1, b2) = blasts[1], blasts[2]
    # blast 1: holes 101, 102 (sampled) and 103; 5 samples over 6 + 3 = 9 m
    #   rqd (430 + 170) / 9 = 600/9; ucs (120*2 + 150 + 100*2 + 200) / (2 + 1 + 2 + 1) = 790/6; cu (4.8 + 0.9) / 9
    assert b1[:11] == ("P-00001", date(2026, 11, 1), "north-pit-1", "PIT1", 1, 3, 3, 3, 2, 5, d("9.00"))
    assert b1[11:] == approx(600 / 9, 790 / 6, 5.7 / 9)
    # blast 2: holes 201 (south-pit-1) and 202 (north-pit-2), one each: the tie goes to the first name;
    #   299 is listed but unknown. rqd (40*2 + 20*2 + 100*1.5) / 5.5 = 270/5.5; ucs (160 + 120 + 450) / 5.5;
    #   cu (0.2 + 0.6 + 3.0) / 5.5
    assert b2[:11] == ("P-00002", date(2026, 11, 3), "north-pit-2", "PIT1", 2, 3, 3, 2, 2, 3, d("5.50"))
    assert b2[11:] == approx(270 / 5.5, 730 / 5.5, 3.8 / 5.5)

    # -- per zone and UTC day of drilling -----------------------------------------------------------------
    days = site.by_key("marts.rock_quality_by_zone_day", "zone || ' ' || CAST(drilled_on AS VARCHAR)",
                       "pit, holes_sampled, sample_count, sampled_length_m, rqd_pct, ucs_mpa, cu_pct")
    assert {k: v[:4] for k, v in days.items()} == {
        "north-pit-1 2026-10-29": ("PIT1", 1, 1, d("1.00")),
        "north-pit-1 2026-10-31": ("PIT1", 2, 5, d("9.00")),
        "north-pit-2 2026-11-02": ("PIT1", 1, 1, d("1.50")),
        "south-pit-1 2026-11-02": ("PIT2", 1, 2, d("4.00")),
    }  # 9999 and 0101 have no zone and no day: they stay in the per-hole mart
    assert days["north-pit-1 2026-10-31"][4:] == approx(600 / 9, 790 / 6, 5.7 / 9)
    assert days["north-pit-1 2026-10-29"][4:] == approx(10.0, 50.0, 0.05)

    # -- per zone and month: the month's intervals, not a mean of its days ----------------------------------
    months = site.by_key("marts.rock_quality_by_zone_month", "zone || ' ' || CAST(month AS VARCHAR)",
                         "days_sampled, holes_sampled, sample_count, sampled_length_m, rqd_pct, ucs_mpa, cu_pct")
    assert {k: v[:4] for k, v in months.items()} == {
        "north-pit-1 2026-10-01": (2, 3, 6, d("10.00")),
        "north-pit-2 2026-11-01": (1, 1, 1, d("1.50")),
        "south-pit-1 2026-11-01": (1, 1, 2, d("4.00")),
    }
    # rqd (600 + 10) / 10 = 61 (the mean of the two days would be (66.7 + 10) / 2); ucs (790 + 50) / 7;
    # cu (5.7 + 0.05) / 10
    assert months["north-pit-1 2026-10-01"][4:] == approx(61.0, 840 / 7, 5.75 / 10)
    types = dict(site.rows("SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                           "WHERE table_schema = 'marts' AND column_name IN ('month', 'drilled_on')"))
    assert types == {"rock_quality_by_zone_month.month": "DATE", "rock_quality_by_zone_day.drilled_on": "DATE",
                     "rock_quality_by_drill_hole.drilled_on": "DATE", "rock_quality_samples.drilled_on": "DATE"}

    # -- what is not known is not dropped: rows of their own, and a warning --------------------------------
    assert site.rows("SELECT drill_hole_id FROM marts.rock_quality_by_drill_hole WHERE NOT is_known_hole "
                     "ORDER BY 1") == [("0101",), ("9999",)]
    assert warnings(caplog) == ["marts.rock_quality_by_drill_hole: 'forall' audit error: 2 rows failed.",
                                "marts.rock_quality_by_blast: 'forall' audit error: 1 row failed."]


def warnings(caplog) -> list[str]:
    """The non-blocking checks that failed, as the build logs them."""
    return [r.getMessage().removeprefix("models: ") for r in caplog.records
            if r.levelname == "WARNING" and "audit error" in r.getMessage()]


def test_a_hole_the_production_app_loads_later_joins_on_the_next_build(site, caplog):
    build(site.warehouse_url, select="marts")
    # hole 9999, loaded after its samples, in south-pit-2 (E [346800, 348600) N [7455000, 7456400))
    insert_production(site.production_url, [(9999, "P-00009", 3625, "347000.000", "7455100.000", "16.00",
                                              datetime(2026, 11, 4, 12, 0, tzinfo=UTC))], [])
    site.load_production()
    caplog.clear()
    build(site.warehouse_url, select="marts")
    assert site.by_key("marts.rock_quality_by_drill_hole", "drill_hole_id", "is_known_hole, zone, sample_count")[
        "9999"] == (True, "south-pit-2", 1)
    assert site.by_key("marts.rock_quality_by_zone_day", "zone", "drilled_on, sample_count, rqd_pct")[
        "south-pit-2"] == (date(2026, 11, 4), 1, 55.0)
    assert "marts.rock_quality_by_drill_hole: 'forall' audit error: 1 row failed." in warnings(caplog)  # '0101'


@pytest.mark.parametrize(("bad", "check", "hole"), [
    # overlaps 102-002 (3.00-4.00): its metres would weigh twice
    (sample("102-003", "102", "3.50", "5.00", "GRANODIORITE", 75.0, 150.0, "0.4000"),
     "forall(criteria := (overlapping_sample_count = 0, invalid_interval_count = 0))", "102"),
    # hole 201 is 15.00 m deep: the tag names the wrong hole
    (sample("201-003", "201", "14.00", "15.50", "ANDESITE", 50.0, 90.0, "0.2000"),
     "forall(criteria := (sampled_to_m <= hole_depth_m))", "201"),
    # no length: nothing to weigh
    (sample("202-002", "202", "1.50", "1.50", "TONALITE", 50.0, 90.0, "0.2000"),
     "forall(criteria := (overlapping_sample_count = 0, invalid_interval_count = 0))", "202"),
])
def test_a_sample_that_cannot_be_weighed_stops_the_rock_quality_marts(site, bad, check, hole):
    site.deliver("als-lim/2026/11/07/rq_000002.avro", [bad])
    with pytest.raises(ChecksFailed) as failed:
        build(site.warehouse_url, select="marts")
    message = str(failed.value)
    assert f"marts.rock_quality_by_drill_hole: check {check} failed on 1 row(s), e.g. drill_hole_id={hole}," in message
    assert message.endswith("; not built: marts.rock_quality_by_blast, marts.rock_quality_by_zone_day, "
                            "marts.rock_quality_by_zone_month, marts.rock_quality_samples")


# -- the generators agree on the mine ---------------------------------------------------------------------

def test_one_description_of_the_zones():
    assert [z.name for z in mine.ZONES] == sensors.ZONES  # the names the geophones report
    assert {z.pit for z in mine.ZONES} == set(PITS.values())  # the fleet's pits
    assert [z.name for z in mine.DRILLED] == ["north-pit-1", "north-pit-2", "north-pit-3", "south-pit-1",
                                              "south-pit-2"]
    assert mine.zone_at(346_399.999, 7_457_600).name == "north-pit-1"
    assert mine.zone_at(346_400, 7_457_600).name == "north-pit-2"  # a box holds its west edge, not its east
    assert mine.zone_at(345_000, 7_459_000) is None  # nor its north edge
    overlapping = mine.Zone("x", "X", "PIT1", (346_000, 346_500), (7_457_000, 7_457_700))
    with pytest.raises(ValueError, match="zones north-pit-1 and x overlap"):
        mine._check((*mine.ZONES[:1], overlapping))
    with pytest.raises(ValueError, match="pit 'PIT9'"):
        mine._check((mine.Zone("y", "Y", "PIT9", (0, 1), (0, 1)),))


def test_the_production_seed_drills_and_fires_the_mines_patterns(production_url):
    with psycopg.connect(production_url) as conn:
        holes = conn.execute('SELECT hole_id, pattern, "BenchLevel", easting, northing, depth_m, drilled_at '
                             "FROM drill_holes ORDER BY hole_id").fetchall()
        blasts = conn.execute("SELECT blast_id, pattern, fired_at, hole_count, hole_ids FROM blasts "
                              "ORDER BY blast_id").fetchall()
    patterns = mine.patterns(len(blasts) + 1)  # the conftest's scale: 20 blasts, and one pattern not fired
    assert len(blasts) == 20 and [h[0] for h in holes] == list(range(1, patterns[-1].hole_ids.stop))
    drilled = {}
    for hole_id, pattern_name, bench, easting, northing, depth, when in holes:
        p = mine.pattern_of(hole_id)
        i = hole_id - p.first_hole_id
        assert (pattern_name, bench, float(easting), float(northing), depth) == (
            p.name, p.bench_level_m, p.easting_m[i], p.northing_m[i], Decimal(p.depth_cm[i]).scaleb(-2))
        assert mine.zone_at(float(easting), float(northing)) is p.zone and p.zone in mine.DRILLED
        drilled[hole_id] = when
    for (blast_id, pattern_name, fired, hole_count, hole_ids), p in zip(blasts, patterns, strict=False):
        assert (blast_id, pattern_name, hole_ids, hole_count) == (p.number, p.name, list(p.hole_ids), len(p.hole_ids))
        assert all(fired - timedelta(hours=84) <= drilled[h] <= fired - timedelta(hours=6) for h in hole_ids)
    fired_holes = {h for b in blasts for h in b[4]}
    assert set(drilled) - fired_holes == set(patterns[-1].hole_ids)  # drilled, not fired yet


def test_lab_samples_name_production_holes_within_their_depth(production_url, tmp_path):
    with psycopg.connect(production_url) as conn:
        depth = {str(h): d for h, d in conn.execute("SELECT hole_id, depth_m FROM drill_holes")}
    written = lab.generate(tmp_path, files=6, samples=200, evolve=True)  # what the local default writes
    records = []
    for f in written:
        with f.path.open("rb") as fo:
            records += list(fastavro.reader(fo))
    assert len(records) == 1200 and len({r["sample_code"] for r in records}) == 1200
    assert {r["drill_hole_id"] for r in records} <= set(depth)  # every tag a production hole
    for r in records:
        assert Decimal(0) <= r["from_m"] < r["to_m"] <= depth[r["drill_hole_id"]]
        assert r["sample_code"].startswith(r["drill_hole_id"] + "-")
    # a hole the batch size cuts continues in the next batch, contiguous
    by_hole: dict[str, list] = {}
    for r in sorted(records, key=lambda r: r["sample_code"]):
        by_hole.setdefault(r["drill_hole_id"], []).append(r)
    assert any(len({r["reported_at"].date() for r in samples}) == 2 for samples in by_hole.values())
    assert all(a["to_m"] == b["from_m"] for samples in by_hole.values() for a, b in zip(samples, samples[1:],
                                                                                        strict=False))


def test_generated_sources_join_every_sample_and_the_zone_table_is_the_mines(production_url, warehouse_url,
                                                                            tmp_path, minera_home):
    site = Site(production_url, warehouse_url, tmp_path)
    site.load_production()
    lab.generate(site.landing, files=3, samples=100, evolve=True)
    rock_quality.run(["--input", f"{site.landing}/**.avro", "--warehouse", warehouse_url,
                      "--staging_location", str(tmp_path / "staging")])
    report = build(warehouse_url, select="marts")
    assert set(MARTS) <= set(report.built)
    assert [w for w in report.warnings if "rock_quality" in w.model] == []  # every tag known, every hole known
    assert site.rows("SELECT zone, zone_code, pit, easting_min_m, easting_max_m, northing_min_m, northing_max_m "
                     "FROM marts.mine_zones ORDER BY zone") == sorted(
        (z.name, z.code, z.pit, *z.easting_m, *z.northing_m) for z in mine.ZONES)
    (samples,) = site.rows("SELECT count(*) FROM staging.stg_vendor__rock_quality_samples")[0]
    assert samples == 300
    # every sample is in its hole, its zone's day and month, and (the holes fired) its blast
    assert site.rows("SELECT sum(sample_count), count(*) FILTER (WHERE NOT is_known_hole) "
                     "FROM marts.rock_quality_by_drill_hole") == [(300, 0)]
    assert site.rows("SELECT sum(sample_count) FROM marts.rock_quality_by_zone_day") == [(300,)]
    assert site.rows("SELECT sum(sample_count) FROM marts.rock_quality_by_zone_month") == [(300,)]
    assert site.rows("SELECT sum(sample_count) FROM marts.rock_quality_by_blast") == site.rows(
        "SELECT sum(sample_count) FROM marts.rock_quality_by_drill_hole WHERE blast_id IS NOT NULL")


def test_the_marts_render_for_bigquery_and_duckdb(rendering):
    hole = rendering.render("marts.rock_quality_by_drill_hole")
    bigquery, duck = hole.sql(dialect="bigquery"), hole.sql(dialect="duckdb")
    # the lab's tag is the hole id as text
    assert "CAST(`h`.`hole_id` AS STRING) AS `drill_hole_id`" in bigquery
    assert 'CAST("h"."hole_id" AS TEXT) AS "drill_hole_id"' in duck
    assert ("SUM(CAST(`rqd_pct` AS FLOAT64) * `length_m`) / NULLIF(SUM(IF(`rqd_pct` IS NULL, NULL, `length_m`)), 0)"
            in bigquery)
    assert ('SUM(CAST("rqd_pct" AS DOUBLE) * "length_m") / NULLIF(SUM(CASE WHEN "rqd_pct" IS NULL THEN NULL '
            'ELSE "length_m" END), 0)') in duck
    assert "FROM `minera-prod`.`staging`.`stg_production__blasts` AS `b` CROSS JOIN UNNEST(`b`.`hole_ids`) AS " \
        "`hole_id`" in bigquery
    assert "DATE(`h`.`drilled_at`) AS `drilled_on`" in bigquery  # a TIMESTAMP's UTC day
    month = rendering.render("marts.rock_quality_by_zone_month")
    # DuckDB's DATE_TRUNC gives a TIMESTAMP: the cast keeps a DATE on both
    column = "rock_quality_samples`.`drilled_on"
    assert f"CAST(DATE_TRUNC(`{column}`, MONTH) AS DATE) AS `month`" in month.sql(dialect="bigquery")
    assert "CAST(DATE_TRUNC('MONTH', \"rock_quality_samples\".\"drilled_on\") AS DATE) AS \"month\"" in month.sql(
        dialect="duckdb")
