"""One fleet number across the three local sources: the ERP's equipment master (EQUI.TIDNR, client 100),
the production app's tables and the operators' mobile app name the same machines, of the same classes."""

from __future__ import annotations

import json
import uuid
from base64 import b64decode
from collections import Counter
from dataclasses import replace

import psycopg
import pytest

from pipelines.local import fleet
from pipelines.local.fleet import FLEET
from pipelines.local.seed_erp import seed as seed_erp
from pipelines.local.seed_production import seed as seed_production
from pipelines.simulate import machine_issues as sim

# the classes whose crews report in the app, by the ERP's EQART, and the categories that fit each
APP_CATEGORIES = {"HAULTRUCK": {"tyres", "hydraulics", "engine", "brakes", "electrical"},
                  "SHOVEL": {"hydraulics", "engine", "electrical", "structural"},
                  "DRILL": {"hydraulics", "engine", "electrical", "structural"},
                  "CRUSHER": {"bearings", "hydraulics", "electrical", "structural"},
                  "CONVEYOR": {"belt", "bearings", "electrical", "structural"}}
RARE = {"safety", "other"}
# the production app's columns that hold a fleet number, and the ERP classes (EQART) each may name
PRODUCTION_COLUMNS = {("trucks", "truck_id"): {"HAULTRUCK"}, ("truck_loads", "truck_id"): {"HAULTRUCK"},
                      ("truck_loads", "shovel_id"): {"SHOVEL"}, ("drill_holes", "rig_id"): {"DRILL"},
                      ("crusher_throughput", "crusher_id"): {"CRUSHER"},
                      ("equipment_status", "equipment_id"): {"HAULTRUCK", "SHOVEL", "CRUSHER"}}


def rows(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def sources(pg_server, pg_admin_url, production_template, tmp_path_factory) -> dict:
    """The production app (the session's seed) and the ERP seeded side by side in one database, and a
    day of the mobile app with every machine it knows: the three sources as the demo makes them."""
    name = f"fleet_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {production_template}")
    url = pg_server.get_uri(name)
    seed_erp(url, scale=1_000, seed=7)
    replay = tmp_path_factory.mktemp("fleet") / "issues.jsonl"
    summary = sim.write_replay(str(replay), hours=24, issues_per_hour=40, malformed_rate=0)
    events = [json.loads(b64decode(json.loads(line)["data"])) for line in replay.read_text().splitlines()]
    equi = {tidnr: (eqart, herst, typbz, stort) for tidnr, eqart, herst, typbz, stort in rows(url, """
        SELECT e."TIDNR", e."EQART", e."HERST", e."TYPBZ", l."STORT" FROM sapsr3."EQUI" e
        JOIN sapsr3."EQUZ" z USING ("MANDT", "EQUNR") JOIN sapsr3."ILOA" l USING ("MANDT", "ILOAN")
        WHERE e."MANDT" = '100'""")}
    return {"url": url, "summary": summary, "events": events, "equi": equi}


def test_the_fleet_as_documented():
    classes = Counter(FLEET.classes.values())
    assert classes == {"haul truck": 60, "shovel": 8, "loader": 4, "drill": 6, "dozer": 10, "grader": 6,
                       "water truck": 4, "light vehicle": 40, "crusher": 7, "conveyor": 16, "mill": 4, "pump": 20}
    assert len(FLEET) == 185 == len(FLEET.by_number)
    trucks = FLEET.of_class("haul truck")
    assert [t.fleet_number for t in trucks] == [f"HT-{i:04d}" for i in range(1, 61)]
    cat, komatsu = ({(t.make, t.model, t.rated_payload_t, t.pit) for t in part} for part in (trucks[:36], trucks[36:]))
    assert cat == {("CATERPILLAR", "793F", 226.8, "PIT1")} and komatsu == {("KOMATSU", "930E-4SE", 290.0, "PIT2")}
    assert all(m.rated_payload_t is None for m in FLEET.machines if m.machine_class != "haul truck")
    assert FLEET.numbers("shovel") == [f"SH-{i:02d}" for i in range(1, 9)]
    assert FLEET.numbers("crusher") == ["CR-PRIMARY-1", "CR-PRIMARY-2", "CR-SECONDARY-1", "CR-SECONDARY-2",
                                        "CR-SECONDARY-3", "CR-TERTIARY-1", "CR-TERTIARY-2"]
    assert {m.pit for m in FLEET.of_class("crusher", "conveyor", "mill", "pump")} == {"PLANT"}
    with pytest.raises(KeyError, match="HT-0061"):  # a number outside the fleet is an error, not a new machine
        FLEET.get("HT-0001", "HT-0061")
    with pytest.raises(KeyError, match="excavator"):
        FLEET.of_class("excavator")
    # the list is checked when the module loads: a number used twice, or without its class's prefix
    with pytest.raises(ValueError, match="used twice"):
        fleet.Fleet(FLEET.machines + FLEET.get("SH-03"))
    with pytest.raises(ValueError, match="LD-01: not a fleet number of class 'shovel'"):
        fleet.Fleet((replace(FLEET.get("LD-01")[0], machine_class="shovel"),))
    # the ERP's second company: one machine in six of each purchase, at least one
    small = Counter(m.machine_class for m in fleet.machines(6))
    assert small["haul truck"] == 6 + 4 and small["shovel"] == 1 + 1 and small["crusher"] == 1 + 1 + 1 + 1


