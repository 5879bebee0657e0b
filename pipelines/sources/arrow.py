"""Bring driver record batches to the exact staged schema, column by column, in bulk."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def _storage(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Drivers tag some columns with extension types (arrow.json, opaque numeric): unwrap them."""
    if isinstance(array.type, pa.ExtensionType) or isinstance(array.type, pa.BaseExtensionType):
        return array.storage
    return array


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """Cast ``batch`` to ``schema`` (same column order), e.g. decimal text to decimal128.

    A value that does not fit its declared type raises instead of being rounded.
    """
    if batch.num_columns != len(schema):
        raise ValueError(f"expected {len(schema)} columns, the source returned {batch.num_columns}")
    arrays = []
    for array, field in zip(batch.columns, schema):
        array = _storage(array)
        if not array.type.equals(field.type):
            array = pc.cast(array, field.type)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
