"""ETL step: each CSV uploaded to the raw bucket is cleaned and written as Parquet."""

from __future__ import annotations

import io
import os
import urllib.parse

import boto3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

CURATED_BUCKET = os.environ.get("CURATED_BUCKET", "curated")
s3 = boto3.client("s3")


def clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise column names, parse timestamps, drop duplicates and add derived columns."""
    frame = frame.rename(columns=lambda c: c.strip().lower().replace(" ", "_"))
    frame = frame.drop_duplicates()
    if "timestamp" in frame:
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
        frame["day"] = frame["timestamp"].dt.strftime("%Y-%m-%d")
    numeric = frame.select_dtypes(include=[np.number])
    if not numeric.empty:
        frame["row_norm"] = np.sqrt((numeric.fillna(0) ** 2).sum(axis=1))
    return frame


def to_parquet(frame: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def handler(event: dict, context: object) -> dict:
    written = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        frame = clean(pd.read_csv(io.BytesIO(body)))
        target = key.rsplit(".", 1)[0] + ".parquet"
        s3.put_object(Bucket=CURATED_BUCKET, Key=target, Body=to_parquet(frame))
        written.append({"key": target, "rows": len(frame)})
    return {"written": written}
