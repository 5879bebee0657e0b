"""The lake as a table, defined once in ``schemas/lake/<name>.json`` and rendered for each reader.

    <lake_location>/<path>/dt=YYYY-MM-DD/hour=HH/<file>.parquet        (UTC event time)

The definition gives the table's name, the folder under the lake location, the Hive partition keys
(name, type, and how the writer formats an event hour into them) and the files' columns (those of
the message spec the speed layer validates with). From it:

- the speed layer's writer names its folders (``WriteHourlyParquetFn``);
- locally, ``DuckDBWarehouse.define_lake_table`` makes the view ``batch.sensor_readings``;
- on Google Cloud, ``bigquery_requests.lake_table_resource`` is the Hive-partitioned external
  table; Terraform creates it from the same file, its columns from ``schemas/<dataset>/<table>.json``,
  which :meth:`LakeTable.bigquery_schema_text` renders (``python -m pipelines.lake`` rewrites it, a
  test keeps it equal) so that HCL need not know the message spec's envelope;
- the batch layer lists one day's files and the days that have files (:class:`LakeTable`).

A file whose name starts with ``.`` or ``_`` is no data (a writer's temporary file, a marker).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from pipelines.errors import ConfigError, SourceError, one_line
from pipelines.schema import SCHEMAS_DIR, Column, TableSchema, bigquery_schema_json

LAKE_SCHEMAS = SCHEMAS_DIR / "lake"


@dataclass(frozen=True)
class PartitionKey:
    """One Hive partition level: ``<name>=<value>`` folders, ``value`` = the event hour in ``format``."""

    name: str
    type: str  # DATE or INT64
    format: str  # strftime of the hour's start


@dataclass(frozen=True)
class LakeFile:
    """One data file of the lake, with the partition values its folders give it."""

    path: str
    size: int
    day: date
    hour: int


@dataclass(frozen=True)
class LakeTable:
    """A lake table's definition (``schemas/lake/<name>.json``)."""

    name: str  # dataset.table in the warehouse
    path: str  # folder under the lake location
    format: str
    schema: TableSchema  # the files' columns
    partition_keys: tuple[PartitionKey, ...]
    require_partition_filter: bool
    description: str

    @classmethod
    def load(cls, name: str) -> LakeTable:
        from pipelines.streaming.messages import MessageSpec

        data = json.loads((LAKE_SCHEMAS / f"{name}.json").read_text())
        keys = tuple(PartitionKey(k["name"], k["type"], k["format"]) for k in data["partition_keys"])
        if [k.type for k in keys] != ["DATE", "INT64"]:
            raise ValueError(f"{name}: a lake table is partitioned by a DATE day, then an INT64 hour")
        return cls(data["table"], data["path"], data["format"], MessageSpec.load(data["message_spec"]).table_schema,
                   keys, bool(data.get("require_partition_filter")), data.get("description", ""))

    @property
    def bigquery_schema_file(self) -> str:
        """The table's generated BigQuery JSON schema under ``schemas/``: ``<dataset>/<table>.json``."""
        return self.name.replace(".", "/") + ".json"

    def bigquery_schema_text(self) -> str:
        """The files' columns as BigQuery's JSON schema (what :attr:`bigquery_schema_file` holds and
        ``lake_table_resource`` sends), one column a line like the hand-written schema files."""
        return "[\n" + ",\n".join("  " + json.dumps(f) for f in bigquery_schema_json(self.schema)) + "\n]\n"

    @property
    def partition_columns(self) -> tuple[Column, ...]:
        return tuple(Column(k.name, k.type) for k in self.partition_keys)

    def root(self, location: str) -> str:
        """The table's folder: ``<location>/<path>``, a local path or a gs:// prefix."""
        return f"{location.rstrip('/')}/{self.path}"

    def folder(self, location: str, hour: datetime) -> str:
        """Where the files of an event hour go: ``<root>/dt=YYYY-MM-DD/hour=HH``."""
        return "/".join([self.root(location)] + [f"{k.name}={hour.strftime(k.format)}" for k in self.partition_keys])

    def files_glob(self, location: str) -> str:
        """Every data file, one ``*`` per partition level: ``<root>/*/*/*.parquet``."""
        return self.root(location) + "/*" * len(self.partition_keys) + f"/*.{self.format.lower()}"

    def day_glob(self, location: str, day: date) -> str:
        """The data files of one day: ``<root>/dt=YYYY-MM-DD/*/*.parquet``."""
        day_key = self.partition_keys[0]
        return (f"{self.root(location)}/{day_key.name}={day.strftime(day_key.format)}"
                + "/*" * (len(self.partition_keys) - 1) + f"/*.{self.format.lower()}")

    def partition_of(self, path: str) -> tuple[date, int]:
        """(day, hour) from a file's folders; a folder that is not ``<key>=<value>`` is a SourceError."""
        folders = path.rstrip("/").split("/")[-1 - len(self.partition_keys):-1]
        values = []
        for key, folder in zip(self.partition_keys, folders, strict=True):
            name, _, value = folder.partition("=")
            try:
                if name != key.name:
                    raise ValueError(f"expected a {key.name}=... folder")
                values.append(date.fromisoformat(value) if key.type == "DATE" else int(value))
            except ValueError as exc:
                raise SourceError(f"{path}: not in a {key.name}=<{key.type}> folder of the lake ({one_line(exc)})") \
                    from exc
        day, hour = values
        if not 0 <= hour < 24:
            raise SourceError(f"{path}: hour {hour} is no hour of a day")
        return day, hour

    def list_files(self, pattern: str) -> list[LakeFile]:
        """The data files a glob of this table matches, by path; markers and temporary files left out."""
        from apache_beam.io.filesystems import FileSystems

        try:
            matched = FileSystems.match([pattern])[0].metadata_list
        except Exception as exc:  # noqa: BLE001 - Beam raises BeamIOError and the client's own errors
            raise SourceError(f"cannot list {pattern}: {one_line(exc)}") from exc
        found = []
        for m in matched:
            if m.path.rsplit("/", 1)[-1].startswith((".", "_")):
                continue
            day, hour = self.partition_of(m.path)
            found.append(LakeFile(m.path, m.size_in_bytes, day, hour))
        return sorted(found, key=lambda f: f.path)

    def check_exists(self, location: str) -> None:
        """A one-line ConfigError when the lake has no folder for this table (a wrong --lake_location)."""
        import os

        root = self.root(location)
        if "://" in root:
            from apache_beam.io.filesystems import FileSystems

            if not FileSystems.match([root + "/**"], limits=[1])[0].metadata_list:
                raise ConfigError(f"no lake at {location}: nothing under {root}/")
        elif not os.path.isdir(root):
            raise ConfigError(f"no lake at {location}: {root} is not a folder")

    def days(self, location: str) -> list[date]:
        """The days that have at least one data file, in order."""
        return sorted({f.day for f in self.list_files(self.files_glob(location))})

    def day_files(self, location: str, day: date) -> list[LakeFile]:
        return self.list_files(self.day_glob(location, day))


def lake_table_names() -> list[str]:
    """Every lake table defined under ``schemas/lake/``."""
    return sorted(path.stem for path in LAKE_SCHEMAS.glob("*.json"))


def write_bigquery_schemas() -> list[str]:
    """Rewrite each lake table's generated BigQuery schema file; the files that changed."""
    changed = []
    for name in lake_table_names():
        lake = LakeTable.load(name)
        path = SCHEMAS_DIR / lake.bigquery_schema_file
        text = lake.bigquery_schema_text()
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(lake.bigquery_schema_file)
    return changed


if __name__ == "__main__":
    for written in write_bigquery_schemas():
        print(f"wrote schemas/{written}")
