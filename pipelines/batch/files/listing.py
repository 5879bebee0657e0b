"""The files a file load sees: what ``--input`` matches, on which filesystem, and their bytes.

Listing is the launcher's first step and the only one that talks to the input's storage before
Beam does: the ``s3://`` probe fails fast with the cause, markers and folders are left out, and
``--start``/``--end`` select files by their modification time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.errors import ConfigError, SourceError, one_line


@dataclass(frozen=True)
class LandedFile:
    path: str
    size: int
    modified_at: datetime | None


def _hidden(path: str) -> bool:
    """Names starting with ``_`` or ``.`` are markers and temporary files (``_SUCCESS``, an upload's
    ``.part``), the Hadoop convention: never data."""
    return path.rstrip("/").rsplit("/", 1)[-1].startswith(("_", "."))


def check_s3(pattern: str, options: PipelineOptions) -> None:
    """One quick request to an ``s3://`` input's bucket, so an unreachable endpoint, a missing
    bucket or refused keys fail in seconds with their cause (Beam's S3 client retries for minutes)."""
    if not pattern.startswith("s3://"):
        return
    import boto3
    from apache_beam.options.pipeline_options import S3Options
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = options.view_as(S3Options)
    bucket, _, key = pattern.removeprefix("s3://").partition("/")
    prefix = fixed_prefix(key)
    where = f"s3://{bucket}" + (f" at {s3.s3_endpoint_url}" if s3.s3_endpoint_url else "")
    try:
        client = boto3.client(
            "s3", endpoint_url=s3.s3_endpoint_url, region_name=s3.s3_region_name,
            aws_access_key_id=s3.s3_access_key_id, aws_secret_access_key=s3.s3_secret_access_key,
            verify=s3.s3_verify, use_ssl=not s3.s3_disable_ssl,
            config=Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 2, "mode": "standard"}))
        client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise SourceError(f"cannot list {pattern}: {where} answered {code or 'an error'}: {one_line(exc)}") from exc
    except BotoCoreError as exc:
        raise SourceError(f"cannot list {pattern}: {where}: {one_line(exc)}") from exc


def list_files(pattern: str) -> list[LandedFile]:
    """The files a glob matches, in path order (their load order); markers and folders left out."""
    try:
        matched = FileSystems.match([pattern])[0].metadata_list
    except Exception as exc:  # noqa: BLE001 - Beam raises BeamIOError and the client's own errors
        raise SourceError(f"cannot list {pattern}: {one_line(exc)}") from exc
    found = [LandedFile(m.path, m.size_in_bytes,
                        datetime.fromtimestamp(m.last_updated_in_seconds, timezone.utc)
                        if m.last_updated_in_seconds else None)
             for m in matched if not m.path.endswith("/") and not _hidden(m.path)]
    return sorted(found, key=lambda f: f.path)


def _instant(value: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"bad {option} {value!r}: expected an ISO 8601 time, e.g. 2026-11-22T00:00:00Z") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def modified_between(found: list[LandedFile], start: str | None, end: str | None) -> list[LandedFile]:
    """``--start``/``--end`` for files: those last modified in [start, end), e.g. to reload a week."""
    if not start and not end:
        return found
    low = _instant(start, "--start") if start else None
    high = _instant(end, "--end") if end else None
    if low and high and low >= high:
        raise ConfigError(f"--start {start} is not before --end {end}")
    return [f for f in found if f.modified_at is not None and (low is None or f.modified_at >= low)
            and (high is None or f.modified_at < high)]


def read_bytes(path: str) -> bytes:
    with FileSystems.open(path, compression_type="uncompressed") as f:
        return f.read()


def fixed_prefix(pattern: str) -> str:
    """The folder part of a glob before its first wildcard: ``s3://b/rq/**.avro`` -> ``s3://b/rq/``."""
    head = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    return head[: head.rfind("/") + 1]


def absolute(pattern: str) -> str:
    """A local glob as an absolute path (``~`` expanded); a URL as it is."""
    return pattern if "://" in pattern else os.path.abspath(os.path.expanduser(pattern))
