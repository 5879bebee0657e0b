"""Seed the local PostgreSQL with the mine's SAP ERP (schema ``sapsr3``): deterministic, any scale.

Oracle cannot run on a laptop, so the ERP loader's local default reads this instead: the SAP
tables a mine's maintenance and supply teams use, with Oracle's upper-case names (quoted here,
``sapsr3."MSEG"``) and SAP's values as they are stored: dates 'YYYYMMDD' with '00000000' for no
date, times 'HHMMSS', numbers with leading zeros (EQUNR '000000000010000001'), ' ' for an empty
field, 'X' for a set flag. Two clients: MANDT 100 (the mine, plant 1000) and a smaller 200
(another company whose document numbers overlap the mine's), so a loader that ignores MANDT
gets wrong answers.

``--scale`` is the row count of MSEG (material document items, the biggest table); the others
follow the way they do at an open-pit mine: a material document (MKPF) per ~3 items, a
maintenance order (AUFK/AFIH/AFKO) per ~20 items, a notification (QMEL/QMIH) per ~25, a
material (MARA) per ~50, a purchase order (EKKO) per ~40; the fleet (EQUI) is a few hundred
machines whatever the scale: client 100's is ``pipelines.local.fleet``'s, a row per machine with its
fleet number in TIDNR, plus a component row per haul truck's engine (EQART ENGINE, TIDNR
``HT-0001-ENG``, HEQUI the truck's EQUNR). Every reference holds: MSEG items point at existing MKPF
headers, materials, orders and purchase order items. The same ``--seed`` always gives the same rows::

    python -m pipelines.local.seed_erp --scale 100000 --seed 7
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.local import fleet, stack
from pipelines.local.fleet import CLASSES
from pipelines.local.seed_production import EPOCH_END, Seeder

log = logging.getLogger(__name__)

SCHEMA = "sapsr3"
TABLES = ("CSKS", "IFLOT", "ILOA", "EQUI", "EQKT", "EQUZ", "MARA", "MAKT", "MARD", "QMEL", "QMIH",
          "AUFK", "AFIH", "AFKO", "EKKO", "EKPO", "MKPF", "MSEG", "ZMINE_SHIFTLOG")
MARKER = "minera seed_erp"  # schema comment written last: a seed that stopped half-way has none
PLANT = "1000"
CHUNK_ROWS = 500_000
END_DAY = int(EPOCH_END.timestamp()) // 86_400  # first day with no data (days since 1970-01-01)
DAY_2012 = 15_340  # 2012-01-01: when the fleet and the material master start
LGORTS = ("0001", "0002", "0003", "0004")  # main warehouse, pit store, tyre bay, lube bay
DAY, NIGHT = 7 * 3600, 19 * 3600


@dataclass(frozen=True)
class Company:
    """One SAP client: its company code, currency and share of the volume."""

    mandt: str
    bukrs: str
    waers: str
    fx: float  # local currency per USD
    share: float
    fleet_divisor: int
    spanish_first: bool


COMPANIES = (
    Company("100", "1000", "USD", 1.0, 0.95, 1, False),   # the mine
    Company("200", "2000", "PEN", 3.75, 0.05, 6, True),   # another company, same number ranges
)

# the fleet (EQUI) is pipelines.local.fleet's: EQUI.TIDNR is the fleet number, EQART the machine class;
# the maintenance family of each class says how often it needs work and which faults it has
FAMILY_OF_CLASS = {"haul truck": "truck", "shovel": "shovel", "loader": "mobile", "drill": "mobile",
                   "dozer": "mobile", "grader": "mobile", "water truck": "mobile", "light vehicle": "light",
                   "crusher": "crusher", "conveyor": "conveyor", "mill": "mill", "pump": "pump"}
ENGINES = {"793F": ("CATERPILLAR", "C175-16", "Engine CAT C175-16"),
           "930E-4SE": ("KOMATSU", "SSDA18V170", "Engine KOM SSDA18V170")}
FAMILIES = ("truck", "shovel", "mobile", "light", "crusher", "conveyor", "mill", "pump", "engine")
FIXED_PLANT = {"crusher", "conveyor", "mill", "pump"}
# how often a machine of a family gets notifications and orders, relative to a haul truck
WORK_WEIGHT = {"truck": 1.0, "shovel": 2.0, "mobile": 0.5, "light": 0.1, "crusher": 1.5,
               "conveyor": 0.6, "mill": 2.0, "pump": 0.4, "engine": 0.1}

# functional location, superior, location (STORT), operating cost center key
FUNC_LOCS = (
    ("MINE", " ", "SITE", "admin"),
    ("MINE-PIT1", "MINE", "PIT1", "haul"),
    ("MINE-PIT1-HAUL", "MINE-PIT1", "PIT1", "haul"),
    ("MINE-PIT1-LOAD", "MINE-PIT1", "PIT1", "load"),
    ("MINE-PIT1-DRIL", "MINE-PIT1", "PIT1", "drill"),
    ("MINE-PIT1-AUXE", "MINE-PIT1", "PIT1", "aux"),
    ("MINE-PIT2", "MINE", "PIT2", "haul"),
    ("MINE-PIT2-HAUL", "MINE-PIT2", "PIT2", "haul"),
    ("MINE-PIT2-LOAD", "MINE-PIT2", "PIT2", "load"),
    ("MINE-PLNT", "MINE", "PLANT", "crush"),
    ("MINE-PLNT-CRSH", "MINE-PLNT", "PLANT", "crush"),
    ("MINE-PLNT-CONV", "MINE-PLNT", "PLANT", "conv"),
    ("MINE-PLNT-MILL", "MINE-PLNT", "PLANT", "mill"),
    ("MINE-PLNT-PUMP", "MINE-PLNT", "PLANT", "pump"),
    ("MINE-WSHP", "MINE", "WORKSHOP", "maint_mobile"),
    ("MINE-WSHP-TYRE", "MINE-WSHP", "WORKSHOP", "tyres"),
)

# cost center number, category (KOSAR), key, person responsible in client 100 / 200
COST_CENTERS = (
    (411000, "F", "haul", "R. ARAYA", "J. QUISPE"),
    (412000, "F", "load", "P. SOTO", "L. MAMANI"),
    (413000, "F", "drill", "M. ROJAS", "R. HUAMAN"),
    (414000, "F", "aux", "C. MUNOZ", "E. CONDORI"),
    (421000, "F", "crush", "J. TAPIA", "M. FLORES"),
    (422000, "F", "conv", "L. VERA", "A. CHAVEZ"),
    (423000, "F", "mill", "A. CORTES", "J. RAMOS"),
    (424000, "F", "pump", "F. PIZARRO", "C. VARGAS"),
    (431000, "H", "maint_mobile", "G. CASTILLO", "P. MENDOZA"),
    (432000, "H", "maint_fixed", "E. FUENTES", "D. TORRES"),
    (433000, "H", "tyres", "V. NAVARRO", "S. CASTRO"),
    (434000, "H", "electrical", "S. REYES", "N. ROJAS"),
    (441000, "H", "warehouse", "D. SILVA", "F. ROMERO"),
    (451000, "V", "hse", "I. MORALES", "G. ALVAREZ"),
    (452000, "V", "geology", "N. CONTRERAS", "H. DIAZ"),
    (453000, "V", "planning", "O. ESPINOZA", "K. SALAZAR"),
    (461000, "V", "admin", "T. VALENZUELA", "R. GUTIERREZ"),
)
FORMER_RESPONSIBLE = ("H. LAGOS", "B. OYARZUN", "M. SEPULVEDA", "K. BRAVO")
RESPONSIBLE_CHANGED = len(FORMER_RESPONSIBLE)  # these changed hands on 2024-01-01: two validity periods

# material group (MATKL), type, base unit, catalogue share, issue frequency, price range (USD per
# unit), net weight range (kg per unit), quantity per issue, main storage location, batch managed,
# nouns (English, Spanish), makers
MATERIALS = (
    ("TYRES", "ERSA", "ST", 0.02, 0.02, (32_000, 70_000), (3_500, 5_600), (1, 2), 2, False,
     (("Tyre 59/80R63", "Neumatico 59/80R63"), ("Tyre 53/80R63", "Neumatico 53/80R63"),
      ("Tyre 46/90R57", "Neumatico 46/90R57"), ("Tyre 40.00R57", "Neumatico 40.00R57")),
     ("MICHELIN XDR3", "BRIDGESTONE VRDP", "GOODYEAR RL-5K")),
    ("GET", "ERSA", "ST", 0.08, 1.2, (400, 6_000), (40, 450), (1, 9), 0, False,
     (("Tooth", "Diente"), ("Adapter", "Adaptador"), ("Lip shroud", "Protector de labio"),
      ("Wing shroud", "Protector lateral"), ("Pin and lock", "Pasador y seguro")),
     ("ESCO", "CAT", "KOMATSU", "HENSLEY")),
    ("LINERS", "ERSA", "ST", 0.05, 0.08, (3_000, 60_000), (200, 3_500), (1, 4), 0, False,
     (("Mantle", "Manto"), ("Concave segment", "Segmento concavo"), ("Mill shell liner", "Revestimiento molino"),
      ("Lifter bar", "Barra levantadora"), ("Chute liner", "Revestimiento chute")),
     ("METSO", "FLSMIDTH", "ME ELECMETAL")),
    ("BELTS", "ERSA", "M", 0.02, 0.05, (250, 1_500), (40, 120), (20, 400), 0, False,
     (("Conveyor belt ST4500 1800MM", "Correa ST4500 1800MM"), ("Conveyor belt ST2000 1400MM", "Correa ST2000 1400MM"),
      ("Conveyor belt EP800 1200MM", "Correa EP800 1200MM")),
     ("CONTINENTAL", "FENNER DUNLOP", "BRIDGESTONE")),
    ("CONVEYOR", "ERSA", "ST", 0.08, 0.6, (60, 25_000), (5, 2_500), (1, 20), 0, False,
     (("Idler roller 6IN", "Polin 6 pulgadas"), ("Return idler", "Polin de retorno"),
      ("Belt scraper blade", "Raspador de correa"), ("Pulley lagging", "Revestimiento de polea"),
      ("Belt splice kit", "Kit de empalme")),
     ("FLEXCO", "MARTIN", "REXNORD", "PRECISMECA")),
    ("FILTERS", "ERSA", "ST", 0.14, 3.0, (15, 450), (0.3, 8), (1, 24), 0, False,
     (("Filter oil", "Filtro de aceite"), ("Filter fuel", "Filtro de combustible"),
      ("Filter air primary", "Filtro de aire primario"), ("Filter air secondary", "Filtro de aire secundario"),
      ("Filter hydraulic", "Filtro hidraulico"), ("Filter transmission", "Filtro de transmision")),
     ("CAT", "KOMATSU", "DONALDSON", "FLEETGUARD", "BALDWIN")),
    ("LUBES", "HIBE", "L", 0.02, 2.0, (2.5, 8), (0.9, 0.9), (20, 400), 3, True,
     (("Engine oil SAE 15W-40", "Aceite motor SAE 15W-40"), ("Hydraulic oil ISO VG 46", "Aceite hidraulico ISO 46"),
      ("Gear oil SAE 80W-90", "Aceite engranajes 80W-90"), ("Transmission oil TDTO 30", "Aceite transmision TDTO 30"),
      ("Coolant ELC 50/50", "Refrigerante ELC 50/50")),
     ("SHELL", "MOBIL", "CAT", "CHEVRON")),
    ("HYDRAULIC", "ERSA", "ST", 0.15, 1.2, (40, 30_000), (0.5, 400), (1, 6), 0, False,
     (("Hose assembly", "Manguera ensamblada"), ("Seal kit cylinder", "Kit sellos cilindro"),
      ("Hydraulic pump", "Bomba hidraulica"), ("Control valve", "Valvula de control"),
      ("O-ring kit", "Kit de o-rings")),
     ("CAT", "KOMATSU", "PARKER", "REXROTH")),
    ("ELECTRIC", "ERSA", "ST", 0.14, 0.8, (10, 9_000), (0.1, 60), (1, 4), 0, False,
     (("Pressure sensor", "Sensor de presion"), ("Temperature sensor", "Sensor de temperatura"), ("Relay", "Rele"),
      ("Alternator", "Alternador"), ("Starter motor", "Motor de partida"), ("Cable harness", "Arnes de cables")),
     ("CAT", "KOMATSU", "ABB", "SIEMENS", "BOSCH")),
    ("BEARINGS", "ERSA", "ST", 0.10, 0.4, (40, 45_000), (0.5, 900), (1, 4), 0, False,
     (("Bearing spherical roller", "Rodamiento rodillos esfericos"), ("Bearing tapered roller", "Rodamiento conico"),
      ("Bushing", "Buje"), ("Plummer block", "Descanso")),
     ("SKF", "TIMKEN", "FAG", "NSK")),
    ("FASTENERS", "HIBE", "ST", 0.20, 1.8, (0.5, 80), (0.05, 3), (4, 100), 1, False,
     (("Bolt hex M24X100 GR10.9", "Perno hex M24X100 GR10.9"), ("Nut hex M24", "Tuerca hex M24"),
      ("Washer hardened M30", "Golilla endurecida M30"), ("Liner bolt M36X300", "Perno revestimiento M36X300")),
     ("UNBRAKO", "HILTI", "GENERIC")),
)

# notification and corrective order texts per family (English, Spanish); the machine's tag follows
FAULTS = {
    "truck": (("Hydraulic leak hoist cylinder", "Fuga hidraulica cilindro levante"),
              ("Engine overheating", "Sobretemperatura de motor"), ("Tyre cut", "Corte de neumatico"),
              ("Brake wear warning", "Alarma desgaste de frenos"), ("Payload system fault", "Falla sistema de carga"),
              ("Wheel motor fault", "Falla motor de rueda"), ("Suspension strut low", "Suspension baja")),
    "shovel": (("GET tooth lost", "Perdida de diente"), ("Hoist rope damage", "Dano cable de levante"),
               ("Swing motor fault", "Falla motor de giro"), ("Boom crack inspection", "Inspeccion grieta pluma")),
    "mobile": (("Hydraulic hose burst", "Manguera hidraulica rota"), ("Engine fault code", "Codigo de falla motor"),
               ("Air conditioning fault", "Falla aire acondicionado"), ("Undercarriage wear", "Desgaste tren rodado")),
    "light": (("Flat tyre", "Neumatico pinchado"), ("Radio not working", "Radio no funciona")),
    "crusher": (("Mantle liner worn", "Manto desgastado"), ("Lube system low pressure", "Baja presion lubricacion"),
                ("Chamber blockage", "Atollo en camara")),
    "conveyor": (("Belt tear", "Rotura de correa"), ("Idler seized", "Polin trabado"),
                 ("Belt misalignment", "Desalineamiento de correa"),
                 ("Pulley lagging worn", "Revestimiento polea gastado")),
    "mill": (("Liner bolt leak", "Fuga perno revestimiento"), ("Trunnion bearing temp high", "Alta temp descanso")),
    "pump": (("Impeller worn", "Impulsor desgastado"), ("Gland seal leak", "Fuga en sello")),
    "engine": (("Oil analysis alert", "Alerta analisis de aceite"), ("Blow-by high", "Blow-by alto")),
}
PREVENTIVE = {
    "mobile_like": (("250h service", "Mantencion 250h"), ("500h service", "Mantencion 500h"),
                    ("1000h service", "Mantencion 1000h"), ("2000h service", "Mantencion 2000h")),
    "fixed": (("Weekly inspection", "Inspeccion semanal"), ("Monthly lubrication", "Lubricacion mensual"),
              ("Liner inspection", "Inspeccion revestimientos")),
}
OVERHAUL = (("Component change engine", "Cambio componente motor"), ("Major overhaul", "Overhaul mayor"),
            ("Rebuild final drive", "Reparacion mando final"))
SHIFT_NOTES = (
    ("Handover: tyre change in progress on", "Entrega de turno: cambio de neumatico en"),
    ("Road watering requested near", "Se solicita riego de camino cerca de"),
    ("Operator reported abnormal noise on", "Operador reporta ruido anormal en"),
    ("Fuel truck delayed, queue at", "Camion de combustible atrasado, cola en"),
    ("Blast at 13:00, moved away", "Tronadura 13:00, equipo retirado"),
    ("Feed stopped, choke at", "Alimentacion detenida, atollo en"),
    ("Lightning alert, operations paused, last unit", "Alerta de tormenta, operacion detenida, ultimo equipo"),
    ("Shift target reached, last load by", "Meta de turno cumplida, ultima carga por"),
)
ISSUE_TEXTS = ("Shift consumption", "Emergency repair", "Planned component change", "Consumo turno noche",
               "Reposicion bodega mina", "Cambio programado")
PLANNERS = ("CARAYA", "PSOTO", "MROJAS", "LMUNOZ", "JTAPIA")
CLERKS = ("BODEGA01", "BODEGA02", "JPEREZ", "AVERA", "RFC_MES")
BUYERS = ("COMPRAS01", "FPIZARRO", "GCASTILLO", "ECORTES")
REPORTERS = ("OPER_PIT1", "OPER_PIT2", "OPER_PLANT", "SUPERV_A", "SUPERV_B", "SUPERV_C", "SUPERV_D",
             "MANT_MOVIL", "MANT_FIJA")


def schema_sql() -> str:
    """The DDL of schema sapsr3 (packaged with the module, so it works from an installed wheel)."""
    return resources.files("pipelines.local").joinpath("erp_schema.sql").read_text()


# -- SAP's stored formats, vectorised ------------------------------------------------------------

def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = d.astype("datetime64[Y]").astype("int64") + 1970
    return year, months.astype("int64") % 12 + 1, (d - months).astype("int64") + 1


def numc(values: np.ndarray, width: int) -> pa.Array:
    """NUMC: digits with leading zeros."""
    return pc.utf8_lpad(pa.array(np.asarray(values, dtype="int64")).cast(pa.string()), width=width, padding="0")


def dats(days: np.ndarray, empty: np.ndarray | None = None) -> pa.Array:
    """DATS from days since 1970: 'YYYYMMDD', and SAP's empty date '00000000' where ``empty``."""
    year, month, day = _ymd(days)
    out = pa.array(year * 10_000 + month * 100 + day).cast(pa.string())
    return out if empty is None else pc.if_else(pa.array(np.asarray(empty, dtype=bool)), "00000000", out)


