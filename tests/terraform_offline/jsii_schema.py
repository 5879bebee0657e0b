"""Rebuild google / google-beta provider schemas from the jsii manifests of PyPI ``cdktn-provider-google*``.

Why: no provider registry is reachable here, so the real ``terraform-provider-google`` binary cannot
be had. The CDK bindings, though, are generated from that provider's own schema and ship it, lightly
transformed, in a ``.jsii`` manifest: every resource's and data source's config struct (each argument,
its type, optional or required; nested blocks as structs) and a class whose getters without a matching
``...Input`` getter are the attributes the provider computes. This module turns that back into the
JSON shape of ``terraform providers schema -json`` (one provider's part of it), which the stand-in
provider (``provider.py``) serves over the plugin protocol.

What the manifest cannot say, and so is approximated: lists vs sets (all ``list``), attributes that are
both optional and computed (only ``id``/``project``/``region``/``zone`` are marked so), schema versions
(0), nested attributes of plugin-framework resources (served as blocks), sensitivity (none).

Stdlib only: it runs in the tools venv (where the cdktn wheels are) and is importable anywhere.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tarfile
import zipfile
from pathlib import Path
from typing import Any

#: Bump when the output of :func:`build` changes, so cached schemas are rebuilt.
BUILDER_VERSION = 4

#: Arguments that the google provider fills in itself when left out (Optional + Computed), so a plan
#: shows them unknown, not null. The manifest cannot tell these apart from plain optional ones.
OPTIONAL_COMPUTED = frozenset({"id", "project", "region", "zone"})

_LINK = re.compile(r"/docs/(resources|data-sources)/(\w+)[ }#]")
_ANCHOR = re.compile(r"#(\w+) ")
_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic", "json": "dynamic"}
_COMPUTED_COLLECTIONS = {
    "cdktn.StringMap": ["map", "string"],
    "cdktn.NumberMap": ["map", "number"],
    "cdktn.BooleanMap": ["map", "bool"],
    "cdktn.AnyMap": ["map", "dynamic"],
    "cdktn.StringList": ["list", "string"],
    "cdktn.NumberList": ["list", "number"],
    "cdktn.BooleanList": ["list", "bool"],
    "cdktn.StringListList": ["list", ["list", "string"]],
    "cdktn.NumberListList": ["list", ["list", "number"]],
    "cdktn.StringMapList": ["list", ["map", "string"]],
    "cdktn.NumberMapList": ["list", ["map", "number"]],
    "cdktn.BooleanMapList": ["list", ["map", "bool"]],
    "cdktn.AnyMapList": ["list", ["map", "dynamic"]],
    "cdktn.IResolvable": "bool",  # what the generated classes return for boolean attributes
}


def load_manifest(wheel: Path) -> dict[str, Any]:
    """The ``.jsii`` manifest inside a cdktn provider wheel (``<pkg>/_jsii/*.jsii.tgz``, ``package/.jsii``).

    Read from the wheel file itself: installing it would unpack ~270 MB of bindings nobody imports.
    """
    with zipfile.ZipFile(wheel) as whl:
        (name,) = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
        with whl.open(name) as tgz, tarfile.open(fileobj=tgz, mode="r|gz") as tar:
            for member in tar:
                if member.name == "package/.jsii":
                    extracted = tar.extractfile(member)
                    assert extracted is not None
                    return json.load(extracted)
    raise FileNotFoundError(f"{wheel} has no package/.jsii")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _anchor(prop: dict[str, Any]) -> str | None:
    """An argument's Terraform name: the anchor of its registry link (``StorageBucket#force_destroy``)."""
    docs = prop.get("docs") or {}
    match = _ANCHOR.search(f"{docs.get('remarks', '')} {docs.get('summary', '')} ")
    return match.group(1) if match else None


class _Builder:
    def __init__(self, manifest: dict[str, Any]):
        self.types: dict[str, Any] = manifest["types"]
        self.unhandled: set[str] = set()
        self._stack: list[str] = []  # structs being built: the manifest folds a few recursive types into cycles
        # Words of every argument name the manifest spells out, to undo camelCase where it is lossy
        # (``md5hash`` became ``md5Hash``, as did ``ipv4_address`` ``ipv4Address``).
        self.words = {
            word
            for t in self.types.values()
            if t["kind"] == "interface" and t.get("datatype")
            for p in t.get("properties", [])
            for word in (_anchor(p) or "").split("_")
        }

    def tf_name(self, camel: str) -> str:
        """A getter's Terraform name: snake_case, with ``<digits>_<word>`` joined where names join it."""
        parts = _snake(camel).split("_")
        out = [parts[0]]
        for part in parts[1:]:
            joined = out[-1] + part
            if out[-1][-1:].isdigit() and (len(part) == 1 or joined in self.words):
                out[-1] = joined
            else:
                out.append(part)
        return "_".join(out)

    def _is_struct(self, fqn: str) -> bool:
        t = self.types.get(fqn)
        return bool(t and t["kind"] == "interface" and t.get("datatype"))

    def _prim(self, t: dict[str, Any]) -> Any:
        """A cty type for a non-block jsii type, or None when it is a block (struct)."""
        if "primitive" in t:
            return _PRIMITIVES[t["primitive"]]
        if "union" in t:
            alts = [a for a in t["union"]["types"] if a.get("fqn") != "cdktn.IResolvable"]
            return self._prim(alts[0]) if len(alts) == 1 else "dynamic"
        if "collection" in t:
            elem = t["collection"]["elementtype"]
            kind = "list" if t["collection"]["kind"] == "array" else "map"
            if "fqn" in elem and self._is_struct(elem["fqn"]):
                return [kind, self._object_type(elem["fqn"])]
            return [kind, self._prim(elem)]
        fqn = t.get("fqn", "")
        if fqn in _COMPUTED_COLLECTIONS:
            return _COMPUTED_COLLECTIONS[fqn]
        self.unhandled.add(fqn)
        return "dynamic"

    def _object_type(self, struct_fqn: str) -> list[Any]:
        block = self.block(struct_fqn)
        attrs = {n: a["type"] for n, a in block["attributes"].items()}
        for n, b in block.get("block_types", {}).items():
            obj = ["object", {k: v["type"] for k, v in b["block"]["attributes"].items()}]
            attrs[n] = obj if b["nesting_mode"] == "single" else ["list", obj]
        return ["object", attrs]

    def _computed_type(self, t: dict[str, Any]) -> Any:
        """The cty type of a computed-only getter: primitives, cdktn collections, or generated classes."""
        fqn = t.get("fqn")
        if fqn is None or fqn in _COMPUTED_COLLECTIONS:
            return self._prim(t)
        for suffix, kind in (("OutputReference", None), ("List", "list"), ("Map", "map")):
            if fqn.endswith(suffix):
                ref = fqn[: -len(suffix)] + "OutputReference"
                if ref in self.types:
                    obj = ["object", {name: a["type"] for name, a in self._getters(ref, {}).items()}]
                    return obj if kind is None else [kind, obj]
        self.unhandled.add(fqn)
        return "dynamic"

    def _getters(self, cls_fqn: str, args: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Computed-only attributes: a class's own read-only getters with no ``...Input`` twin."""
        cls = self.types.get(cls_fqn) or {}
        props = cls.get("properties", [])
        inputs = {p["name"][: -len("Input")] for p in props if p["name"].endswith("Input")}
        out = {}
        for p in props:
            name = p["name"]
            if not p.get("immutable") or p.get("static") or name.endswith("Input") or name in inputs:
                continue
            if name in ("internalValue", "fqn", "creationStack"):
                continue
            tf = self.tf_name(name)
            if tf in args:
                continue
            out[tf] = {"type": self._computed_type(p["type"]), "computed": True}
        return out

    def block(self, struct_fqn: str, cls_fqn: str | None = None) -> dict[str, Any]:
        """A schema block for a config struct (arguments and nested blocks) plus its computed getters."""
        self._stack.append(struct_fqn)
        try:
            return self._block(struct_fqn, cls_fqn)
        finally:
            self._stack.pop()

    def _block(self, struct_fqn: str, cls_fqn: str | None) -> dict[str, Any]:
        struct = self.types[struct_fqn]
        attributes: dict[str, Any] = {}
        block_types: dict[str, Any] = {}
        for prop in struct.get("properties", []):
            name = _anchor(prop) or self.tf_name(prop["name"])
            t = prop["type"]
            optional = bool(prop.get("optional"))
            nested = self._block_ref(t)
            if nested is not None:
                fqn, many = nested
                if fqn in self._stack:  # a recursive type: the real schema stops somewhere, so do we
                    continue
                inner = self.block(fqn, fqn + "OutputReference")
                entry: dict[str, Any] = {"nesting_mode": "list" if many else "single", "block": inner}
                if not many and name != "timeouts":
                    entry = {"nesting_mode": "list", "block": inner, "max_items": 1}
                if not optional:
                    entry["min_items"] = 1
                block_types[name] = entry
                continue
            attr: dict[str, Any] = {"type": self._prim(t)}
            if not optional:
                attr["required"] = True
            else:
                attr["optional"] = True
                if name in OPTIONAL_COMPUTED:
                    attr["computed"] = True
            attributes[name] = attr
        if cls_fqn:
            for name, attr in self._getters(cls_fqn, {**attributes, **block_types}).items():
                attributes[name] = attr
        out: dict[str, Any] = {"attributes": attributes}
        if block_types:
            out["block_types"] = block_types
        return out

    def _block_ref(self, t: dict[str, Any]) -> tuple[str, bool] | None:
        alts = [a for a in t["union"]["types"] if a.get("fqn") != "cdktn.IResolvable"] if "union" in t else [t]
        if len(alts) != 1:
            return None
        (a,) = alts
        if "fqn" in a and self._is_struct(a["fqn"]):
            return a["fqn"], False
        coll = a.get("collection")
        if coll and coll["kind"] == "array" and self._is_struct(coll["elementtype"].get("fqn", "")):
            return coll["elementtype"]["fqn"], True
        return None


def build(manifest: dict[str, Any]) -> dict[str, Any]:
    """One provider's schema in the shape of ``terraform providers schema -json``'s per-provider part."""
    b = _Builder(manifest)
    resources: dict[str, Any] = {}
    data_sources: dict[str, Any] = {}
    provider: dict[str, Any] | None = None
    for fqn, t in b.types.items():
        if t["kind"] != "class" or t.get("base") not in ("cdktn.TerraformResource", "cdktn.TerraformDataSource",
                                                          "cdktn.TerraformProvider"):
            continue
        config = fqn + "Config"
        if config not in b.types:
            continue
        if t["base"] == "cdktn.TerraformProvider":
            block = b.block(config)
            block["attributes"].pop("alias", None)
            provider = {"version": 0, "block": block}
            continue
        match = _LINK.search((t.get("docs") or {}).get("summary", ""))
        if not match:
            continue
        kind, short = match.groups()
        name = short if short.startswith("google_") else f"google_{short}"
        schema = {"version": 0, "block": b.block(config, fqn)}
        schema["block"]["attributes"].setdefault("id", {"type": "string", "optional": True, "computed": True})
        (resources if kind == "resources" else data_sources)[name] = schema
    assert provider is not None, "no provider config class in the manifest"
    return {
        "provider": provider,
        "resource_schemas": resources,
        "data_source_schemas": data_sources,
        "unhandled_types": sorted(b.unhandled),
    }


def ensure(wheel: Path, cache_dir: Path) -> Path:
    """The schema JSON for one cdktn provider wheel, built once and cached by wheel name and builder.

    Safe under pytest-xdist: a lock file serialises builders, and the JSON appears atomically.
    """
    out = cache_dir / f"{wheel.name.removesuffix('.whl')}-schema-b{BUILDER_VERSION}.json"
    if out.exists():
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not out.exists():
            tmp = out.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(build(load_manifest(wheel))))
            tmp.replace(out)
    return out
