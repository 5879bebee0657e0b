"""Simulate the operators' mobile app: machinery-issue events as a replay file or on a topic.

Replay files: docs/contracts.md#replay-files.

    python -m pipelines.simulate.machine_issues --out .local/replay/machine_issues.jsonl [--machines 97]
        [--hours 8] [--issues_per_hour 12] [--start 2026-11-22T06:00:00Z] [--seed 7] [--retry_rate 0.05]
        [--out_of_order_rate 0.03] [--malformed_rate 0.01]
    python -m pipelines.simulate.machine_issues --topic projects/P/topics/machine-issues ...

What is in it: machines of the mine's fleet (``pipelines.local.fleet``, the ERP's equipment master),
those of the classes whose crews report in the app: haul trucks HT-0001..HT-0060, shovels SH-01..,
drills DR-01.., crushers CR-PRIMARY-1.., conveyors CV-01.. (97 machines); ``--machines N`` takes N of
them (``fleet``); issues opening at random (a Poisson process) on any of them, in categories that
fit the machine's class (tyres on trucks, belts on conveyors; safety and other rare everywhere), reported
by the machine's operator of the shift (``op-1001``..) with a short English description. Each
issue lives through ``opened`` -> ``acknowledged`` by a maintenance planner (``mp-2001``..; a
critical issue within 1-5 min, a low one within hours) -> 0-3 ``updated`` (severity may escalate
or drop, the description gets a note) -> ``resolved`` (a critical issue within 1-4 h, a low one
within a shift or more); what would happen after the run's end does not, so some issues are still
unacknowledged or unresolved. Critical is ~5 % of the opened issues. Every event has its own
event_id; an issue's events share issue_id, machine_id and category.

How it arrives: publish time = event time + 0.2-3 s (sometimes up to 20 s); a phone offline
(``--out_of_order_rate``) delivers an event 5 min to 3 h later, often (about one in four) after
one of the issue's later events; the app's retries (``--retry_rate``) re-send the same bytes
(same event_id) under a new message id seconds to minutes later; ``--malformed_rate`` adds extra
broken messages, kinds taken in turn (``MALFORMED_KINDS``), each breaking one rule of
``schemas/streaming/machine_issue_event.json``. The lifecycles depend only on machines, hours,
issues_per_hour, start and seed: the rates change how events arrive, never which events exist.
The same arguments always give the same bytes. A summary is written next to the file (``.summary.json``) with the
counts and each issue's final state, for the pipeline's and the staging model's tests.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipelines.local.fleet import FLEET
from pipelines.simulate.sensors import iso_ms, publish_messages, replay_line

DEFAULT_START = "2026-11-22T06:00:00Z"
SEVERITIES = ("low", "medium", "high", "critical")
OPEN_SEVERITY_WEIGHTS = (0.45, 0.33, 0.17, 0.05)
EVENT_TYPES = ("opened", "acknowledged", "updated", "resolved")
MALFORMED_KINDS = ("not-json", "not-utf8", "empty", "missing-field", "wrong-type", "unknown-enum", "bad-event-id",
                   "bad-machine-id", "bad-time", "future-time", "too-long-description")
#: kinds whose payload has no event_time a reader could use: the attribute carries the publish time
_TIMELESS_KINDS = ("not-json", "not-utf8", "empty", "bad-time")

# the fleet's classes whose crews report issues in the app, in the order ``fleet`` lists them
APP_CLASSES = ("haul truck", "shovel", "drill", "crusher", "conveyor")
_RARE = (("safety", 0.03), ("other", 0.04))
CATEGORY_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "haul truck": (("tyres", 0.30), ("hydraulics", 0.20), ("engine", 0.18), ("brakes", 0.12), ("electrical", 0.13))
    + _RARE,
    "shovel": (("hydraulics", 0.40), ("engine", 0.15), ("electrical", 0.25), ("structural", 0.13)) + _RARE,
    "drill": (("hydraulics", 0.38), ("engine", 0.22), ("electrical", 0.20), ("structural", 0.13)) + _RARE,
    "crusher": (("bearings", 0.30), ("hydraulics", 0.20), ("electrical", 0.25), ("structural", 0.18)) + _RARE,
    "conveyor": (("belt", 0.40), ("bearings", 0.25), ("electrical", 0.15), ("structural", 0.13)) + _RARE,
}

# minutes from opened to acknowledged, and hours from opened to resolved, by severity
ACK_MINUTES = {"critical": (1, 5), "high": (3, 30), "medium": (10, 90), "low": (30, 300)}
RESOLVE_HOURS = {"critical": (1, 4), "high": (1, 5), "medium": (2, 8), "low": (3, 16)}
UPDATE_COUNT_WEIGHTS = (0.35, 0.35, 0.2, 0.1)  # 0, 1, 2 or 3 updates
OFFLINE_SECONDS = (300, 3 * 3600)
RETRY_SECONDS = (2, 15 * 60)
LATE_AFTER_S = 2 * 3600
FUTURE_CLOCK_S = 2 * 3600
TOO_LONG = 3000

PARTS = {
    ("haul truck", "hydraulics"): ["hoist cylinder", "steering cylinder", "hoist valve bank", "steering accumulator"],
    ("shovel", "hydraulics"): ["boom cylinder", "stick cylinder", "bucket curl cylinder", "main pump 2"],
    ("drill", "hydraulics"): ["feed cylinder", "mast raise cylinder", "rotary head motor", "jack leg cylinder"],
    ("crusher", "hydraulics"): ["tramp release cylinder", "CSS adjustment ram", "hydraulic power unit"],
    ("haul truck", "electrical"): ["payload display", "reversing camera", "headlights", "dash warning lights"],
    ("shovel", "electrical"): ["swing motor drive", "cab lighting", "operator display", "trailing cable plug"],
    ("drill", "electrical"): ["GPS antenna", "drill monitor", "mast lights", "compressor starter"],
    ("crusher", "electrical"): ["main motor starter", "level sensor", "lube pump motor", "control panel PLC"],
    ("conveyor", "electrical"): ["pull-wire switch", "belt speed sensor", "drive motor starter",
                                 "belt misalignment switch"],
    ("shovel", "structural"): ["boom", "dipper stick", "bucket lip", "counterweight"],
    ("drill", "structural"): ["mast", "pipe carousel", "cab mount", "deck plate"],
    ("crusher", "structural"): ["feed hopper", "main frame", "discharge chute", "access platform"],
    ("conveyor", "structural"): ["stringer", "head chute", "take-up tower", "walkway"],
    ("crusher", "bearings"): ["eccentric shaft", "countershaft", "main shaft", "flywheel"],
    ("conveyor", "bearings"): ["head pulley", "tail pulley", "drive pulley", "bend pulley"],
}
_MOBILE = ("haul truck", "shovel", "drill")
DESCRIPTIONS = {
    "hydraulics": ["Hydraulic oil leak at {part}, {side} side", "Hose burst on {part}, oil on ground, stopped",
                   "Hydraulic oil temperature high ({temp} °C), {part} slow to respond",
                   "Weeping seal on {part}, topping up oil every shift",
                   "Low hydraulic oil level alarm, suspected leak near {part}"],
    "engine": ["Engine coolant temperature alarm at {temp} °C on the ramp",
               "Loss of power on the ramp, black smoke from exhaust", "Oil pressure warning at idle, {kpa} kPa",
               "Coolant leak from radiator hose, {side} side", "Fuel leak at injector line, cylinder {n}",
               "Turbo whistle and loss of boost under load"],
    "electrical": ["Intermittent fault on {part}", "{Part} not working", "Fault code E{code} on display, derated",
                   "Cable damaged near {part}, insulation cut", "{Part} tripping every few minutes"],
    "tyres": ["Cut in sidewall, {pos} {side} tyre", "Low pressure alarm {pos} {side} tyre ({kpa} kPa)",
              "Tyre temperature high on {pos} {side} tyre, parked to cool",
              "Rock lodged between rear duals, {side} side",
              "Tread separation visible on {pos} {side} tyre"],
    "brakes": ["Service brakes spongy on the downhill haul", "Retarder overheating warning on ramp descent",
               "Park brake not holding on grade", "Brake cooling oil leak, {side} side",
               "Grinding noise from {pos} {side} brake"],
    "bearings": ["Bearing running hot on {part} ({temp} °C on the gun)",
                 "Noisy bearing at {part}, vibration felt on walkway", "Grease line broken to {part} bearing",
                 "Bearing housing bolts loose on {part}"],
    "belt": ["Belt tracking off to the {side} near idler set {n}", "Rip in belt about {n} m from the splice",
             "Spillage at transfer chute, skirting rubber worn", "Belt splice lifting at the {n} m mark",
             "Belt slipping on drive pulley in wet conditions", "Seized idlers at set {n}, belt wearing grooves"],
    "structural": ["Crack in {part} weld, about {cm} cm long", "Loose bolts on {part}",
                   "{Part} damaged, needs inspection before use", "Corrosion hole in {part} plate"],
    "safety": ["Fire suppression system fault light on", "Reversing alarm not working",
               "Seat belt latch broken in cab", "Access ladder step bent, trip hazard",
               "Proximity detection system fault, no alerts"],
    "safety:fixed": ["Emergency stop not resetting", "Guard missing at {part}", "Walkway handrail loose near {part}",
                     "Fire detection panel showing fault"],
    "other": ["Air conditioning not working in cab", "Windscreen cracked on driver side", "Two-way radio not working",
              "Cab door does not latch", "Wiper motor failed"],
    "other:fixed": ["Dust suppression sprays blocked", "Lighting out along the walkway",
                    "CCTV camera at {part} not working", "Wash-down hose leaking"],
}
UPDATE_NOTES = {
    "up": ["getting worse, machine parked", "leak rate increased, shut down on the bench",
           "now stopping production, operator stood down", "second alarm, machine isolated"],
    "down": ["temporary fix holding, running at reduced load", "fitter inspected, safe to run until service",
             "less serious than first reported"],
    "same": ["parts ordered, ETA {n} h", "fitter on site, diagnosing", "waiting for the service truck",
             "photos attached", "still monitoring"],
}
RESOLUTIONS = {
    "hydraulics": ["replaced hose and topped up oil", "resealed cylinder", "replaced fitting, no more leaks"],
    "engine": ["replaced radiator hose", "replaced fuel filters and bled system", "replaced turbo"],
    "electrical": ["replaced connector", "repaired cable and tested", "reset and updated controller"],
    "tyres": ["tyre changed", "pressure corrected, tyre inspected", "rock removed, tyres inspected"],
    "brakes": ["brakes bled and tested", "replaced brake cooling hose", "adjusted park brake, tested on grade"],
    "bearings": ["bearing replaced", "greased and monitored, temperature normal", "housing bolts torqued"],
    "belt": ["belt trained", "belt repaired with vulcanised patch", "idlers replaced", "skirting replaced"],
    "structural": ["crack welded and inspected", "bolts replaced and torqued", "plate repaired"],
    "safety": ["system tested and working", "part replaced and tested", "repaired, signed off by supervisor"],
    "other": ["repaired", "part replaced", "fixed by the service crew"],
}


def fleet(machines: int | None = None) -> list[str]:
    """Fleet numbers the issues fall on: ``machines`` of the mine's machines of the app's classes (None: all),
    class by class, trucks first; the same count always gives the same machines.

    Fewer machines than classes: the first trucks. Otherwise one of each class, and the rest shared in
    proportion to the classes' sizes (largest remainders; a tie goes to the class listed first); within
    a class, the lowest fleet numbers.
    """
    by_class = {name: FLEET.numbers(name) for name in APP_CLASSES}
    total = sum(len(numbers) for numbers in by_class.values())
    machines = total if machines is None else machines
    if not 1 <= machines <= total:
        raise ValueError(f"machines must be between 1 and {total}, the fleet's machines of the app's classes "
                         f"({', '.join(APP_CLASSES)})")
    if machines < len(APP_CLASSES):
        return by_class["haul truck"][:machines]
    spare, others = machines - len(APP_CLASSES), total - len(APP_CLASSES)
    shares = {name: divmod(spare * (len(numbers) - 1), others) for name, numbers in by_class.items()}
    counts = {name: 1 + whole for name, (whole, _) in shares.items()}
    by_remainder = sorted(APP_CLASSES, key=lambda name: -shares[name][1])  # stable: ties in class order
    for name in by_remainder[:machines - sum(counts.values())]:
        counts[name] += 1
    return [number for name in APP_CLASSES for number in by_class[name][:counts[name]]]


def parse_start(text: str) -> datetime:
    """An ISO 8601 instant; naive text is taken as UTC (the mine reports in UTC)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def iso_s(epoch_s: int) -> str:
    """Event times as the app stamps them: whole seconds, UTC, ``Z`` (docs/contracts.md#pubsub-messages)."""
    return datetime.fromtimestamp(epoch_s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _crew(epoch_s: int) -> int:
    """Two crews on 12-hour shifts changing at 06:00 and 18:00 UTC."""
    return ((epoch_s - 6 * 3600) // (12 * 3600)) % 2


def _describe(rng: random.Random, machine_class: str, category: str) -> str:
    fixed = machine_class not in _MOBILE
    key = f"{category}:fixed" if fixed and f"{category}:fixed" in DESCRIPTIONS else category
    part = rng.choice(PARTS.get((machine_class, category)) or PARTS.get((machine_class, "bearings")) or ["cab"])
    text = rng.choice(DESCRIPTIONS[key])
    return text.format(part=part, Part=part[0].upper() + part[1:], side=rng.choice(("left", "right")),
                       pos=rng.choice(("front", "rear")), temp=rng.randint(95, 125), kpa=rng.randint(90, 450),
                       n=rng.randint(2, 40), code=rng.randint(100, 999), cm=rng.randint(5, 60))


def _lifecycle(rng: random.Random, machine_index: int, machine: str, machines: int, opened_s: int, end_s: int
               ) -> list[dict]:
    """One issue's events in event-time order, up to the end of the run."""
    machine_class = FLEET.classes[machine]
    categories, weights = zip(*CATEGORY_WEIGHTS[machine_class], strict=True)
    category = rng.choices(categories, weights)[0]
    severity = rng.choices(SEVERITIES, OPEN_SEVERITY_WEIGHTS)[0]
    issue_id = _uuid(rng)
    description = _describe(rng, machine_class, category)

    def operator(at: int) -> str:  # the machine's operator on the crew of that shift
        return f"op-{1001 + _crew(at) * machines + machine_index}"

    def planner(at: int) -> str:  # one of the two planners of that shift
        return f"mp-{2001 + 2 * _crew(at) + rng.randrange(2)}"

    ack_s = opened_s + max(1, round(rng.uniform(*ACK_MINUTES[severity]) * 60))
    resolve_s = opened_s + round(rng.uniform(*RESOLVE_HOURS[severity]) * 3600)
    resolve_s = max(resolve_s, ack_s + 600)
    updates = sorted(rng.uniform(ack_s, resolve_s) for _ in range(rng.choices(range(4), UPDATE_COUNT_WEIGHTS)[0]))
    steps = [("opened", opened_s, severity, description, operator(opened_s)),
             ("acknowledged", ack_s, severity, f"Acknowledged, work order WO-{rng.randint(100000, 999999)} raised",
              planner(ack_s))]
    for at in updates:
        if at >= resolve_s:
            break
        level = SEVERITIES.index(severity)
        draw = rng.random()
        move = "up" if draw < 0.25 and level < 3 else "down" if draw < 0.45 and level > 0 else "same"
        severity = SEVERITIES[level + {"up": 1, "down": -1, "same": 0}[move]]
        if move == "up" and severity == "critical":  # the planner expedites it
            resolve_s = min(resolve_s, round(at + rng.uniform(*RESOLVE_HOURS["critical"]) * 3600))
        note = rng.choice(UPDATE_NOTES[move]).format(n=rng.randint(2, 48))
        author = operator(round(at)) if rng.random() < 0.6 else planner(round(at))
        steps.append(("updated", round(at), severity, f"{description}. Update: {note}", author))
    steps.append(("resolved", resolve_s, severity, f"Resolved: {rng.choice(RESOLUTIONS[category])}",
                  planner(resolve_s)))
    events, previous = [], None
    for event_type, at, sev, text, author in steps:
        at = at if previous is None else max(at, previous + 1)  # strictly increasing, whole seconds
        previous = at
        event = {"event_id": _uuid(rng), "issue_id": issue_id, "machine_id": machine, "event_type": event_type,
                 "severity": sev, "category": category, "description": text, "reported_by": author,
                 "event_time": iso_s(at)}
        if at < end_s:
            events.append(event)
    return events


def _encode(payload: dict) -> bytes:
    """The app's bytes: compact UTF-8 JSON, fields in the contract's order."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _malformed(kind: str, rng: random.Random, event: dict, publish_ms: int) -> tuple[bytes, str]:
    """(payload, event_time attribute) of a broken message modelled on ``event``; it breaks only its rule."""
    base = dict(event, event_id=_uuid(rng), issue_id=_uuid(rng))  # an extra message, not one of the lifecycle
    timeless = iso_ms(publish_ms)
    if kind == "not-json":
        data = _encode(base)
        return data[: len(data) // 2], timeless  # upload cut short
    if kind == "not-utf8":
        base["description"] += " (temp 104°C)"
        return json.dumps(base, ensure_ascii=False, separators=(",", ":")).encode("latin-1"), timeless
    if kind == "empty":
        return b"", timeless
    if kind == "missing-field":
        base.pop(rng.choice(["event_id", "issue_id", "machine_id", "event_type", "severity", "category",
                             "reported_by"]))
    elif kind == "wrong-type":
        base["severity"] = SEVERITIES.index(base["severity"]) + 1
    elif kind == "unknown-enum":
        base.update(rng.choice([{"event_type": "closed"}, {"severity": "urgent"}]))
    elif kind == "bad-event-id":  # a C string buffer copied whole: the id ends in NULs
        base["event_id"] += "\x00" * rng.randint(1, 4)
    elif kind == "bad-machine-id":  # read from a barcode scanner with its line end
        base["machine_id"] += "\r\n"
    elif kind == "bad-time":
        base["event_time"] = "yesterday"
        return _encode(base), timeless
    elif kind == "future-time":  # a phone whose clock is two hours fast
        base["event_time"] = iso_s(publish_ms // 1000 + FUTURE_CLOCK_S)
    elif kind == "too-long-description":
        base["description"] = ((base["description"] + ". ") * (TOO_LONG // len(base["description"]) + 1))[:TOO_LONG]
    else:
        raise ValueError(f"unknown malformed kind {kind!r}")
    return _encode(base), base["event_time"]


def _network_ms(rng: random.Random) -> int:
    return round((rng.uniform(0.2, 3.0) if rng.random() < 0.95 else rng.uniform(3.0, 20.0)) * 1000)


def generate(machines: int | None = None, hours: float = 8, issues_per_hour: float = 12, start: str = DEFAULT_START,
             seed: int = 7, retry_rate: float = 0.05, out_of_order_rate: float = 0.03, malformed_rate: float = 0.01
             ) -> tuple[list[tuple[int, str, bytes, str]], dict]:
    """(publish_ms, message_id, data, event_time attribute) in publish order, and the summary.

    Lifecycles are drawn first from their own random stream, arrivals after from another, so the
    arrival rates never change which events exist (a test can switch them off and compare).
    """
    for name, rate in (("retry_rate", retry_rate), ("out_of_order_rate", out_of_order_rate),
                       ("malformed_rate", malformed_rate)):
        if not 0 <= rate <= 1:
            raise ValueError(f"{name} must be within [0, 1]")
    if hours <= 0 or issues_per_hour < 0:
        raise ValueError("hours must be positive and issues_per_hour not negative")
    ids = fleet(machines)
    start_s = int(parse_start(start).timestamp())
    end_s = start_s + round(hours * 3600)
    life = random.Random(f"machine-issues-lifecycles-{seed}")
    issues: list[list[dict]] = []
    at = float(start_s)
    while issues_per_hour > 0:
        at += life.expovariate(issues_per_hour / 3600)
        if at >= end_s:
            break
        index = life.randrange(len(ids))
        issues.append(_lifecycle(life, index, ids[index], len(ids), int(at), end_s))

    arrive = random.Random(f"machine-issues-arrivals-{seed}")
    pending: list[tuple[int, int, bytes, str]] = []  # publish_ms, order, data, attribute
    first_arrival: dict[str, int] = {}
    counts = {"valid_events": 0, "retries": 0, "offline": 0, "late_beyond_2h": 0, "malformed": 0}
    counts.update({f"malformed:{kind}": 0 for kind in MALFORMED_KINDS})
    for events in issues:
        for event in events:
            event_ms = int(parse_start(event["event_time"]).timestamp()) * 1000
            data = _encode(event)
            publish_ms = event_ms + _network_ms(arrive)
            if arrive.random() < out_of_order_rate:  # the phone was offline
                publish_ms += round(_log_uniform(arrive, *OFFLINE_SECONDS) * 1000)
                counts["offline"] += 1
            copies = [publish_ms]
            if arrive.random() < retry_rate:  # no ack reached the app: the same bytes again
                copies.append(publish_ms + round(_log_uniform(arrive, *RETRY_SECONDS) * 1000))
                counts["retries"] += 1
            for copy_ms in copies:
                pending.append((copy_ms, len(pending), data, event["event_time"]))
                counts["late_beyond_2h"] += copy_ms - event_ms > LATE_AFTER_S * 1000
            first_arrival[event["event_id"]] = publish_ms
            counts["valid_events"] += 1
            if arrive.random() < malformed_rate:
                kind = MALFORMED_KINDS[counts["malformed"] % len(MALFORMED_KINDS)]
                counts["malformed"] += 1
                counts[f"malformed:{kind}"] += 1
                bad_ms = event_ms + _network_ms(arrive)
                bad, attribute = _malformed(kind, arrive, event, bad_ms)
                pending.append((bad_ms, len(pending), bad, attribute))
    pending.sort(key=lambda p: (p[0], p[1]))
    messages = [(publish_ms, f"{seed}-{n}", data, attribute)
                for n, (publish_ms, _, data, attribute) in enumerate(pending, 1)]
    summary = dict(counts, messages=len(messages), issues=len(issues),
                   critical_opened=sum(events[0]["severity"] == "critical" for events in issues),
                   out_of_order=sum(_arrived_out_of_order(events, first_arrival) for events in issues),
                   final_states={events[0]["issue_id"]: final_state(events) for events in issues})
    summary["unacknowledged"] = sum(s["acknowledged_at"] is None for s in summary["final_states"].values())
    summary["unresolved"] = sum(s["resolved_at"] is None for s in summary["final_states"].values())
    return messages, summary


def _arrived_out_of_order(events: list[dict], first_arrival: dict[str, int]) -> int:
    """Events of one issue (event-time order) whose first copy arrived after a later event's."""
    late, earliest_later = 0, None
    for event in reversed(events):
        arrived = first_arrival[event["event_id"]]
        late += earliest_later is not None and arrived > earliest_later
        earliest_later = arrived if earliest_later is None else min(earliest_later, arrived)
    return late


def final_state(events: list[dict]) -> dict:
    """Where an issue stands after its events (any order): what a staging model must arrive at."""
    ordered = sorted(events, key=lambda e: e["event_time"])  # whole-second ISO text sorts as time
    first = {t: next((e["event_time"] for e in ordered if e["event_type"] == t), None) for t in EVENT_TYPES}
    return {"machine_id": ordered[-1]["machine_id"], "event_type": ordered[-1]["event_type"],
            "severity": ordered[-1]["severity"], "opened_at": first["opened"],
            "acknowledged_at": first["acknowledged"], "resolved_at": first["resolved"],
            "events": len({e["event_id"] for e in events})}


def write_replay(path: str, machines: int | None = None, hours: float = 8, issues_per_hour: float = 12,
                 start: str = DEFAULT_START, seed: int = 7, retry_rate: float = 0.05, out_of_order_rate: float = 0.03,
                 malformed_rate: float = 0.01) -> dict:
    """Write a replay file (one envelope a line, in publish order) and its summary; returns the summary."""
    messages, summary = generate(machines=machines, hours=hours, issues_per_hour=issues_per_hour, start=start,
                                 seed=seed, retry_rate=retry_rate, out_of_order_rate=out_of_order_rate,
                                 malformed_rate=malformed_rate)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as f:
        f.writelines(replay_line(*message) for message in messages)
    Path(str(out) + ".summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True))
    return summary


def publish(publisher: Any, topic: str, **kwargs: Any) -> dict:
    """Publish the simulated messages to a Pub/Sub topic (``publisher``: a PublisherClient), in publish order."""
    messages, summary = generate(**kwargs)
    publish_messages(publisher, topic, messages)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.simulate.machine_issues",
                                     description=__doc__.split("\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", help="replay file to write")
    target.add_argument("--topic", help="projects/P/topics/T to publish to")
    parser.add_argument("--machines", type=int, help="how many machines of the fleet (default: all 97)")
    parser.add_argument("--hours", type=float, default=8)
    parser.add_argument("--issues_per_hour", type=float, default=12)
    parser.add_argument("--start", default=DEFAULT_START)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--retry_rate", type=float, default=0.05)
    parser.add_argument("--out_of_order_rate", type=float, default=0.03)
    parser.add_argument("--malformed_rate", type=float, default=0.01)
    args = parser.parse_args(argv)
    kwargs = dict(machines=args.machines, hours=args.hours, issues_per_hour=args.issues_per_hour, start=args.start,
                  seed=args.seed, retry_rate=args.retry_rate, out_of_order_rate=args.out_of_order_rate,
                  malformed_rate=args.malformed_rate)
    try:
        if args.out:
            summary = write_replay(args.out, **kwargs)
        else:
            from google.cloud import pubsub_v1

            summary = publish(pubsub_v1.PublisherClient(), args.topic, **kwargs)
    except ValueError as exc:
        parser.error(str(exc))
    # the per-issue final states are in the summary file; the counts are what a person reads
    print(json.dumps({k: v for k, v in summary.items() if k != "final_states"}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