def tims(seconds: np.ndarray, empty: np.ndarray | None = None) -> pa.Array:
    """TIMS from seconds of the day: 'HHMMSS'."""
    s = np.asarray(seconds, dtype="int64") % 86_400
    out = numc(s // 3600 * 10_000 + s // 60 % 60 * 100 + s % 60, 6)
    return out if empty is None else pc.if_else(pa.array(np.asarray(empty, dtype=bool)), "000000", out)


def pick(values: Sequence[str] | pa.Array, idx: np.ndarray) -> pa.Array:
    """``values[idx]`` as an Arrow string array, without a Python loop over the rows."""
    arr = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    return arr.take(pa.array(np.asarray(idx, dtype="int64")))


def flag(mask: np.ndarray, on: str = "X") -> pa.Array:
    """A CHAR(1) indicator: ``on`` where set, SAP's blank ' ' elsewhere."""
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), on, " ")


def blank_unless(mask: np.ndarray, values: pa.Array) -> pa.Array:
    """``values`` where ``mask``, else SAP's empty CHAR field ' ' (never NULL, never '')."""
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), values, " ")


def dec(values: np.ndarray, precision: int, scale: int) -> pa.Array:
    """QUAN/CURR/DEC as Arrow decimals, so COPY writes PostgreSQL numerics directly."""
    return pa.array(np.round(np.asarray(values, dtype="float64"), scale)).cast(pa.decimal128(precision, scale))