def test_the_erp_equipment_master_holds_every_machine_with_its_class_make_and_pit(sources):
    equi = sources["equi"]
    machines = {n: v for n, v in equi.items() if v[0] != "ENGINE"}
    assert machines == {m.fleet_number: (fleet.CLASSES[m.machine_class].eqart, m.make, m.model, m.pit)
                        for m in FLEET.machines}
    # a haul truck's engine is a component of the truck, not a machine: its number says whose it is
    engines = rows(sources["url"], """
        SELECT e."TIDNR", t."TIDNR" FROM sapsr3."EQUI" e JOIN sapsr3."EQUZ" z USING ("MANDT", "EQUNR")
        JOIN sapsr3."EQUI" t ON t."MANDT" = z."MANDT" AND t."EQUNR" = z."HEQUI"
        WHERE e."MANDT" = '100' AND e."EQART" = 'ENGINE'""")
    assert len(engines) == 60 and all(engine == f"{truck}-ENG" for engine, truck in engines)
    assert len(equi) == 185 + 60


def test_every_machine_the_production_app_names_is_in_the_erp_with_the_same_class(sources):
    url, equi = sources["url"], sources["equi"]
    named = {}
    for (table, column), classes in PRODUCTION_COLUMNS.items():
        ids = [r[0] for r in rows(url, f"SELECT DISTINCT {column} FROM public.{table}")]
        assert {equi.get(i, ("missing",))[0] for i in ids} == classes, (table, column)
        named[table, column] = sorted(ids)
    erp_class = {eqart: sorted(n for n, v in equi.items() if v[0] == eqart) for eqart in ("HAULTRUCK", "SHOVEL",
                                                                                         "DRILL", "CRUSHER")}
    # counts as documented: every truck, shovel and drill of the fleet, the three metered crushers
    assert named["trucks", "truck_id"] == named["truck_loads", "truck_id"] == erp_class["HAULTRUCK"]
    assert len(erp_class["HAULTRUCK"]) == 60
    assert named["truck_loads", "shovel_id"] == erp_class["SHOVEL"] and len(erp_class["SHOVEL"]) == 8
    assert named["drill_holes", "rig_id"] == erp_class["DRILL"] and len(erp_class["DRILL"]) == 6
    assert named["crusher_throughput", "crusher_id"] == ["CR-PRIMARY-1", "CR-PRIMARY-2", "CR-SECONDARY-1"]
    assert set(named["equipment_status", "equipment_id"]) <= set(
        named["trucks", "truck_id"] + named["truck_loads", "shovel_id"] + named["crusher_throughput", "crusher_id"])
    # the production app's model and rated payload are the ERP's model's
    trucks = rows(url, "SELECT truck_id, model, payload_capacity_t, attributes->>'tyre_size' FROM public.trucks")
    expected = {"793F": ("CAT 793F", 226.8, "46/90R57"), "930E-4SE": ("Komatsu 930E", 290.0, "53/80R63")}
    assert {(model, float(capacity), tyre) == expected[equi[truck][2]]
            for truck, model, capacity, tyre in trucks} == {True}


def test_payloads_against_the_rated_payload(production_url):
    # fill factor ~ N(0.98, 0.055) cut to [0.5, 1.25]: above 110 % is z > 0.12 / 0.055 = 2.18, 1.46 % of loads
    (loads, mean, over, low, high), = rows(production_url, """
        SELECT count(*), avg(l.payload_t / t.payload_capacity_t),
               avg((l.payload_t > 1.10 * t.payload_capacity_t)::int),
               min(l.payload_t / t.payload_capacity_t), max(l.payload_t / t.payload_capacity_t)
        FROM truck_loads l JOIN trucks t USING (truck_id)""")
    assert loads == 20_000  # the session's seed
    assert abs(float(mean) - 0.98) < 0.003  # the mean of 20,000 draws: sd 0.0004
    assert 0.010 < float(over) < 0.020  # a few overloads: sd of the share 0.085 %
    assert 0.5 <= float(low) and float(high) <= 1.2501


def test_the_mobile_app_reports_on_fleet_machines_in_categories_of_their_class(sources):
    equi, events = sources["equi"], sources["events"]
    assert events and len(events) == sources["summary"]["valid_events"] + sources["summary"]["retries"]
    for event in events:
        eqart = equi[event["machine_id"]][0]  # a KeyError is a machine the ERP does not have
        assert event["category"] in APP_CATEGORIES[eqart] | RARE, event
    reported = Counter(equi[m][0] for m in {e["machine_id"] for e in events})
    assert set(reported) == set(APP_CATEGORIES)  # a day at 40 issues an hour reaches every class
    # the app's fleet: every haul truck, shovel, drill, crusher and conveyor of the ERP
    assert Counter(equi[m][0] for m in sim.fleet()) == {"HAULTRUCK": 60, "SHOVEL": 8, "DRILL": 6, "CRUSHER": 7,
                                                        "CONVEYOR": 16}


def test_the_generators_give_the_same_fleet_data_for_the_same_seed(pg_server, pg_admin_url):
    urls = []
    for _ in range(2):
        name = f"fleet_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        urls.append(pg_server.get_uri(name))
        seed_production(urls[-1], scale=2_000, seed=11)
    for table in ("trucks", "truck_loads", "drill_holes", "equipment_status"):
        sums = [rows(url, f"SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM {table} t")[0][0]
                for url in urls]
        assert sums[0] == sums[1], table
