"""The models on BigQuery: the exact statements a build sends, with SQLMesh's state in a real PostgreSQL.

BigQuery itself cannot run here, so its client is a recording fake: every query SQLMesh sends is kept
and answered with no rows (an audit's ``SELECT COUNT(*)`` with 0, a failing one with what the test
says), every table it looks up does not exist yet. SQLMesh's state store is what production uses, a
PostgreSQL database (Cloud SQL there, pgserver here), named by ``MINERA_SQLMESH_STATE_URL``.
"""

from __future__ import annotations

import re
import uuid

import google.auth
import psycopg
import pytest
from google.api_core.exceptions import NotFound
from google.auth.credentials import AnonymousCredentials

from pipelines.transform.build import ChecksFailed, build

PROJECT = "minera-prod"
RAW = {"raw_production", "raw_erp", "raw_vendor", "raw_mobile", "ops"}


class _Results:
    """What the DB-API cursor reads off a finished query."""

    def __init__(self, rows: list[tuple]):
        self.rows, self.total_rows, self.num_dml_affected_rows, self.schema = rows, len(rows), None, None

    def __iter__(self):
        return iter(self.rows)


class _Job:
    def __init__(self, sql: str, rows: list[tuple]):
        self.sql, self.project, self.location, self.job_id = sql, PROJECT, "EU", uuid.uuid4().hex
        self.statement_type, self.total_bytes_processed, self.num_dml_affected_rows = "SELECT", 0, None
        self._query_results = _Results(rows)
        self.session_info = None

    def result(self, **_):
        return self._query_results

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame(self._query_results.rows)


def _columns(rest: str) -> list[str]:
    """The column names of a ``(`a`, `b` OPTIONS (...)) AS ...`` list that follows a view's name."""
    if not rest.lstrip().startswith("("):
        return []
    depth, names, text = 0, [], rest.lstrip()
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            text = text[:i]
            break
    for part in re.finditer(r"(?:^\(|, )`([^`]+)`", text):
        names.append(part.group(1))
    return names


class RecordingClient:
    """A ``google.cloud.bigquery.Client`` that records SQLMesh's queries and table look-ups."""

    failing: dict[str, int] = {}  # audit query fragment -> rows it finds
    queries: list[str] = []  # every query any client of the test sent, in order
    made: dict[str, list[str]] = {}  # project.dataset.table -> columns, of every view and table created

    def __init__(self, project=None, **_):
        self.project, self.location, self._credentials = project or PROJECT, "EU", AnonymousCredentials()

    def _ensure_bqstorage_client(self, *_args, **_kwargs):
        return None

    def query(self, query, job_config=None, **_):
        # SQLMesh may send it pretty-printed, after a comment naming its plan (a job label): kept apart
        query = re.sub(r"^/\* SQLMESH_PLAN: \w+ \*/ ", "", " ".join(query.split()))
        self.queries.append(query)
        created = re.match(r"CREATE (?:OR REPLACE )?(?:VIEW|TABLE)(?: IF NOT EXISTS)? `([^`]+)`\.`([^`]+)`\.`([^`]+)`",
                           query)
        if created:
            name = ".".join(created.groups())
            over = re.match(r"AS SELECT \* FROM `([^`]+)`\.`([^`]+)`\.`([^`]+)`$", query[created.end():].strip())
            self.made[name] = self.made.get(".".join(over.groups()), []) if over else _columns(query[created.end():])
        rows: list[tuple] = []
        if query.startswith("SELECT COUNT(*) FROM ("):
            rows = [(next((n for fragment, n in self.failing.items() if fragment in query), 0),)]
        return _Job(query, rows)

    def get_dataset(self, dataset_ref=None, **kwargs):
        ref = dataset_ref or kwargs.get("ref")
        if str(ref).split(".")[-1] not in RAW:
            raise NotFound(f"dataset {ref}")
        return type("Dataset", (), {"location": "EU"})()

    def get_table(self, table=None, **_):
        from google.cloud import bigquery

        name = str(table).replace(":", ".")
        if name not in self.made:
            raise NotFound(f"table {name}")
        return bigquery.Table(name, schema=[bigquery.SchemaField(c, "STRING") for c in self.made[name]])

    def create_table(self, table, exists_ok=False, **_):
        """The ops tables a build reads and no run has written yet, as ``-- create_table``."""
        self.queries.append(f"-- create_table {table.project}.{table.dataset_id}.{table.table_id} "
                            f"{[f.name for f in table.schema]}")
        self.made[f"{table.project}.{table.dataset_id}.{table.table_id}"] = [f.name for f in table.schema]
        return table

    def update_table(self, table, fields, **_):
        """Column descriptions SQLMesh registers from the models' comments, as ``-- update_table``."""
        self.queries.append(f"-- update_table {table.project}.{table.dataset_id}.{table.table_id} {sorted(fields)}")
        return table

    def close(self):
        pass


