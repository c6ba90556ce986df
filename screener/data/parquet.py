"""Parquet bytes for the store: a dated frame with string metadata written, and a history's dates and adjusted
closes read without pandas."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def parquet_bytes(frame: pd.DataFrame, meta: dict[str, str]) -> bytes:
    """A dated frame (index kept) as parquet bytes, ``meta`` in the schema metadata."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=True)
    metadata = {**(table.schema.metadata or {}), **{k: str(v) for k, v in meta.items()}}
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(metadata), buffer)
    return buffer.getvalue()


def _numbers(column: Any, dtype: str, missing: float) -> Any:
    """A numeric arrow column as a numpy array, read from its buffers (``to_numpy`` would import pandas, a third
    of a second the warm screen does not otherwise pay); nulls become ``missing``."""
    import numpy as np

    parts = []
    for chunk in column.chunks:
        values = np.frombuffer(
            chunk.buffers()[1], dtype=dtype, count=len(chunk), offset=chunk.offset * np.dtype(dtype).itemsize
        )
        if chunk.null_count:
            valid = np.unpackbits(np.frombuffer(chunk.buffers()[0], dtype=np.uint8), bitorder="little")
            valid = valid[chunk.offset : chunk.offset + len(chunk)].astype(bool)
            values = np.where(valid, values, missing)
        parts.append(values)
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def read_parquet(path: Path) -> Any:
    """The whole table of one stored file, read through ONE open of it: a path given to ``read_table`` is opened
    more than once (schema, then data), and a writer's rename in between mixes two files ("page was smaller than
    expected"). The bytes read at once are one version (stored files are small)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.read_table(pa.BufferReader(path.read_bytes()))


def adjusted_closes(path: Path) -> tuple[Any, Any]:
    """The dates (``datetime64[D]``) and adjusted closes of a stored history as numpy arrays (any error: the
    caller names the file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.ParquetFile(pa.BufferReader(path.read_bytes())).read(columns=["date", "adj_close"])  # as above
    days = _numbers(table.column("date").cast(pa.date32()).cast(pa.int32()), "int32", 0)
    return days.astype("datetime64[D]"), _numbers(table.column("adj_close"), "float64", float("nan"))
