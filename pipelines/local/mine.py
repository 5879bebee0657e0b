"""The mine's geography: its zones and its drill patterns, the same in every local source.

The production app's drill holes and blasts and the lab's samples are generated from this one
description, so a sample joins its hole, the hole its blast and its zone (as the fleet's machines
join across sources: :mod:`pipelines.local.fleet`).

- **Zones** (``ZONES``): the names the geophones report (``pipelines/simulate/sensors.py``), each in a
  pit (PIT1, PIT2, or PLANT as in the fleet's functional locations) and a box in the mine grid
  (UTM metres: easting, northing). A box holds its west and south edges, not its east and north
  ones, so a point lies in one zone at most. Holes are drilled in the pit zones, on the benches
  each pit is mining now (``benches_m``); the crusher and the tailings dam have none.
- **Drill patterns** (:func:`patterns`): pattern N (``P-0000N``) is a grid of 40 to 160 holes on one
  bench of one pit zone, 8 m spacing by 7 m burden, each hole about 16.5 m deep (a 15 m bench and
  its sub-drill). Hole ids are consecutive, pattern after pattern. The production seed's blast N
  fires pattern N. The layout depends on the pattern number only (no seed, no scale), so the lab
  simulator samples holes the production seed writes at any scale: the lab tags a sample with the
  hole id as text (``drill_hole_id = '1042'``).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from pipelines.local.fleet import PITS

BENCH_HEIGHT_M = 15
SURFACE_M = 3_700  # the ground level before mining: the highest bench is at 3685 m
SPACING_M, BURDEN_M = 8.0, 7.0  # between holes of a row, between rows
HOLES_PER_PATTERN = (40, 160)
DEPTH_CM = (1_650, 80)  # mean and sd of a hole's depth, centimetres
EDGE_M = 20.0  # a pattern keeps this far inside its zone's box
LAYOUT_KEY = 20_261_122  # the layout's random key: the same for every seed and scale


@dataclass(frozen=True)
class Zone:
    """One zone of the mine: its name (as the sensors report it), a short code, its pit and its box."""

    name: str
    code: str
    pit: str
    easting_m: tuple[int, int]  # west (in), east (out)
    northing_m: tuple[int, int]  # south (in), north (out)
    benches_m: tuple[int, int] | None = None  # lowest and highest bench level drilled; None: no drilling

    def contains(self, easting: float, northing: float) -> bool:
        """Whether a collar at (easting, northing) lies in this zone's box."""
        return self.easting_m[0] <= easting < self.easting_m[1] and self.northing_m[0] <= northing < self.northing_m[1]

    def benches(self) -> list[int]:
        """Bench levels (m) drilled in this zone, every BENCH_HEIGHT_M from the lowest; none outside the pits."""
        if self.benches_m is None:
            return []
        return list(range(self.benches_m[0], self.benches_m[1] + 1, BENCH_HEIGHT_M))


ZONES = (
    Zone("north-pit-1", "N1", "PIT1", (345_000, 346_400), (7_457_600, 7_459_000), (3_400, 3_550)),
    Zone("north-pit-2", "N2", "PIT1", (346_400, 347_800), (7_457_600, 7_459_000), (3_460, 3_610)),
    Zone("north-pit-3", "N3", "PIT1", (347_800, 349_000), (7_457_600, 7_459_000), (3_520, 3_670)),
    Zone("south-pit-1", "S1", "PIT2", (345_000, 346_800), (7_455_000, 7_456_400), (3_565, 3_685)),
    Zone("south-pit-2", "S2", "PIT2", (346_800, 348_600), (7_455_000, 7_456_400), (3_610, 3_685)),
    Zone("crusher", "CR", "PLANT", (347_200, 347_800), (7_456_700, 7_457_300)),
    Zone("tailings-dam", "TD", "PLANT", (345_200, 346_800), (7_456_500, 7_457_400)),
)
DRILLED = tuple(z for z in ZONES if z.benches_m)


