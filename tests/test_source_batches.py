"""Every source's reader hands its driver batches through one path (sources/arrow.py
``conformed_batches``): pure Arrow, no database."""

from __future__ import annotations

import logging

import pyarrow as pa
import pytest

from pipelines.errors import SourceError
from pipelines.sources import arrow

SCHEMA = pa.schema([pa.field("id", pa.int64()), pa.field("name", pa.string())])


def batch(ids: list[int]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([{"id": i, "name": f"n{i}"} for i in ids], schema=SCHEMA)


def test_batches_are_conformed_and_empty_ones_skipped():
    driver = [batch([]), pa.RecordBatch.from_pylist([{"id": 1, "name": "n1"}],
                                                      schema=pa.schema([("id", pa.int32()), ("name", pa.string())])),
              batch([]), batch([2, 3])]
    out = list(arrow.conformed_batches(driver, "public.trucks[0]", SCHEMA))
    assert [b.schema for b in out] == [SCHEMA, SCHEMA]
    assert pa.Table.from_batches(out).to_pylist() == [{"id": 1, "name": "n1"}, {"id": 2, "name": "n2"},
                                                       {"id": 3, "name": "n3"}]


def test_an_empty_partition_still_yields_one_empty_batch_of_its_schema():
    out = list(arrow.conformed_batches([batch([]), batch([])], "public.trucks[3]", SCHEMA))
    assert len(out) == 1 and out[0].num_rows == 0 and out[0].schema == SCHEMA
    assert [b.schema for b in arrow.conformed_batches([], "public.trucks[4]", SCHEMA)] == [SCHEMA]


def test_a_batch_that_cannot_be_conformed_names_the_partition():
    wrong = pa.RecordBatch.from_pylist([{"id": "x", "name": "n"}], schema=pa.schema([("id", pa.string()),
                                                                                    ("name", pa.string())]))
    with pytest.raises(SourceError, match=r"^public\.trucks\[1\]: "):
        list(arrow.conformed_batches([wrong], "public.trucks[1]", SCHEMA))


def test_progress_is_logged_with_rows_and_rows_per_second(monkeypatch, caplog):
    monkeypatch.setattr(arrow, "PROGRESS_EVERY_S", 0.0)
    with caplog.at_level(logging.INFO, logger="pipelines.sources.arrow"):
        list(arrow.conformed_batches([batch([1, 2]), batch([3])], "public.trucks[2]", SCHEMA))
    lines = [r.getMessage() for r in caplog.records]
    assert [line.split(" (")[0] for line in lines] == ["public.trucks[2]: 2 rows read", "public.trucks[2]: 3 rows read"]
    assert all(line.endswith(" rows/s)") for line in lines)
