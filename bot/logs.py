"""One-line structured logs: `event key=value ...`, never secrets or child data."""

from __future__ import annotations

import logging
import sys
from typing import Any


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        force=True,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _value(value: Any) -> str:
    text = str(value)
    return repr(text) if (not text or " " in text or "=" in text) else text


def log_event(logger: logging.Logger, level: int, event: str, **fields: Any) -> None:
    """Log `event` with sorted key=value fields on one line (formatted only
    when the level is enabled)."""
    if not logger.isEnabledFor(level):
        return
    parts = " ".join(f"{key}={_value(val)}" for key, val in sorted(fields.items()))
    logger.log(level, f"{event} {parts}".rstrip())