def text(*parts: str | pa.Array, width: int) -> pa.Array:
    """Parts joined by blanks, cut to the field's length as SAP would."""
    return pc.utf8_slice_codeunits(pc.binary_join_element_wise(*parts, " "), 0, width)


def _within(sorted_days: np.ndarray, days: np.ndarray, recent: float, rng: np.random.Generator) -> np.ndarray:
    """For each day, an index into ``sorted_days`` no later than it, mostly among the last ``recent`` rows."""
    upper = np.searchsorted(sorted_days, days, side="right")
    back = np.floor(rng.exponential(max(1.0, recent), len(days))).astype("int64")
    return np.clip(upper - 1 - back, 0, len(sorted_days) - 1)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values of sorted ``groups``."""
    return np.arange(len(groups)) - np.searchsorted(groups, groups, side="left")


# -- the seeder ----------------------------------------------------------------------------------

class ErpSeeder(Seeder):
    """The production seeder's connections and RNG, writing SAP tables by COPY straight into sapsr3."""

    def __init__(self, url: str, scale: int, seed: int):
        super().__init__(url, scale, seed)
        self.days = max(365, math.ceil(scale / 2_500))  # ~2,500 material document items a day at most
        self.first = END_DAY - self.days

    def ingest(self, table: str, data: pa.Table, casts: dict[str, str] | None = None) -> None:
        """COPY (binary) into sapsr3."TABLE": Arrow strings and decimals map onto varchar and numeric."""
        with self.conn.cursor() as cur:
            cur.adbc_ingest(table, data, mode="append", db_schema_name=SCHEMA)

    def run(self) -> dict[str, int]:
        self.execute(schema_sql())
        lines_200 = self.scale // 20
        for company in COMPANIES:
            lines = lines_200 if company.mandt == "200" else self.scale - lines_200
            started = time.monotonic()
            ClientSeed(self, company, lines).run()
            log.info("seeded client %s in %.1fs", company.mandt, time.monotonic() - started)
        counts = {}
        with self.conn.cursor() as cur:
            for table in TABLES:
                cur.execute(f'ANALYZE {SCHEMA}."{table}"')
                cur.execute(f'SELECT count(*) FROM {SCHEMA}."{table}"')
                counts[table] = cur.fetchone()[0]
        self.execute(f"COMMENT ON SCHEMA {SCHEMA} IS '{MARKER}: scale {self.scale}, seed {self.seed}'")
        self.conn.close()
        self.sql.close()
        return counts


