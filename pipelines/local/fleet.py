"""The mine's fleet: one fleet number per machine, the same in the ERP, the production app and the mobile app.

The three local sources are generated from this one list, so a machine joins across them by its
fleet number (``HT-0042``, ``SH-03``, ``CR-PRIMARY-1``): the ERP's equipment master carries it in
``EQUI.TIDNR`` (``EQUNR`` is SAP's own number), the production app in ``trucks.truck_id``,
``truck_loads.truck_id``/``shovel_id``, ``drill_holes.rig_id``, ``crusher_throughput.crusher_id``
and ``equipment_status.equipment_id``, the operators' app in ``machine_id``. A fleet number starts
with its class's prefix. The machines are bought in batches (``PURCHASES``): one make and model,
consecutive numbers, one functional location. Rated payloads are the makers' (CAT 793F 250 short
tons = 226.8 t, Komatsu 930E-4SE 320 short tons = 290 t).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MachineClass:
    """What a machine is: its name in the marts, the ERP's object type (EQART), the fleet-number prefix."""

    name: str
    eqart: str
    prefix: str


CLASSES = {c.name: c for c in (
    MachineClass("haul truck", "HAULTRUCK", "HT"), MachineClass("shovel", "SHOVEL", "SH"),
    MachineClass("loader", "LOADER", "LD"), MachineClass("drill", "DRILL", "DR"),
    MachineClass("dozer", "DOZER", "DZ"), MachineClass("grader", "GRADER", "GR"),
    MachineClass("water truck", "WATERTRUCK", "WT"), MachineClass("light vehicle", "LIGHTVEH", "LV"),
    MachineClass("crusher", "CRUSHER", "CR"), MachineClass("conveyor", "CONVEYOR", "CV"),
    MachineClass("mill", "MILL", "ML"), MachineClass("pump", "PUMP", "PP"),
)}
# the part of the mine a functional location's second level names (the ERP's location STORT)
PITS = {"PIT1": "PIT1", "PIT2": "PIT2", "PLNT": "PLANT"}


@dataclass(frozen=True)
class Purchase:
    """Machines bought together: ``count`` fleet numbers ``pattern.format(first)``, ``first + 1``, ..."""

    pattern: str
    first: int
    count: int
    machine_class: str
    make: str  # the ERP's manufacturer (HERST)
    model: str  # the ERP's model (TYPBZ)
    name: str  # what the site calls the model (the production app's trucks.model)
    functional_location: str
    text_en: str
    text_es: str
    value_usd: float  # acquisition value
    serial_prefix: str
    rated_payload_t: float | None = None  # haul trucks: the maker's rated payload, tonnes
    tyre_size: str | None = None

    @property
    def pit(self) -> str:
        """PIT1, PIT2 or PLANT: where the machine works, from its functional location."""
        return PITS[self.functional_location.split("-")[1]]


