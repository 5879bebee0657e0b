"""One logging set-up for every entry point: time, level, message; Beam's chatter kept down.

Beam logs a failing bundle with several pages of traceback; unless ``MINERA_LOG_LEVEL=DEBUG``
its records are cut to their first line, so the run's own one-line error stays readable.
"""

from __future__ import annotations

import logging
import os
import sys


class _FirstLineOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("apache_beam"):
            record.msg = record.getMessage().splitlines()[0] if record.getMessage() else ""
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now, not the one there at set-up: an entry point run
    in-process (tests, the demo) must not keep logging to a stream someone has since closed."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure() -> None:
    level = os.environ.get("MINERA_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s", force=True,
                        handlers=[_CurrentStderr()])
    if level != "DEBUG":
        for handler in logging.getLogger().handlers:
            handler.addFilter(_FirstLineOnly())
    for noisy in ("apache_beam", "pgserver", "google", "urllib3", "sqlmesh"):
        logging.getLogger(noisy).setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