@pytest.fixture
def bigquery_build(monkeypatch, pg_server, pg_admin_url, tmp_path):
    """A build against project minera-prod, its state in a fresh PostgreSQL database."""
    name = f"sqlmesh_state_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    state_url = pg_server.get_uri(name).replace("postgres:@", "postgres@")
    monkeypatch.setenv("MINERA_SQLMESH_STATE_URL", state_url)
    monkeypatch.setattr(google.auth, "default", lambda **_: (AnonymousCredentials(), PROJECT))
    monkeypatch.setattr("google.cloud.bigquery.Client", RecordingClient)
    monkeypatch.setattr(RecordingClient, "failing", {})
    monkeypatch.setattr(RecordingClient, "queries", [])
    monkeypatch.setattr(RecordingClient, "made", {})

    def run(select: str | None = None):
        return build(f"bigquery://{PROJECT}", select)

    return run, state_url


def sent() -> list[str]:
    return RecordingClient.queries


def test_a_first_build_creates_each_model_in_its_physical_dataset_then_the_views_people_read(bigquery_build):
    run, _ = bigquery_build
    report = run("staging.stg_production__trucks")
    assert report.built == ["staging.stg_production__trucks"]
    statements = sent()
    # the model's own version, in SQLMesh's physical dataset, reading the raw table of the project
    physical = "CREATE OR REPLACE VIEW `minera-prod`.`sqlmesh__staging`.`staging__stg_production__trucks__"
    (view,) = [s for s in statements if s.startswith(physical)]
    assert re.match(r"CREATE OR REPLACE VIEW `minera-prod`\.`sqlmesh__staging`\.`staging__stg_production__trucks__\d+`"
                    r".* AS .*FROM `minera-prod`\.`raw_production`\.`trucks` AS `trucks`", view, re.S)
    assert "QUALIFY ROW_NUMBER() OVER (PARTITION BY `truck_id` ORDER BY `updated_at` DESC, `_loaded_at` DESC) = 1" \
        in view
    # then what people query: staging.stg_production__trucks, a view on that version
    (exposed,) = [s for s in statements if s.startswith("CREATE OR REPLACE VIEW `minera-prod`.`staging`.")]
    assert re.fullmatch(r"CREATE OR REPLACE VIEW `minera-prod`\.`staging`\.`stg_production__trucks` AS SELECT \* "
                        r"FROM `minera-prod`\.`sqlmesh__staging`\.`staging__stg_production__trucks__\d+`", exposed)
    # and each check ran as one COUNT(*) over the model, e.g. the key is unique and the source fresh
    audits = [s for s in statements if s.startswith("SELECT COUNT(*) FROM (")]
    assert any("GROUP BY `truck_id` HAVING COUNT(*) > 1" in s for s in audits)
    assert any("`target_table` = 'raw_production.trucks' AND `status` = 'succeeded'" in s and
               # sql/checks.yaml: 6 hours for production's tables
               "TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL (CAST(6.0 * 60 AS INT64)) MINUTE)" in s for s in audits)


def test_a_failing_check_on_bigquery_names_the_model_and_stops_its_marts(bigquery_build):
    run, _ = bigquery_build
    run("staging")  # every staging model exists and passes
    RecordingClient.failing = {"NOT `material` IN ('ore', 'low_grade', 'overburden', 'waste')": 3}
    with pytest.raises(ChecksFailed) as failed:
        run("marts")
    message = str(failed.value)
    assert message.startswith("staging.stg_production__truck_loads: check accepted_values(column := material, "
                              "is_in := ('ore', 'low_grade', 'overburden', 'waste')) failed on 3 row(s)")
    not_built = message.split("; not built: ")[1].split(", ")
    assert "marts.haulage_by_shift" in not_built and not_built == sorted(not_built)
    for mart in not_built:  # none of them was built; marts that do not read truck loads were
        table = mart.replace("marts.", "marts__")
        assert not any(f"`sqlmesh__marts`.`{table}__" in s and s.startswith("CREATE") for s in sent()), mart
    assert any("`sqlmesh__marts`.`marts__rock_quality_by_blast__" in s and s.startswith("CREATE") for s in sent())
    # the platform marts read ops.dead_letter, which only a stream's first dead letter makes: made empty
    assert any(s.startswith("-- create_table minera-prod.ops.dead_letter ['pipeline', ") for s in sent())


def test_the_state_lives_in_postgresql(bigquery_build):
    run, state_url = bigquery_build
    run("staging.stg_production__shifts")
    with psycopg.connect(state_url.replace("postgres@", "postgres:@")) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema = 'sqlmesh'")}
        environments = conn.execute("SELECT name FROM sqlmesh._environments").fetchall()
    assert {"_snapshots", "_environments", "_intervals", "_versions"} <= tables
    assert environments == [("prod",)]
    assert not any("`sqlmesh`." in s for s in sent())  # nothing of SQLMesh's own bookkeeping goes to BigQuery