PURCHASES = (
    Purchase("HT-{:04d}", 1, 36, "haul truck", "CATERPILLAR", "793F", "CAT 793F", "MINE-PIT1-HAUL",
             "Haul truck CAT 793F", "Camion de extraccion CAT 793F", 5_600_000, "SSP", 226.8, "46/90R57"),
    Purchase("HT-{:04d}", 37, 24, "haul truck", "KOMATSU", "930E-4SE", "Komatsu 930E", "MINE-PIT2-HAUL",
             "Haul truck KOM 930E", "Camion de extraccion KOM 930E", 5_900_000, "A30", 290.0, "53/80R63"),
    Purchase("SH-{:02d}", 1, 5, "shovel", "P&H", "4100XPC", "P&H 4100XPC", "MINE-PIT1-LOAD",
             "Electric rope shovel P&H 4100XPC", "Pala electrica P&H 4100XPC", 28_000_000, "XPC"),
    Purchase("SH-{:02d}", 6, 3, "shovel", "KOMATSU", "PC8000-6", "Komatsu PC8000", "MINE-PIT2-LOAD",
             "Hydraulic shovel KOM PC8000", "Pala hidraulica KOM PC8000", 19_500_000, "K8"),
    Purchase("LD-{:02d}", 1, 4, "loader", "CATERPILLAR", "994K", "CAT 994K", "MINE-PIT1-LOAD",
             "Wheel loader CAT 994K", "Cargador frontal CAT 994K", 8_800_000, "W4K"),
    Purchase("DR-{:02d}", 1, 6, "drill", "EPIROC", "PIT VIPER 271", "Epiroc PV-271", "MINE-PIT1-DRIL",
             "Blasthole drill PV-271", "Perforadora PV-271", 6_200_000, "PV"),
    Purchase("DZ-{:02d}", 1, 10, "dozer", "CATERPILLAR", "D10T2", "CAT D10T2", "MINE-PIT1-AUXE",
             "Track dozer CAT D10T2", "Bulldozer CAT D10T2", 2_300_000, "RJG"),
    Purchase("GR-{:02d}", 1, 6, "grader", "CATERPILLAR", "16M3", "CAT 16M3", "MINE-PIT1-AUXE",
             "Motor grader CAT 16M3", "Motoniveladora CAT 16M3", 1_700_000, "R9H"),
    Purchase("WT-{:02d}", 1, 4, "water truck", "CATERPILLAR", "785G WT", "CAT 785G WT", "MINE-PIT1-AUXE",
             "Water truck CAT 785G", "Camion aljibe CAT 785G", 3_100_000, "RTB"),
    Purchase("LV-{:03d}", 1, 40, "light vehicle", "TOYOTA", "HILUX 2.8 4X4", "Toyota Hilux", "MINE-PIT1-AUXE",
             "Pickup Toyota Hilux", "Camioneta Toyota Hilux", 45_000, "MR0"),
    Purchase("CR-PRIMARY-{:d}", 1, 1, "crusher", "METSO", "MKIII 60-110", "Metso MKIII 60-110", "MINE-PLNT-CRSH",
             "Primary gyratory crusher", "Chancador primario giratorio", 14_000_000, "MK3"),
    Purchase("CR-PRIMARY-{:d}", 2, 1, "crusher", "FLSMIDTH", "TSUV 60-89", "FLSmidth TSUV 60-89", "MINE-PLNT-CRSH",
             "Primary gyratory crusher", "Chancador primario giratorio", 13_500_000, "TS"),
    Purchase("CR-SECONDARY-{:d}", 1, 3, "crusher", "METSO", "MP1000", "Metso MP1000", "MINE-PLNT-CRSH",
             "Cone crusher MP1000", "Chancador de cono MP1000", 4_200_000, "MP"),
    Purchase("CR-TERTIARY-{:d}", 1, 2, "crusher", "FLSMIDTH", "RAPTOR 2500", "FLSmidth Raptor 2500",
             "MINE-PLNT-CRSH", "Cone crusher Raptor 2500", "Chancador de cono Raptor 2500", 3_900_000, "RP"),
    Purchase("CV-{:02d}", 1, 8, "conveyor", "FLSMIDTH", "BELT 1800MM", "Belt 1800 mm", "MINE-PLNT-CONV",
             "Belt conveyor 1800mm", "Correa transportadora 1800mm", 3_500_000, "CV"),
    Purchase("CV-{:02d}", 9, 8, "conveyor", "TAKRAF", "BELT 1400MM", "Belt 1400 mm", "MINE-PLNT-CONV",
             "Belt conveyor 1400mm", "Correa transportadora 1400mm", 2_400_000, "TK"),
    Purchase("ML-SAG-{:d}", 1, 1, "mill", "FLSMIDTH", "SAG 40X22", "SAG mill 40x22", "MINE-PLNT-MILL",
             "SAG mill 40x22", "Molino SAG 40x22", 42_000_000, "SAG"),
    Purchase("ML-BALL-{:d}", 1, 3, "mill", "METSO", "BALL 26X40", "Ball mill 26x40", "MINE-PLNT-MILL",
             "Ball mill 26x40", "Molino de bolas 26x40", 24_000_000, "BM"),
    Purchase("PP-{:02d}", 1, 20, "pump", "WEIR MINERALS", "WARMAN 650 MCR", "Warman 650", "MINE-PLNT-PUMP",
             "Slurry pump Warman 650", "Bomba de pulpa Warman 650", 450_000, "WM"),
)


@dataclass(frozen=True)
class Machine:
    """One machine of the fleet; ``purchase`` has the rest of what the ERP records about it."""

    fleet_number: str
    machine_class: str
    make: str
    model: str
    pit: str
    rated_payload_t: float | None
    purchase: Purchase


def machines(keep_one_in: int = 1) -> tuple[Machine, ...]:
    """The fleet in purchase order. ``keep_one_in`` > 1 gives a smaller company's fleet of the same
    makes (the ERP's second client): the first ``count // keep_one_in`` of each purchase, at least one."""
    return tuple(Machine(p.pattern.format(p.first + k), p.machine_class, p.make, p.model, p.pit, p.rated_payload_t, p)
                 for p in PURCHASES for k in range(max(1, p.count // keep_one_in)))


class Fleet:
    """The mine's fleet (the ERP's client 100), with the look-ups the generators need. A fleet number used
    twice, or without its class's prefix, is refused when it is built (so when this module loads)."""

    def __init__(self, members: tuple[Machine, ...]):
        self.machines = members
        self.by_number = {m.fleet_number: m for m in members}
        self.classes = {m.fleet_number: m.machine_class for m in members}  # fleet number -> class
        if len(self.by_number) != len(members):
            raise ValueError("a fleet number is used twice")
        for m in members:
            if m.machine_class not in CLASSES or not m.fleet_number.startswith(CLASSES[m.machine_class].prefix + "-"):
                raise ValueError(f"{m.fleet_number}: not a fleet number of class {m.machine_class!r}")

    def __len__(self) -> int:
        return len(self.machines)

    def of_class(self, *names: str) -> tuple[Machine, ...]:
        """The machines of these classes, in fleet order."""
        unknown = set(names) - set(CLASSES)
        if unknown:
            raise KeyError(f"no machine class {sorted(unknown)}")
        return tuple(m for m in self.machines if m.machine_class in names)

    def numbers(self, *names: str) -> list[str]:
        """Fleet numbers of these classes, in fleet order."""
        return [m.fleet_number for m in self.of_class(*names)]

    def get(self, *fleet_numbers: str) -> tuple[Machine, ...]:
        """These machines; a number that is not in the fleet is an error, not a new machine."""
        missing = [n for n in fleet_numbers if n not in self.by_number]
        if missing:
            raise KeyError(f"not in the fleet: {missing}")
        return tuple(self.by_number[n] for n in fleet_numbers)


FLEET = Fleet(machines())
