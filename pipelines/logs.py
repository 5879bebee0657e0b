"""One logging set-up for every entry point: time, level, message; Beam's chatter kept down."""

from __future__ import annotations

import logging
import os


def configure() -> None:
    level = os.environ.get("MINERA_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s", force=True)
    for noisy in ("apache_beam", "pgserver", "google", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
