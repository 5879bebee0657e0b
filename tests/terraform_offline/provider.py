"""A stand-in for ``terraform-provider-google`` / ``-google-beta``: the real schema, no cloud.

Terraform runs this (through the wrapper in the filesystem mirror) as a plugin speaking protocol v6
over gRPC. It serves the schema rebuilt by ``jsii_schema`` so Terraform's own checks -- resource
types, argument names, required arguments, types, block counts, references -- run against the true
google 8.7.0 shape, and it answers just enough of the protocol for ``terraform plan`` to finish:

* ``PlanResourceChange``: the planned state is Terraform's proposed new state, with every computed
  attribute that is still null marked unknown ("known after apply"), the way a real provider plans
  a create;
* ``ReadDataSource``: the config with each computed attribute filled by a deterministic placeholder
  (``"<data.google_project.number>"`` for strings, ``0`` for numbers, ``false``, lists and sets of one
  such element, empty maps);
* validation calls accept everything (what the real provider checks itself -- enums, regexes,
  conflicting arguments -- is not known here); ``ApplyResourceChange`` refuses.

It runs in the tools venv (``.venv-tools/terraform``): PyPI ``tf`` implements the plugin handshake and
ships the generated protobuf code, and it pins ``protobuf<6`` while the project's Google client
libraries need protobuf 6, so it cannot live in the project's venv.

Usage (the mirror's wrapper does this): ``python provider.py SCHEMA.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import grpc
import tf.provider
from tf import runner
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc
from tf.types import Unknown
from tf.utils import read_dynamic_value, to_dynamic_value

#: Provider arguments the real provider plans into resources that leave them out (its
#: DefaultProviderProject/Region/Zone diff customisers), so plans show ``project = "<provider's>"``.
PROVIDER_DEFAULTS = ("project", "region", "zone")

_NESTING = {
    "single": pb.Schema.NestedBlock.SINGLE,
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "map": pb.Schema.NestedBlock.MAP,
    "group": pb.Schema.NestedBlock.GROUP,
}


def _block_pb(block: dict[str, Any]) -> pb.Schema.Block:
    attrs = [
        pb.Schema.Attribute(
            name=name,
            type=json.dumps(a["type"]).encode(),
            required=a.get("required", False),
            optional=a.get("optional", False),
            computed=a.get("computed", False),
            sensitive=a.get("sensitive", False),
        )
        for name, a in sorted(block.get("attributes", {}).items())
    ]
    blocks = [
        pb.Schema.NestedBlock(
            type_name=name,
            block=_block_pb(b["block"]),
            nesting=_NESTING[b["nesting_mode"]],
            min_items=b.get("min_items", 0),
            max_items=b.get("max_items", 0),
        )
        for name, b in sorted(block.get("block_types", {}).items())
    ]
    return pb.Schema.Block(attributes=attrs, block_types=blocks)


def _schema_pb(schema: dict[str, Any]) -> pb.Schema:
    return pb.Schema(version=schema.get("version", 0), block=_block_pb(schema["block"]))


def schema_response(schema: dict[str, Any]) -> pb.GetProviderSchema.Response:
    return pb.GetProviderSchema.Response(
        provider=_schema_pb(schema["provider"]),
        provider_meta=pb.Schema(version=0, block=pb.Schema.Block()),
        resource_schemas={k: _schema_pb(v) for k, v in schema["resource_schemas"].items()},
        data_source_schemas={k: _schema_pb(v) for k, v in schema["data_source_schemas"].items()},
        server_capabilities=pb.ServerCapabilities(plan_destroy=True),
    )


def _mark_unknown(block: dict[str, Any], value: dict[str, Any] | None) -> dict[str, Any] | None:
    """A create's planned object: computed attributes still null become unknown, nested blocks too."""
    if value is None or value is Unknown:
        return value
    out = dict(value)
    for name, attr in block.get("attributes", {}).items():
        if attr.get("computed") and out.get(name) is None:
            out[name] = Unknown
    for name, nested in block.get("block_types", {}).items():
        inner = out.get(name)
        if inner is None or inner is Unknown:
            continue
        if nested["nesting_mode"] in ("single", "group"):
            out[name] = _mark_unknown(nested["block"], inner)
        elif nested["nesting_mode"] == "map":
            out[name] = {k: _mark_unknown(nested["block"], v) for k, v in inner.items()}
        else:
            out[name] = [_mark_unknown(nested["block"], v) for v in inner]
    return out


def placeholder(cty_type: Any, path: str) -> Any:
    """A deterministic, correctly typed stand-in for a value only the cloud knows."""
    if cty_type == "string":
        return f"<{path}>"
    if cty_type == "number":
        return 0
    if cty_type == "bool":
        return False
    if isinstance(cty_type, list):
        kind = cty_type[0]
        if kind in ("list", "set"):  # one element, so ``names[0]`` and ``one(...)`` work in plans
            return [placeholder(cty_type[1], f"{path}[0]")]
        if kind == "tuple":
            return [placeholder(t, f"{path}[{i}]") for i, t in enumerate(cty_type[1])]
        if kind == "map":
            return {}
        if kind == "object":
            return {k: placeholder(t, f"{path}.{k}") for k, t in cty_type[1].items()}
    return None  # dynamic: a known null