class ClientSeed:
    """All tables of one SAP client; later tables reference the keys the earlier ones made."""

    def __init__(self, seeder: ErpSeeder, company: Company, lines: int):
        self.s = seeder
        self.c = company
        self.lines = lines
        self.first = seeder.first
        self.end = END_DAY
        self.docs = max(1, lines // 3)
        self.n_orders = max(60, lines // 20)
        self.n_notifs = max(50, lines // 25)
        self.n_materials = max(300, lines // 50)
        self.n_pos = max(30, lines // 40)

    def rng(self, table: str, chunk: int = 0) -> np.random.Generator:
        return self.s.rng(f"{table}:{self.c.mandt}", chunk)

    def put(self, table: str, columns: dict[str, pa.Array]) -> None:
        n = len(next(iter(columns.values())))
        self.s.ingest(table, pa.table({"MANDT": pa.repeat(self.c.mandt, n), **columns}))

    def spanish(self, rng: np.random.Generator, n: int, share: float) -> np.ndarray:
        """True where a text is Spanish: the second language of client 100 (``share``), the first of 200."""
        second = rng.random(n) < share
        return ~second if self.c.spanish_first else second

    def bilingual(self, rng: np.random.Generator, n: int, share: float) -> tuple[np.ndarray, np.ndarray]:
        """Rows of a text table (EQKT, MAKT): every object in the client's language, ``share`` also in the
        other; returns (object index, Spanish?) in key order, E before S."""
        extra = np.flatnonzero(rng.random(n) < share)
        obj = np.concatenate([np.arange(n), extra])
        spanish = np.concatenate([np.full(n, self.c.spanish_first), np.full(len(extra), not self.c.spanish_first)])
        order = np.lexsort((spanish, obj))
        return obj[order], spanish[order]

    def changed(self, rng: np.random.Generator, created: np.ndarray, never: float, mean_days: float
                ) -> tuple[np.ndarray, np.ndarray]:
        """(change day, never-changed mask): SAP leaves AEDAT '00000000' until the first change."""
        n = len(created)
        unchanged = rng.random(n) < never
        day = np.minimum(created + 1 + rng.exponential(mean_days, n).astype("int64"), self.end - 1)
        return np.maximum(day, created), unchanged | (created >= self.end - 1)

    def run(self) -> None:
        for step in (self.cost_centers, self.functional_locations, self.equipment, self.materials,
                     self.maintenance, self.purchasing, self.material_documents, self.shift_log):
            started = time.monotonic()
            step()
            log.info("client %s: %s in %.1fs", self.c.mandt, step.__name__, time.monotonic() - started)

    # -- controlling ----------------------------------------------------------------------------

    def cost_centers(self) -> None:
        rows = []
        for i, (number, kosar, _, verak_100, verak_200) in enumerate(COST_CENTERS):
            verak = verak_200 if self.c.mandt == "200" else verak_100
            if i < RESPONSIBLE_CHANGED:
                rows.append((number, "20231231", "20150101", "20141215", kosar, FORMER_RESPONSIBLE[i]))
                rows.append((number, "99991231", "20240101", "20231215", kosar, verak))
            else:
                rows.append((number, "99991231", "20150101", "20141215", kosar, verak))
        self.kostl = {key: f"{number:010d}" for number, _, key, _, _ in COST_CENTERS}
        self.kostl_all = pa.array(list(dict.fromkeys(self.kostl.values())))
        n = len(rows)
        self.put("CSKS", {
            "KOKRS": pa.repeat(self.c.bukrs, n),
            "KOSTL": numc(np.array([r[0] for r in rows]), 10),
            "DATBI": pa.array([r[1] for r in rows]), "DATAB": pa.array([r[2] for r in rows]),
            "ERSDA": pa.array([r[3] for r in rows]), "KOSAR": pa.array([r[4] for r in rows]),
            "VERAK": pa.array([r[5] for r in rows]),
            "BUKRS": pa.repeat(self.c.bukrs, n), "WAERS": pa.repeat(self.c.waers, n),
        })

    # -- technical objects ----------------------------------------------------------------------

    def functional_locations(self) -> None:
        rng = self.rng("IFLOT")
        n = len(FUNC_LOCS)
        created = np.full(n, DAY_2012 + 30) + rng.integers(0, 60, n)
        changed, never = self.changed(rng, created, 0.3, 900)
        self.floc_iloan = {floc[0]: 100_001 + i for i, floc in enumerate(FUNC_LOCS)}
        self.floc_site = {floc[0]: (floc[2], floc[3]) for floc in FUNC_LOCS}
        tplnr = pa.array([f[0] for f in FUNC_LOCS])
        self.put("IFLOT", {
            "TPLNR": tplnr, "FLTYP": pa.repeat("M", n), "TPLMA": pa.array([f[1] for f in FUNC_LOCS]),
            "ERDAT": dats(created), "ERNAM": pick(PLANNERS, rng.integers(0, len(PLANNERS), n)),
            "AEDAT": dats(changed, never), "AENAM": blank_unless(~never, pick(PLANNERS, rng.integers(0, 5, n))),
            "IWERK": pa.repeat(PLANT, n), "ILOAN": numc(np.arange(100_001, 100_001 + n), 12),
            "OBJNR": pc.binary_join_element_wise("IF", tplnr, ""),
        })

    def equipment(self) -> None:
        rng = self.rng("EQUI")
        rows = [(m.fleet_number, m.purchase, -1) for m in fleet.machines(self.c.fleet_divisor)]
        for i, (tag, p, _) in enumerate(list(rows)):  # rows: tag, purchase, superior row index or -1
            if p.model in ENGINES:
                rows.append((f"{tag}-ENG", p, i))
        n = len(rows)
        ids = np.arange(n)
        engine = np.array([sup >= 0 for _, _, sup in rows])
        family = [("engine" if sup >= 0 else FAMILY_OF_CLASS[p.machine_class]) for _, p, sup in rows]
        herst = [ENGINES[p.model][0] if sup >= 0 else p.make for _, p, sup in rows]
        typbz = [ENGINES[p.model][1] if sup >= 0 else p.model for _, p, sup in rows]
        text_en = [ENGINES[p.model][2] if sup >= 0 else p.text_en for _, p, sup in rows]
        text_es = [f"Motor {ENGINES[p.model][1]}" if sup >= 0 else p.text_es for _, p, sup in rows]
        value = np.array([(1_200_000 if sup >= 0 else p.value_usd) for _, p, sup in rows], dtype="float64")
        created = rng.integers(DAY_2012, self.first - 200, n)
        superior = np.array([sup for _, _, sup in rows])
        created = np.where(engine, created[np.maximum(superior, 0)], created)  # engines come with the truck
        startup = created + rng.integers(0, 45, n)
        year, _, _ = _ymd(startup)
        changed, never = self.changed(rng, created, 0.3, 700)
        equnr = numc(10_000_001 + ids, 18)
        tags = pa.array([r[0] for r in rows])
        floc = [p.functional_location for _, p, _ in rows]

        self.eq_equnr = equnr
        self.eq_tag = tags
        self.eq_family = np.array([FAMILIES.index(f) for f in family])
        self.eq_iloan = numc(200_001 + ids, 12)
        weight = np.array([WORK_WEIGHT[f] for f in family])
        self.eq_weight = weight / weight.sum()

        self.put("EQUI", {
            "EQUNR": equnr, "ERDAT": dats(created), "ERNAM": pick(PLANNERS, rng.integers(0, 5, n)),
            "AEDAT": dats(changed, never), "AENAM": blank_unless(~never, pick(PLANNERS, rng.integers(0, 5, n))),
            "EQTYP": pa.repeat("M", n), "EQART": pa.array(["ENGINE" if e else CLASSES[p.machine_class].eqart
                                                            for e, (_, p, _) in zip(engine, rows, strict=True)]),
            "HERST": pa.array(herst), "TYPBZ": pa.array(typbz),
            "SERGE": pa.array([f"{p.serial_prefix}{s:05d}" for (_, p, _), s in
                               zip(rows, rng.integers(100, 99_999, n), strict=True)]),
            "BAUJJ": pa.array(year - (rng.random(n) < 0.3)).cast(pa.string()),
            "INBDT": dats(startup), "ANSWT": dec(value * self.c.fx * rng.uniform(0.92, 1.08, n), 13, 2),
            "WAERS": pa.repeat(self.c.waers, n), "TIDNR": tags,
            "OBJNR": pc.binary_join_element_wise("IE", equnr, ""),
        })
        obj, spanish = self.bilingual(rng, n, 0.3 if self.c.spanish_first else 0.6)
        tag = pick(tags, obj)
        self.put("EQKT", {
            "EQUNR": pick(equnr, obj), "SPRAS": pc.if_else(pa.array(spanish), "S", "E"),
            "EQKTX": pc.if_else(pa.array(spanish), text(pick(text_es, obj), tag, width=40),
                                text(pick(text_en, obj), tag, width=40)),
        })
        self.put("EQUZ", {
            "EQUNR": equnr, "DATBI": pa.repeat("99991231", n), "EQLFN": pa.repeat("001", n),
            "DATAB": dats(startup), "ERDAT": dats(created), "AEDAT": dats(changed, never),
            "IWERK": pa.repeat(PLANT, n), "ILOAN": self.eq_iloan,
            "HEQUI": blank_unless(engine, pick(equnr, np.maximum(superior, 0))),
        })
        sites = [self.floc_site[f] for f in floc]
        floc_rows = [(f[0], f[2], f[3]) for f in FUNC_LOCS]
        m = len(floc_rows) + n
        self.put("ILOA", {
            "ILOAN": pa.concat_arrays([numc(np.array([self.floc_iloan[f[0]] for f in floc_rows]), 12), self.eq_iloan]),
            "TPLNR": pa.array([f[0] for f in floc_rows] + floc),
            "SWERK": pa.repeat(PLANT, m),
            "STORT": pa.array([f[1] for f in floc_rows] + [s[0] for s in sites]),
            "BUKRS": pa.repeat(self.c.bukrs, m), "KOKRS": pa.repeat(self.c.bukrs, m),
            "KOSTL": pa.array([self.kostl[f[2]] for f in floc_rows] + [self.kostl[s[1]] for s in sites]),
        })

    # -- materials ------------------------------------------------------------------------------

    def materials(self) -> None:
        rng = self.rng("MARA")
        n = self.n_materials
        shares = np.array([m[3] for m in MATERIALS])
        cat = np.sort(rng.choice(len(MATERIALS), n, p=shares / shares.sum()))
        ids = np.arange(n)
        new = rng.random(n) < 0.08  # created during the seeded period, not yet used
        created = np.where(new, rng.integers(self.first, self.end - 30, n), rng.integers(DAY_2012, self.first - 30, n))
        changed, never = self.changed(rng, created, 0.3, 400)
        deleted = rng.random(n) < 0.02
        noun_idx = rng.integers(0, 1 << 30, n)
        maker_idx = rng.integers(0, 1 << 30, n)
        part = rng.integers(0, 10_000, n)
        letters = rng.integers(0, 26, (n, 2))
        en, es = [], []
        for i in range(n):  # a few thousand materials at most per 10^5 MSEG rows
            group = MATERIALS[cat[i]]
            noun_en, noun_es = group[10][noun_idx[i] % len(group[10])]
            maker = group[11][maker_idx[i] % len(group[11])]
            pn = f"{chr(65 + letters[i, 0])}{chr(65 + letters[i, 1])}-{part[i]:04d}"
            en.append(f"{noun_en} {maker} {pn}"[:40])
            es.append(f"{noun_es} {maker} {pn}"[:40])
        lo_w = np.array([m[6][0] for m in MATERIALS])[cat]
        hi_w = np.array([m[6][1] for m in MATERIALS])[cat]
        net = rng.uniform(lo_w, hi_w)
        lo_p = np.array([m[5][0] for m in MATERIALS])[cat]
        hi_p = np.array([m[5][1] for m in MATERIALS])[cat]
        self.mat_price = np.exp(rng.uniform(np.log(lo_p), np.log(hi_p)))  # moving average price, USD
        self.mat_cat = cat
        self.mat_matnr = numc(1_000_001 + ids, 18)
        units = [m[2] for m in MATERIALS]
        self.mat_meins = pick(units, cat)
        self.mat_lgort = np.array([m[8] for m in MATERIALS])[cat]
        self.mat_pit = (rng.random(n) < 0.35) & (self.mat_lgort != 1)  # also stocked at the pit store
        self.mat_batch = np.array([m[9] for m in MATERIALS])[cat]
        self.mat_text = pa.array(es if self.c.spanish_first else en)
        freq = np.array([m[4] for m in MATERIALS])[cat] / np.bincount(cat, minlength=len(MATERIALS))[cat]
        relative_price = self.mat_price / np.sqrt(lo_p * hi_p)  # the dearer parts of a group are used less
        use = freq * rng.lognormal(0, 1.0, n) * relative_price ** -0.7 * ~new * ~deleted
        self.mat_use = use / use.sum()
        self.mat_qty = (np.array([m[7][0] for m in MATERIALS])[cat], np.array([m[7][1] for m in MATERIALS])[cat])

        self.put("MARA", {
            "MATNR": self.mat_matnr, "ERSDA": dats(created), "LAEDA": dats(changed, never),
            "MTART": pick([m[1] for m in MATERIALS], cat), "MATKL": pick([m[0] for m in MATERIALS], cat),
            "MEINS": self.mat_meins, "BRGEW": dec(net * 1.05, 13, 3), "NTGEW": dec(net, 13, 3),
            "GEWEI": pa.repeat("KG", n), "LVORM": flag(deleted),
        })
        obj, spanish = self.bilingual(rng, n, 0.3 if self.c.spanish_first else 0.5)
        maktx = pc.if_else(pa.array(spanish), pick(es, obj), pick(en, obj))
        self.put("MAKT", {"MATNR": pick(self.mat_matnr, obj), "SPRAS": pc.if_else(pa.array(spanish), "S", "E"),
                          "MAKTX": maktx, "MAKTG": pc.utf8_upper(maktx)})
        # stock: the material's main storage location, and the pit store for a third of them
        st_mat = np.sort(np.concatenate([ids, ids[self.mat_pit]]))
        second = np.r_[False, st_mat[1:] == st_mat[:-1]]
        st_lgort = np.where(second, 1, self.mat_lgort[st_mat])
        m = len(st_mat)
        hi_q = self.mat_qty[1][st_mat]
        labst = np.where(rng.random(m) < 0.06, 0, np.round(rng.gamma(2.0, hi_q * 1.5)))
        self.put("MARD", {
            "MATNR": pick(self.mat_matnr, st_mat), "WERKS": pa.repeat(PLANT, m), "LGORT": pick(LGORTS, st_lgort),
            "LVORM": flag(deleted[st_mat]),
            "ERSDA": dats(np.minimum(created[st_mat] + rng.integers(0, 30, m), self.end - 1)),
            "LABST": dec(labst, 13, 3),
            "INSME": dec(np.where(rng.random(m) < 0.02, np.ceil(hi_q / 2), 0), 13, 3),
            "SPEME": dec(np.where(rng.random(m) < 0.01, 1, 0), 13, 3),
        })

    # -- maintenance: notifications and orders --------------------------------------------------

    def _texts(self, pools: list[tuple[tuple[str, str], ...]], pool_of_row: np.ndarray, spanish: np.ndarray,
               rng: np.random.Generator) -> pa.Array:
        """A text per row from the row's pool, in Spanish where ``spanish``."""
        flat_en = [t[0] for p in pools for t in p]
        flat_es = [t[1] for p in pools for t in p]
        start = np.cumsum([0] + [len(p) for p in pools])[:-1]
        size = np.array([len(p) for p in pools])
        idx = start[pool_of_row] + rng.integers(0, 1 << 30, len(pool_of_row)) % size[pool_of_row]
        return pc.if_else(pa.array(spanish), pick(flat_es, idx), pick(flat_en, idx))

    def maintenance(self) -> None:
        rng = self.rng("QMEL")
        n = self.n_notifs
        eq = rng.choice(len(self.eq_weight), n, p=self.eq_weight)
        fam = self.eq_family[eq]
        created = np.sort(rng.integers(self.first - 90, self.end, n))
        created_s = rng.integers(DAY, DAY + 16 * 3600, n) + rng.integers(-6 * 3600, 6 * 3600, n)
        created_s = np.clip(created_s, 0, 86_399)
        malfunction = rng.random(n) < 0.6
        prio = np.where(malfunction, rng.choice(4, n, p=[0.25, 0.45, 0.25, 0.05]),
                        rng.choice(4, n, p=[0.0, 0.15, 0.5, 0.35])) + 1
        late = rng.random(n) < 0.15  # reported the day after it happened
        qmdat = created - late
        mzeit = np.where(late, rng.integers(0, 86_400, n), np.maximum(0, created_s - rng.integers(0, 7200, n)))
        strmn = qmdat + np.where(prio <= 1, 0, rng.integers(0, 4, n))
        ltrmn = strmn + np.array([0, 1, 3, 14, 30])[prio]
        changed, never = self.changed(rng, created, 0.25, 5)
        spanish = self.spanish(rng, n, 0.35)
        pools = [FAULTS[f] for f in FAMILIES]
        fault = self._texts(pools, fam, spanish, rng)
        qmtxt = text(fault, pick(self.eq_tag, eq), width=40)
        qmnum = numc(10_000_000 + np.arange(n), 12)
        reporter = pick(REPORTERS, rng.integers(0, len(REPORTERS), n))

        # corrective orders (PM01) for half of the notifications; preventive (PM02) and overhauls (PM03)
        rng_o = self.rng("AUFK")
        n_pm01 = min(n, int(self.n_orders * 0.4))
        linked = np.sort(rng_o.choice(n, n_pm01, replace=False))
        n_other = self.n_orders - n_pm01
        pm03 = rng_o.random(n_other) < 0.2
        mobile_eq = np.flatnonzero(np.isin(self.eq_family, [FAMILIES.index(f) for f in ("truck", "shovel", "mobile")]))
        other_eq = np.where(pm03, mobile_eq[rng_o.integers(0, len(mobile_eq), n_other)],
                            rng_o.choice(len(self.eq_weight), n_other, p=self.eq_weight))
        o_eq = np.concatenate([eq[linked], other_eq])
        o_created = np.concatenate([np.minimum(created[linked] + (rng_o.random(n_pm01) < 0.3), self.end - 1),
                                    rng_o.integers(self.first - 90, self.end, n_other)])
        o_kind = np.concatenate([np.zeros(n_pm01, "int64"), np.where(pm03, 2, 1)])  # 0 PM01, 1 PM02, 2 PM03
        o_notif = np.concatenate([linked, np.full(n_other, -1)])
        order = np.argsort(o_created, kind="stable")
        o_eq, o_created, o_kind, o_notif = o_eq[order], o_created[order], o_kind[order], o_notif[order]
        m = len(o_eq)
        aufnr = numc(4_000_000 + np.arange(m), 12)
        notif_order = np.full(n, -1)
        notif_order[o_notif[o_notif >= 0]] = np.flatnonzero(o_notif >= 0)

        breakdown = malfunction & (rng.random(n) < 0.5)
        ended = breakdown & (notif_order >= 0) & (created < self.end - 2)
        # a breakdown ends 0-3 days and a random part of a day after it started (never before it), by the
        # end of the seeded period at the latest
        start_s = qmdat * 86_400 + mzeit
        end_s = start_s + rng.integers(0, 3, n) * 86_400 + rng.integers(0, 86_400, n)
        end_s = np.maximum(np.minimum(end_s, self.end * 86_400 - 1), start_s)
        ausbs, auztb = end_s // 86_400, end_s % 86_400
        self.put("QMEL", {
            "QMNUM": qmnum, "QMART": pc.if_else(pa.array(malfunction), "M2", "M1"), "QMTXT": qmtxt,
            "ERNAM": reporter, "ERDAT": dats(created), "ERZEIT": tims(created_s), "AEDAT": dats(changed, never),
            "QMDAT": dats(qmdat), "MZEIT": tims(mzeit), "QMNAM": reporter, "PRIOK": numc(prio, 1),
            "STRMN": dats(strmn), "LTRMN": dats(ltrmn),
            "AUFNR": blank_unless(notif_order >= 0, pick(aufnr, np.maximum(notif_order, 0))),
            "OBJNR": pc.binary_join_element_wise("QM", qmnum, ""),
        })
        fixed = np.isin(fam, [FAMILIES.index(f) for f in FIXED_PLANT])
        self.put("QMIH", {
            "QMNUM": qmnum, "EQUNR": pick(self.eq_equnr, eq), "ILOAN": pick(self.eq_iloan, eq),
            "IWERK": pa.repeat(PLANT, n), "INGRP": pc.if_else(pa.array(fixed), "PM2", "PM1"),
            "MSAUS": flag(breakdown), "AUSVN": dats(qmdat, ~breakdown), "AUZTV": tims(mzeit, ~breakdown),
            "AUSBS": dats(ausbs, ~ended), "AUZTB": tims(auztb, ~ended),
        })

        # orders
        rng = rng_o
        age = self.end - o_created
        phase = np.select(
            [age > 30, age > 7],
            [rng.choice(np.array([3, 6, 2]), m, p=[0.55, 0.40, 0.05]),
             rng.choice(np.array([2, 3, 6]), m, p=[0.4, 0.5, 0.1])],
            rng.choice(np.array([0, 2, 3]), m, p=[0.3, 0.6, 0.1]))
        deleted = rng.random(m) < 0.02
        phase = np.where(deleted, 4, phase)
        changed, never = self.changed(rng, o_created, 0.1, 6)
        never |= phase == 0
        o_fam = self.eq_family[o_eq]
        o_fixed = np.isin(o_fam, [FAMILIES.index(f) for f in FIXED_PLANT])
        o_spanish = self.spanish(rng, m, 0.25)
        prev_text = self._texts([PREVENTIVE["mobile_like"], PREVENTIVE["fixed"], OVERHAUL],
                                   np.where(o_kind == 2, 2, o_fixed.astype("int64")), o_spanish, rng)
        own_text = text(prev_text, pick(self.eq_tag, o_eq), width=40)
        ktext = pc.if_else(pa.array(o_kind == 0), pick(qmtxt, np.maximum(o_notif, 0)), own_text)
        prio_o = np.where(o_kind == 0, prio[np.maximum(o_notif, 0)], np.where(o_kind == 1, 4, 3))
        kostv = pc.if_else(pa.array(o_fixed), self.kostl["maint_fixed"], self.kostl["maint_mobile"])
        ernam = pc.if_else(pa.array(o_kind == 1), "WF-BATCH", pick(PLANNERS, rng.integers(0, 5, m)))
        self.put("AUFK", {
            "AUFNR": aufnr, "AUART": pick(["PM01", "PM02", "PM03"], o_kind), "AUTYP": pa.repeat("30", m),
            "ERNAM": ernam, "ERDAT": dats(o_created), "AEDAT": dats(changed, never), "KTEXT": ktext,
            "WERKS": pa.repeat(PLANT, m), "OBJNR": pc.binary_join_element_wise("OR", aufnr, ""),
            "KOSTV": kostv, "LOEKZ": flag(deleted),
        })
        was_breakdown = (o_notif >= 0) & breakdown[np.maximum(o_notif, 0)]
        ilart = np.where(o_kind == 0, np.where(was_breakdown, 0, 1),
                         np.where(o_kind == 2, 4, np.where(rng.random(m) < 0.8, 2, 3)))
        self.put("AFIH", {
            "AUFNR": aufnr, "PRIOK": numc(prio_o, 1), "EQUNR": pick(self.eq_equnr, o_eq),
            "ILOAN": pick(self.eq_iloan, o_eq), "IWERK": pa.repeat(PLANT, m),
            "QMNUM": blank_unless(o_notif >= 0, pick(qmnum, np.maximum(o_notif, 0))),
            "IPHAS": numc(phase, 1), "ILART": pick(["BRK", "COR", "PRV", "INS", "OVH"], ilart),
        })
        gstrp = o_created + np.where(prio_o <= 2, 0, rng.integers(0, 15, m))
        gltrp = gstrp + rng.integers(0, 4, m)
        released = np.isin(phase, [2, 3, 6])
        finished = np.isin(phase, [3, 6])
        ftrmi = np.minimum(o_created + rng.integers(0, 3, m), self.end - 1)
        getri = np.minimum(np.maximum(ftrmi, gstrp) + rng.integers(0, 10, m), self.end - 1)
        gsuzs = np.select([rng.random(m) < 0.6, rng.random(m) < 0.5], [DAY, NIGHT], rng.integers(0, 86_400, m))
        self.put("AFKO", {
            "AUFNR": aufnr, "GSTRP": dats(gstrp), "GLTRP": dats(gltrp), "GSTRS": dats(gstrp), "GSUZS": tims(gsuzs),
            "FTRMI": dats(ftrmi, ~released), "GETRI": dats(getri, ~finished),
            "GEUZI": tims(rng.integers(0, 86_400, m), ~finished),
        })
        self.ord_created = o_created
        self.ord_aufnr = aufnr

    # -- purchasing -----------------------------------------------------------------------------

    def purchasing(self) -> None:
        rng = self.rng("EKKO")
        n = self.n_pos
        bedat = np.sort(rng.integers(self.first - 120, self.end - 2, n))
        ebeln = numc(4_500_000_000 + np.arange(n), 10)
        deleted = rng.random(n) < 0.01
        vendors = numc(100_000 + np.arange(0, 300, 7), 10)
        self.put("EKKO", {
            "EBELN": ebeln, "BUKRS": pa.repeat(self.c.bukrs, n), "BSTYP": pa.repeat("F", n),
            "BSART": pc.if_else(pa.array(rng.random(n) < 0.08), "FO", "NB"), "LOEKZ": flag(deleted, "L"),
            "AEDAT": dats(bedat), "ERNAM": pick(BUYERS, rng.integers(0, len(BUYERS), n)),
            "LIFNR": pick(vendors, rng.integers(0, len(vendors), n)), "EKORG": pa.repeat(self.c.bukrs, n),
            "EKGRP": numc(rng.integers(1, 5, n), 3), "WAERS": pa.repeat(self.c.waers, n), "BEDAT": dats(bedat),
        })
        rng = self.rng("EKPO")
        per_po = 1 + np.minimum(rng.poisson(2.0, n), 9)
        po = np.repeat(np.arange(n), per_po)
        m = len(po)
        ebelp = (_rank_within(po) + 1) * 10
        mat = rng.choice(len(self.mat_use), m, p=self.mat_use)
        lo, hi = self.mat_qty[0][mat], self.mat_qty[1][mat]
        menge = np.maximum(1, np.round(rng.uniform(lo, hi) * rng.integers(1, 5, m)))
        netpr = np.round(self.mat_price[mat] * self.c.fx * rng.uniform(0.95, 1.08, m), 2)
        changed, never = self.changed(rng, bedat[po], 0.7, 10)
        item_deleted = deleted[po] | (rng.random(m) < 0.03)
        self.put("EKPO", {
            "EBELN": pick(ebeln, po), "EBELP": numc(ebelp, 5), "LOEKZ": flag(item_deleted, "L"),
            "AEDAT": dats(np.where(never, bedat[po], changed)),  # the item change date starts as the creation date
            "TXZ01": pick(self.mat_text, mat), "MATNR": pick(self.mat_matnr, mat), "WERKS": pa.repeat(PLANT, m),
            "LGORT": pick(LGORTS, self.mat_lgort[mat]), "MATKL": pick([g[0] for g in MATERIALS], self.mat_cat[mat]),
            "MENGE": dec(menge, 13, 3), "MEINS": pick(self.mat_meins, mat), "NETPR": dec(netpr, 11, 2),
            "PEINH": dec(np.ones(m), 5, 0), "NETWR": dec(menge * netpr, 13, 2),
        })
        self.item_bedat = bedat[po]
        self.item_po = po
        self.item_ebelp = ebelp
        self.item_mat = mat
        self.item_menge = menge
        self.item_netpr = netpr

    # -- inventory management: material documents ------------------------------------------------

    def material_documents(self) -> None:
        rng = self.rng("MKPF")
        n = self.docs
        stamp = np.sort(rng.integers(self.first * 86_400, self.end * 86_400, n))
        cpudt, cputm = stamp // 86_400, stamp % 86_400
        kind = rng.choice(4, n, p=[0.52, 0.02, 0.16, 0.30])  # 261, 262, 201, 101
        receipt = kind == 3
        r = rng.random(n)
        budat = cpudt - np.where(r < 0.88, 0, np.where(r < 0.98, 1, rng.integers(2, 6, n)))
        backdated = np.where(rng.random(n) < 0.8, 0, rng.integers(1, 4, n))
        bldat = budat - np.where(receipt, rng.integers(0, 6, n), backdated)  # receipts: the delivery note's date
        mjahr, _, _ = _ymd(budat)
        # number ranges per year: 49xxxxxxxx goods issues and transfers, 50xxxxxxxx goods receipts
        group = mjahr * 2 + receipt
        by_group = np.argsort(group, kind="stable")
        counter = np.empty(n, "int64")
        counter[by_group] = _rank_within(group[by_group])
        mblnr = np.where(receipt, 5_000_000_000, 4_900_000_000) + counter
        self.put("MKPF", {
            "MBLNR": numc(mblnr, 10), "MJAHR": pa.array(mjahr).cast(pa.string()),
            "VGART": pc.if_else(pa.array(receipt), "WE", "WA"), "BLART": pc.if_else(pa.array(receipt), "WE", "WA"),
            "BLDAT": dats(bldat), "BUDAT": dats(budat), "CPUDT": dats(cpudt), "CPUTM": tims(cputm),
            "USNAM": pick(CLERKS, rng.integers(0, len(CLERKS), n)),
            "XBLNR": blank_unless(receipt, pc.binary_join_element_wise("GD-", numc(rng.integers(0, 10**7, n), 7), "")),
        })

        # items: every document has at least one, the rest spread at random; ZEILE counts within a document
        rng = self.rng("MSEG")
        lines = self.lines
        doc = np.sort(np.concatenate([np.arange(n), rng.integers(0, n, lines - n)]))
        zeile = _rank_within(doc) + 1
        lkind = kind[doc]
        lbudat = budat[doc]
        gr = lkind == 3
        # goods issues: a material by how often it is used, a quantity by its kind
        mat = rng.choice(len(self.mat_use), lines, p=self.mat_use)
        lo, hi = self.mat_qty[0][mat], self.mat_qty[1][mat]
        qty = np.floor(lo + (hi - lo + 1) * rng.random(lines))
        amount = qty * self.mat_price[mat] * self.c.fx
        # goods receipts: an item of a purchase order placed before, mostly a recent one
        per_day = len(self.item_bedat) / (self.end - self.first + 120)
        item = _within(self.item_bedat, lbudat - 2, per_day * 45, rng)
        mat = np.where(gr, self.item_mat[item], mat)
        gr_qty = np.maximum(1, np.round(self.item_menge[item] * rng.uniform(0.25, 1.0, lines)))
        qty = np.where(gr, np.minimum(gr_qty, self.item_menge[item]), qty)
        amount = np.where(gr, qty * self.item_netpr[item], amount)
        # consumption to maintenance orders (261/262) or to cost centers (201)
        per_day = len(self.ord_created) / (self.end - self.first + 90)
        order = _within(self.ord_created, lbudat, per_day * 20, rng)
        to_order = lkind <= 1
        cost_center = rng.integers(0, len(self.kostl_all), lines)
        lgort = np.where(~gr & self.mat_pit[mat] & (rng.random(lines) < 0.3), 1, self.mat_lgort[mat])
        sgtxt = rng.integers(0, len(ISSUE_TEXTS), lines)
        has_text = ~gr & (rng.random(lines) < 0.15)
        batch = self.mat_batch[mat]
        charg = numc((mat * 97 + cpudt[doc] // 30) % 1_000_000 + 1, 10)
        mblnr_s, mjahr_s = numc(mblnr, 10), pa.array(mjahr).cast(pa.string())
        cpudt_s, cputm_s = dats(cpudt), tims(cputm)

        for chunk, first in enumerate(range(0, lines, CHUNK_ROWS)):
            s = slice(first, min(lines, first + CHUNK_ROWS))
            d, k, q = doc[s], lkind[s], qty[s]
            meins = pick(self.mat_meins, mat[s])
            menge = dec(q, 13, 3)
            self.put("MSEG", {
                "MBLNR": pick(mblnr_s, d), "MJAHR": pick(mjahr_s, d), "ZEILE": numc(zeile[s], 4),
                "BWART": pick(["261", "262", "201", "101"], k), "MATNR": pick(self.mat_matnr, mat[s]),
                "WERKS": pa.repeat(PLANT, len(d)), "LGORT": pick(LGORTS, lgort[s]),
                "CHARG": blank_unless(batch[s], charg.slice(first, len(d))),
                "SHKZG": pick(["H", "S", "H", "S"], k), "WAERS": pa.repeat(self.c.waers, len(d)),
                "DMBTR": dec(amount[s], 13, 2), "MENGE": menge, "MEINS": meins, "ERFMG": menge, "ERFME": meins,
                "EBELN": blank_unless(gr[s], numc(4_500_000_000 + self.item_po[item[s]], 10)),
                "EBELP": numc(np.where(gr[s], self.item_ebelp[item[s]], 0), 5),
                "AUFNR": blank_unless(to_order[s], pick(self.ord_aufnr, order[s])),
                "KOSTL": blank_unless(k == 2, pick(self.kostl_all, cost_center[s])),
                "SGTXT": blank_unless(has_text[s], pick(ISSUE_TEXTS, sgtxt[s])),
                "CPUDT_MKPF": pick(cpudt_s, d), "CPUTM_MKPF": pick(cputm_s, d),
            })
            log.info("client %s MSEG: %s of %s rows (chunk %d)", self.c.mandt, s.stop, lines, chunk)

    # -- the customer's shift log ----------------------------------------------------------------

    def shift_log(self) -> None:
        rng = self.rng("ZMINE_SHIFTLOG")
        shifts = np.arange((self.end - 1 - self.first) * 2)
        per_shift = 1 + (rng.poisson(1.5, len(shifts)) if self.c.mandt == "100" else np.zeros(len(shifts), "int64"))
        shift = np.repeat(shifts, per_shift)
        n = len(shift)
        day = self.first + shift // 2
        night = shift % 2
        stamp = day * 86_400 + np.where(night == 1, NIGHT, DAY) + np.sort(rng.integers(0, 12 * 3600, n))
        erdat = stamp // 86_400
        changed, never = self.changed(rng, erdat, 0.6, 1)
        spanish = self.spanish(rng, n, 0.5)
        note = rng.integers(0, len(SHIFT_NOTES), n)
        words = pc.if_else(pa.array(spanish), pick([t[1] for t in SHIFT_NOTES], note),
                           pick([t[0] for t in SHIFT_NOTES], note))
        crew = (day - self.first + night * 2) % 4
        self.put("ZMINE_SHIFTLOG", {
            "LOGID": numc(np.arange(1, n + 1), 10), "/MINE/SHIFT": pc.if_else(pa.array(night == 1), "N", "D"),
            "/MINE/CREW": pick(["A", "B", "C", "D"], crew), "ERDAT": dats(erdat), "ERZET": tims(stamp),
            "AEDAT": dats(changed, never),
            "TEXT": text(words, pick(self.eq_tag, rng.integers(0, len(self.eq_tag), n)), width=132),
        })


def seed(url: str, scale: int = 100_000, seed: int = 7) -> dict[str, int]:
    """(Re)create schema sapsr3 at ``url`` and fill it; returns rows per table (SAP's names)."""
    if not 1_000 <= scale <= 50_000_000:
        raise ValueError(f"--scale must be between 1000 and 50000000, got {scale}")
    return ErpSeeder(url, scale, seed).run()


def seeded_erp(url: str) -> bool:
    """Whether ``url`` holds a complete seed (every table, MSEG with rows): the loader seeds on first use."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s",
                           (SCHEMA,)).fetchone()
        if row is None or not (row[0] or "").startswith(MARKER):
            return False
        (present,) = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = ANY(%s)",
            (SCHEMA, list(TABLES))).fetchone()
        if present != len(TABLES):
            return False
        return bool(conn.execute(f'SELECT EXISTS (SELECT 1 FROM {SCHEMA}."MSEG")').fetchone()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.local.seed_erp", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100_000, help="rows in MSEG (default 100000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--source_url", help="PostgreSQL URL (default: the local stack's production database)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    url = args.source_url or stack.start()
    started = time.monotonic()
    counts = seed(url, args.scale, args.seed)
    for table, rows in counts.items():
        print(f"{SCHEMA}.{table:16s} {rows:>10,d} rows")
    print(f"seeded in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
