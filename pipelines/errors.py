"""Errors a person can act on, and the one-line exit every entry point shares."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)


class PipelineError(Exception):
    """A failure with a message that names the problem; printed as one line."""

    exit_code = 1


class ConfigError(PipelineError):
    """Bad command line or configuration (bad URL, unknown table, password in argv)."""

    exit_code = 2


class SourceError(PipelineError):
    """The source cannot be read: unreachable, wrong credentials, missing table."""


class WarehouseError(PipelineError):
    """The warehouse refused a load or cannot be reached."""


class PartialFailure(PipelineError):
    """Some tables or files failed while the others loaded; the summary says which."""


def one_line(exc: BaseException) -> str:
    """The first line of an exception's text, without driver noise."""
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.splitlines()[0].split())


INTERRUPTED = 130


def exit_process(status: int) -> None:
    """Leave with ``status``. After an interrupt, leave at once, output flushed: a runner thread
    blocked in a source read (or a gRPC worker waiting on it) would otherwise hold the
    interpreter's exit until the read returns. Nothing is committed by exiting."""
    if status == INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(status)
    sys.exit(status)


def main_guard(run: Callable[[list[str] | None], object], argv: list[str] | None = None) -> int:
    """Run an entry point; turn any failure into ``error: ...`` on stderr and an exit status."""
    stderr = sys.stderr  # the terminal, even if a runner swapped sys.stderr while failing
    try:
        run(argv)
    except PipelineError as exc:
        # the cause's traceback, for MINERA_LOG_LEVEL=DEBUG; a person sees the one line below
        log.debug("%s: %s", type(exc).__name__, one_line(exc), exc_info=True)
        print(f"error: {one_line(exc)}", file=stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        # the runner's threads may still be unwinding: nothing they log may follow the error line
        logging.disable(logging.CRITICAL)
        print("error: interrupted; nothing was committed for tables that had not finished", file=stderr, flush=True)
        return INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the last line of defence prints one line, logs the rest
        log.debug("unexpected failure", exc_info=True)
        print(f"error: {type(exc).__name__}: {one_line(exc)}", file=stderr)
        return 1
    return 0