def _fill_computed(block: dict[str, Any], value: dict[str, Any], path: str) -> dict[str, Any]:
    out = dict(value)
    for name, attr in block.get("attributes", {}).items():
        if attr.get("computed") and out.get(name) is None:
            out[name] = placeholder(attr["type"], f"{path}.{name}")
    for name, nested in block.get("block_types", {}).items():
        inner = out.get(name)
        if isinstance(inner, list):
            out[name] = [_fill_computed(nested["block"], v, f"{path}.{name}") for v in inner]
        elif isinstance(inner, dict) and nested["nesting_mode"] in ("single", "group"):
            out[name] = _fill_computed(nested["block"], inner, f"{path}.{name}")
    return out


def _error(summary: str, detail: str = "") -> list[pb.Diagnostic]:
    return [pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)]


class StandInServicer(rpc.ProviderServicer):
    """Protocol v6, driven by a schema only: no API calls, no credentials."""

    def __init__(self, schema: dict[str, Any], response: pb.GetProviderSchema.Response):
        self.schema = schema
        self.response = response
        self.defaults: dict[str, Any] = {}

    def GetMetadata(self, request, context):
        return pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(plan_destroy=True),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in self.schema["resource_schemas"]],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=n) for n in self.schema["data_source_schemas"]],
        )

    def GetProviderSchema(self, request, context):
        return self.response

    def ValidateProviderConfig(self, request, context):
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request, context):
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request, context):
        return pb.ValidateDataResourceConfig.Response()

    def ConfigureProvider(self, request, context):
        config = read_dynamic_value(request.config) or {}
        self.defaults = {k: config.get(k) for k in PROVIDER_DEFAULTS if isinstance(config.get(k), str)}
        return pb.ConfigureProvider.Response()

    def UpgradeResourceState(self, request, context):
        # States written by this stand-in are already in its schema's shape: pass them through.
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=request.raw_state.json))

    def ReadResource(self, request, context):
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request, context):
        proposed = read_dynamic_value(request.proposed_new_state)
        prior = read_dynamic_value(request.prior_state)
        if proposed is None or prior is not None:  # destroy, or an update: what Terraform proposes
            return pb.PlanResourceChange.Response(planned_state=request.proposed_new_state)
        block = self.schema["resource_schemas"][request.type_name]["block"]
        for name, value in self.defaults.items():
            if name in block["attributes"] and proposed.get(name) is None:
                proposed[name] = value
        return pb.PlanResourceChange.Response(planned_state=to_dynamic_value(_mark_unknown(block, proposed)))

    def ApplyResourceChange(self, request, context):
        return pb.ApplyResourceChange.Response(
            diagnostics=_error("The offline stand-in provider cannot apply", "It only validates and plans.")
        )

    def ImportResourceState(self, request, context):
        return pb.ImportResourceState.Response(diagnostics=_error("The offline stand-in provider cannot import"))

    def MoveResourceState(self, request, context):
        return pb.MoveResourceState.Response(diagnostics=_error("The offline stand-in provider cannot move state"))

    def ReadDataSource(self, request, context):
        config = read_dynamic_value(request.config)
        block = self.schema["data_source_schemas"][request.type_name]["block"]
        for name, value in self.defaults.items():
            if block["attributes"].get(name, {}).get("computed") and config.get(name) is None:
                config[name] = value
        state = _fill_computed(block, config, f"data.{request.type_name}")
        return pb.ReadDataSource.Response(state=to_dynamic_value(state))

    def GetFunctions(self, request, context):
        return pb.GetFunctions.Response()

    def StopProvider(self, request, context):
        return pb.StopProvider.Response()


def load(schema_path: Path) -> tuple[dict[str, Any], pb.GetProviderSchema.Response]:
    """The schema JSON and its protobuf response; the serialized response is cached beside the JSON."""
    schema = json.loads(schema_path.read_text())
    cached = schema_path.with_suffix(".pb")
    response = pb.GetProviderSchema.Response()
    if cached.exists() and cached.stat().st_mtime >= schema_path.stat().st_mtime:
        response.ParseFromString(cached.read_bytes())
    else:
        response = schema_response(schema)
        tmp = cached.with_suffix(f".pb.{id(response)}")
        tmp.write_bytes(response.SerializeToString())
        tmp.replace(cached)
    return schema, response


class _App:
    """What ``tf.runner.run_provider`` asks of an app besides the servicer: a name (for ``--dev``)."""

    def full_name(self) -> str:
        return "registry.terraform.io/hashicorp/google"


def main(argv: list[str]) -> None:
    schema, response = load(Path(argv[1]))
    servicer = StandInServicer(schema, response)
    # run_provider builds ``tf.provider.ProviderServicer(app)``; ours is schema-driven instead of
    # class-per-resource, so hand it ours. The handshake, TLS and go-plugin services stay tf's.
    tf.provider.ProviderServicer = lambda _app: servicer  # type: ignore[assignment,misc]
    runner.run_provider(_App(), argv)  # type: ignore[arg-type]


if __name__ == "__main__":
    _ = grpc  # imported first so a missing grpcio fails here, loudly, not in the handshake
    main(sys.argv)