def _check(zones: tuple[Zone, ...]) -> None:
    """Refuse a description in which a name or code repeats, a pit is not the fleet's, or boxes overlap."""
    if len({z.name for z in zones}) != len(zones) or len({z.code for z in zones}) != len(zones):
        raise ValueError("a zone name or code is used twice")
    for i, a in enumerate(zones):
        if a.pit not in PITS.values():
            raise ValueError(f"{a.name}: pit {a.pit!r} is not one of the fleet's {sorted(PITS.values())}")
        for b in zones[i + 1:]:
            if (a.easting_m[0] < b.easting_m[1] and b.easting_m[0] < a.easting_m[1]
                    and a.northing_m[0] < b.northing_m[1] and b.northing_m[0] < a.northing_m[1]):
                raise ValueError(f"zones {a.name} and {b.name} overlap")


_check(ZONES)


def zone_at(easting: float, northing: float) -> Zone | None:
    """The zone whose box holds this point, or None."""
    return next((z for z in ZONES if z.contains(easting, northing)), None)


@dataclass(frozen=True)
class Pattern:
    """One drill pattern: where it is and its holes (ids consecutive from ``first_hole_id``)."""

    number: int
    zone: Zone
    bench_level_m: int
    first_hole_id: int
    easting_m: tuple[float, ...]  # per hole, millimetre precision as the survey records it
    northing_m: tuple[float, ...]
    elevation_m: tuple[float, ...]
    depth_cm: tuple[int, ...]

    @property
    def name(self) -> str:
        return f"P-{self.number:05d}"

    @property
    def hole_ids(self) -> range:
        return range(self.first_hole_id, self.first_hole_id + len(self.depth_cm))


def _pattern(number: int, first_hole_id: int) -> Pattern:
    """Pattern ``number``: its zone, bench, grid and depths drawn from a generator of its own number."""
    rng = np.random.default_rng([LAYOUT_KEY, number])
    zone = DRILLED[int(rng.integers(len(DRILLED)))]
    bench = int(rng.choice(zone.benches()))
    holes = int(rng.integers(HOLES_PER_PATTERN[0], HOLES_PER_PATTERN[1] + 1))
    columns = int(rng.integers(8, 13))
    rows = math.ceil(holes / columns)
    width, height = (columns - 1) * SPACING_M, (rows - 1) * BURDEN_M
    west = rng.uniform(zone.easting_m[0] + EDGE_M, zone.easting_m[1] - EDGE_M - width)
    south = rng.uniform(zone.northing_m[0] + EDGE_M, zone.northing_m[1] - EDGE_M - height)
    k = np.arange(holes)
    easting = np.round(west + (k % columns) * SPACING_M + rng.normal(0, 0.15, holes), 3)
    northing = np.round(south + (k // columns) * BURDEN_M + rng.normal(0, 0.15, holes), 3)
    elevation = np.round(bench + rng.normal(0, 0.25, holes), 3)
    depth = np.clip(np.round(rng.normal(*DEPTH_CM, holes)), 1_400, 1_900).astype(int)
    return Pattern(number, zone, bench, first_hole_id, tuple(easting.tolist()), tuple(northing.tolist()),
                   tuple(elevation.tolist()), tuple(depth.tolist()))


_BUILT: list[Pattern] = []  # patterns 1..len, built in order: a pattern's first hole follows the one before


def patterns(count: int) -> list[Pattern]:
    """The first ``count`` drill patterns, in order: the same for every caller, seed and scale."""
    while len(_BUILT) < count:
        _BUILT.append(_pattern(len(_BUILT) + 1, _BUILT[-1].hole_ids.stop if _BUILT else 1))
    return _BUILT[:count]


def pattern(number: int) -> Pattern:
    """Drill pattern ``number`` (from 1)."""
    if number < 1:
        raise ValueError(f"patterns are numbered from 1, not {number}")
    patterns(number)
    return _BUILT[number - 1]


def pattern_of(hole_id: int) -> Pattern:
    """The pattern that holds drill hole ``hole_id``."""
    if hole_id < 1:
        raise ValueError(f"hole ids start at 1, not {hole_id}")
    while not _BUILT or _BUILT[-1].hole_ids.stop <= hole_id:
        patterns(len(_BUILT) + 1)
    return _BUILT[bisect.bisect_right([p.first_hole_id for p in _BUILT], hole_id) - 1]
