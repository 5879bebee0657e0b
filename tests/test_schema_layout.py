"""``schemas/layout.json``: the one list of warehouse tables and their BigQuery layout, read by the
pipelines and by Terraform (terraform/modules/bigquery); and the lake table's generated columns file."""

from __future__ import annotations

import json
import re

import pytest

from pipelines.lake import LakeTable, lake_table_names
from pipelines.schema import SCHEMAS_DIR, load_schema_file
from pipelines.warehouse import layout as warehouse_layout
from pipelines.warehouse.layout import check_layout, table_layout, table_layouts

#: folders whose schema files are warehouse tables Terraform creates (the folder is the dataset)
TABLE_FOLDERS = ("ops", "raw_mobile", "speed")


def test_every_table_schema_file_is_in_the_layout_so_terraform_creates_its_table():
    listed = {layout.schema_file for layout in table_layouts().values()}
    files = {f"{folder}/{path.name}" for folder in TABLE_FOLDERS for path in (SCHEMAS_DIR / folder).glob("*.json")}
    assert files - listed == set()
    for name, layout in table_layouts().items():
        if layout.schema_file.split("/")[0] in TABLE_FOLDERS and name != "batch.sensor_minute_metrics":
            assert layout.schema_file == name.replace(".", "/") + ".json"  # dataset/table.json


def test_the_layout_file_has_only_known_keys_and_every_entry_fits_its_schema():
    data = json.loads((SCHEMAS_DIR / "layout.json").read_text())
    assert set(data) == {"description", "tables"}
    assert list(table_layouts()) == list(data["tables"])
    assert table_layout("raw_mobile.machine_issue_events").identifies_people == ("reported_by",)
    assert table_layout("batch.sensor_minute_metrics").bigquery_options() == \
        table_layout("speed.sensor_minute_metrics").bigquery_options() == {
            "timePartitioning": {"type": "DAY", "field": "window_start"}, "clustering": {"fields": ["sensor_id"]}}
    assert table_layout("ops.load_runs").bigquery_options() == {}
    with pytest.raises(ValueError, match="no BigQuery layout; add it to schemas/layout.json"):
        table_layout("ops.nope")


@pytest.mark.parametrize("partition_by, cluster_by, people, words", [
    ("rule", [], (), "partition_by 'rule' is not a TIMESTAMP"),
    ("nope", [], (), "partition_by 'nope'"),
    (None, ["sensor_id", "nope"], (), "unknown: ['nope']"),
    (None, ["alert_id", "pipeline", "rule", "sensor_id", "zone"], (), "at most 4"),
    (None, [], ("who",), "identifies_people names no column of the table: ['who']"),
])
def test_a_layout_that_does_not_fit_the_schema_names_the_table_and_the_problem(partition_by, cluster_by, people,
                                                                              words):
    with pytest.raises(ValueError, match=r"^ops\.alerts: .*" + re.escape(words)):
        check_layout("ops.alerts", load_schema_file("ops/alerts.json"), partition_by, cluster_by, people)


def test_the_streaming_sinks_take_the_layout_of_the_partitioned_tables():
    partitioned = {name: (layout.partition_by, list(layout.cluster_by))
                   for name, layout in table_layouts().items() if layout.partition_by}
    assert warehouse_layout.TABLE_LAYOUT == partitioned
    assert {"speed.sensor_minute_metrics", "ops.alerts", "ops.dead_letter",
            "raw_mobile.machine_issue_events"} <= set(warehouse_layout.TABLE_LAYOUT)


def test_ops_tables_made_by_the_pipelines_get_their_layout():
    from test_bigquery_warehouse import FakeClient

    from pipelines.warehouse.bigquery_warehouse import BigQueryWarehouse

    client = FakeClient()
    BigQueryWarehouse("minera-prod", "EU", client=client).ensure_ops(("dead_letter", "load_runs"))
    created = {c[1]["tableReference"]["tableId"]: c[1] for c in client.calls if c[0] == "create_table"}
    assert created["dead_letter"]["timePartitioning"] == {"type": "DAY", "field": "received_at"}
    assert created["dead_letter"]["clustering"] == {"fields": ["pipeline"]}
    assert "timePartitioning" not in created["load_runs"] and "clustering" not in created["load_runs"]


@pytest.mark.parametrize("name", lake_table_names())
def test_the_lake_tables_generated_bigquery_columns_are_what_the_pipelines_send(name):
    """Terraform's external table reads these columns; regenerate with ``python -m pipelines.lake``."""
    from pipelines.schema import bigquery_schema_json

    lake = LakeTable.load(name)
    path = SCHEMAS_DIR / lake.bigquery_schema_file
    assert path.read_text() == lake.bigquery_schema_text(), "stale: run python -m pipelines.lake"
    assert json.loads(path.read_text()) == bigquery_schema_json(lake.schema)
    assert lake.bigquery_schema_file == lake.name.replace(".", "/") + ".json"
