"""Oracle's errors as one line a person can act on: connection failures, and the usual ORA errors
while reading (undo too short for the run's SCN, a missing FLASHBACK grant)."""

from __future__ import annotations

import re

from pipelines.errors import SourceError, one_line
from pipelines.sources.base import Partition

PASSWORD_ENV = "ORACLE_PASSWORD"  # where the password is by default; the messages name it

_CODE_RE = re.compile(r"\b(ORA-\d{5}|DPY-\d{4})\b")
_UNKNOWN_SERVICE = {"DPY-6001", "DPY-6003", "ORA-12514", "ORA-12505"}
_UNREACHABLE = {"DPY-6000", "DPY-6005", "DPY-4011", "ORA-12541", "ORA-12170", "ORA-12543", "ORA-12545",
                "ORA-12537", "ORA-12547"} | _UNKNOWN_SERVICE


def error_code(exc: BaseException) -> str | None:
    """``ORA-nnnnn`` / ``DPY-nnnn`` of an oracledb error (its ``_Error.full_code``), else from its text."""
    info = exc.args[0] if exc.args else None
    code = getattr(info, "full_code", None)
    if code:
        return code
    match = _CODE_RE.search(str(exc))
    return match.group(1) if match else None


def connection_error(dsn: str, user: str, exc: BaseException, password_env: str | None = PASSWORD_ENV) -> SourceError:
    """A one-line reason for a failed connection: unreachable, unknown service, bad password."""
    code = error_code(exc)
    lowered = str(exc).lower()
    if code in ("ORA-01017", "ORA-01005") or (code is None and "logon denied" in lowered):
        reason = "authentication failed (wrong user or password)"
    elif code == "DPY-4001":
        reason = f"no password (set ${password_env} or --source_password_secret)" if password_env \
            else "no password given"
    elif code in _UNKNOWN_SERVICE:
        reason = f"database unreachable ({code}: the listener does not know this service name)"
    elif code in _UNREACHABLE or isinstance(exc, OSError) or "timed out" in lowered or "timeout" in lowered:
        detail = f"{code}: " if code else ""
        reason = f"database unreachable ({detail}is it running? check host, port and network)"
    else:
        reason = one_line(exc)
    return SourceError(f"cannot connect to Oracle at {dsn} as {user}: {reason}")



_READ_HINTS = {
    "ORA-01555": "undo no longer holds the run's SCN: raise UNDO_RETENTION above the run's duration",
    "ORA-08181": "the run's SCN is not valid here",
    "ORA-01466": "the table's definition changed after the run's SCN; rerun",
    "ORA-01031": "the loader's user needs FLASHBACK on the table (or FLASHBACK ANY TABLE)",
}


def read_error(partition: Partition, scn: int | None, exc: BaseException) -> SourceError:
    """An ORA error while reading, naming the partition (and what to do, for the usual ones)."""
    hint = _READ_HINTS.get(error_code(exc) or "")
    suffix = f" ({hint}; SCN {scn})" if hint else ""
    return SourceError(f"reading {partition.label} failed: {one_line(exc)}{suffix}")

