"""Bring driver record batches to the exact staged schema, column by column, in bulk."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.errors import SourceError

log = logging.getLogger(__name__)

#: a partition being read logs its rows and rows per second this often
PROGRESS_EVERY_S = 5.0

_HEX_PAIRS = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), dtype=np.uint16)
# (hex digit range, text range) of the 8-4-4-4-12 groups
_UUID_GROUPS = ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24))


def uuid_strings(array: pa.FixedSizeBinaryArray) -> pa.StringArray:
    """16-byte UUIDs as canonical text, vectorised (the database would spend more CPU on it)."""
    if array.offset:
        array = pa.concat_arrays([array])  # re-base a sliced array at offset 0
    n = len(array)
    raw = np.frombuffer(array.buffers()[1], dtype=np.uint8, count=n * 16).reshape(n, 16)
    digits = _HEX_PAIRS[raw].view(np.uint8)  # (n, 32) ASCII hex digits
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    for first, last, at in _UUID_GROUPS:
        text[:, at:at + last - first] = digits[:, first:last]
    offsets = np.arange(0, (n + 1) * 36, 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text), array.buffers()[0],
                                       array.null_count)


def _storage(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Drivers tag some columns with extension types (arrow.json, opaque numeric): unwrap them."""
    if isinstance(array.type, pa.ExtensionType) or isinstance(array.type, pa.BaseExtensionType):
        return array.storage
    return array


# The earliest instant a source database holds (PostgreSQL: 4713 BC; Oracle: 4712 BC), in µs and days
# since 1970. A driver decoding a later value than Arrow's 64-bit microseconds reach (PostgreSQL goes
# to 294276 AD) wraps it around to far before that: refused, never loaded as a date thousands of years BC.
_EARLIEST_US = -210866803200000000
_EARLIEST_DAYS = -2440588


def _refuse_wrapped(array: pa.Array, field: pa.Field) -> None:
    """A timestamp or date (alone or in a list) earlier than any database holds is a driver overflow."""
    values = array.flatten() if pa.types.is_list(array.type) else array
    if pa.types.is_timestamp(values.type):
        earliest, raw = _EARLIEST_US, values.cast(pa.int64())
    elif pa.types.is_date32(values.type):
        earliest, raw = _EARLIEST_DAYS, values.cast(pa.int32())
    else:
        return
    least = pc.min(raw).as_py()
    if least is not None and least < earliest:
        raise ValueError(f"column {field.name!r} holds a time the driver could not decode (beyond year 294246?): "
                         "it would load thousands of years BC")


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """Cast ``batch`` to ``schema`` (same column order), e.g. decimal text to decimal128.

    A value that does not fit its declared type raises instead of being rounded, and so does a
    time the driver overflowed (``_refuse_wrapped``).
    """
    if batch.num_columns != len(schema):
        raise ValueError(f"expected {len(schema)} columns, the source returned {batch.num_columns}")
    arrays = []
    for array, field in zip(batch.columns, schema, strict=True):
        array = _storage(array)
        if not array.type.equals(field.type):
            if pa.types.is_fixed_size_binary(array.type) and array.type.byte_width == 16 \
                    and pa.types.is_string(field.type):
                array = uuid_strings(array)
            else:
                try:
                    array = pc.cast(array, field.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise ValueError(f"column {field.name!r} does not fit {field.type}: "
                                     f"{str(exc).splitlines()[0]}") from exc
        _refuse_wrapped(array, field)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def conformed_batches(batches: Iterable[pa.RecordBatch], label: str, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """A partition's driver batches as its staged ``schema`` (:func:`conform`), every source's reader
    the same way: empty batches skipped, a progress line (rows, rows per second) every
    :data:`PROGRESS_EVERY_S`, and one empty batch for an empty partition, which still stages a file
    so the launcher sees it done. A batch that cannot be conformed is a SourceError naming ``label``."""
    rows, started, last_report = 0, time.monotonic(), time.monotonic()
    for batch in batches:
        if batch.num_rows == 0:
            continue
        try:
            batch = conform(batch, schema)
        except ValueError as exc:
            raise SourceError(f"{label}: {exc}") from exc
        rows += batch.num_rows
        yield batch
        now = time.monotonic()
        if now - last_report >= PROGRESS_EVERY_S:
            log.info("%s: %s rows read (%s rows/s)", label, f"{rows:,}", f"{rows / (now - started):,.0f}")
            last_report = now
    if rows == 0:
        yield pa.RecordBatch.from_pylist([], schema=schema)
