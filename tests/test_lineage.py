"""Column lineage of the models (``python -m pipelines.models lineage``) and the model graph as
OpenLineage events, from the SQL alone: no warehouse is read."""

from __future__ import annotations

import json

import pytest

from pipelines.errors import ConfigError
from pipelines.models import discover
from pipelines.transform.lineage import run_lineage

pytestmark = pytest.mark.slow  # traces the whole SQLMesh project

PRODUCER = "https://github.com/minera/data-platform/pipelines/transform/lineage.py"


def test_a_mart_column_is_traced_down_to_the_raw_column_the_loader_writes(capsys):
    chain = run_lineage(["marts.tonnes_by_shift.hauled_t"])
    assert chain == [("marts.truck_loads", "payload_t", 1),
                     ("staging.stg_production__truck_loads", "payload_t", 2),
                     ("raw_production.truck_loads", "payload_t", 3)]
    assert capsys.readouterr().out == (
        "marts.tonnes_by_shift.hauled_t\n"
        "   <- marts.truck_loads.payload_t\n"
        "      <- staging.stg_production__truck_loads.payload_t\n"
        "         <- raw_production.truck_loads.payload_t\n")


def test_sap_columns_keep_their_case_in_the_lineage():
    chain = run_lineage(["marts.machines.machine_class"])
    assert ("staging.stg_erp__equi", "object_type", 1) in chain
    assert ("raw_erp.equi", "EQART", 2) in chain  # as SAP stores it, upper case


@pytest.mark.parametrize("argument, says", [
    ("marts.tonnes_by_shift", "give a column as dataset.model.column"),
    ("marts.nope.hauled_t", "marts.nope is not a model of"),
    ("marts.tonnes_by_shift.nope", "marts.tonnes_by_shift.nope: cannot trace it: Cannot find column 'nope'"),
    ("marts.mine_zones.pit", None),  # a column made of constants has no source columns
])
def test_a_bad_column_is_one_line_naming_it(argument, says):
    with pytest.raises(ConfigError, match=says or f"{argument}: no such column, or it is computed from no column"):
        run_lineage([argument])


def test_the_export_is_one_openlineage_job_event_per_model_with_bigquery_names(tmp_path, capsys):
    out = tmp_path / "lineage.jsonl"
    run_lineage(["--export", str(out), "--warehouse", "bigquery://minera-prod"])
    events = [json.loads(line) for line in out.read_text().splitlines()]
    models = {m.qualified for m in discover()}
    assert sorted(e["job"]["name"] for e in events) == sorted(models)
    assert capsys.readouterr().out == f"{len(models)} OpenLineage job events written to {out}\n"
    for event in events:  # what the JobEvent schema (OpenLineage 2-0-2) requires
        assert event["schemaURL"] == "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent"
        assert event["producer"] == PRODUCER and event["eventTime"].endswith("Z")
        assert event["job"]["namespace"] == "minera"
        (output,) = event["outputs"]
        assert output["namespace"] == "bigquery" and output["name"] == f"minera-prod.{event['job']['name']}"
        assert all(d["namespace"] == "bigquery" and d["name"].startswith("minera-prod.") for d in event["inputs"])

    (haulage,) = [e for e in events if e["job"]["name"] == "marts.haulage_by_shift"]
    assert haulage["inputs"] == [{"namespace": "bigquery", "name": "minera-prod.staging.stg_production__shifts"},
                                 {"namespace": "bigquery", "name": "minera-prod.staging.stg_production__truck_loads"}]
    lineage = haulage["outputs"][0]["facets"]["columnLineage"]
    assert lineage["_schemaURL"] == "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"
    assert lineage["fields"]["hauled_t"] == {"inputFields": [
        {"namespace": "bigquery", "name": "minera-prod.staging.stg_production__truck_loads", "field": "payload_t"}]}
    assert "FROM `minera-prod`.`staging`.`stg_production__truck_loads`" in haulage["job"]["facets"]["sql"]["query"]
    (machines,) = [e for e in events if e["job"]["name"] == "marts.machines"]  # SAP's upper-case columns
    assert {"namespace": "bigquery", "name": "minera-prod.staging.stg_erp__equi", "field": "MANDT"} in [
        f for column in machines["outputs"][0]["facets"]["columnLineage"]["fields"].values()
        for f in column["inputFields"]]
