"""Structured logs: one key=value (or JSON) line per event, never a token."""

from __future__ import annotations

import logging
import sys

import orjson


class KeyValueFormatter(logging.Formatter):
    """`ts=... level=... logger=... <message>`; messages are already key=value pairs."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        line = f"ts={stamp} level={record.levelname} logger={record.name} {record.getMessage()}"
        if record.exc_info:
            line += " exc=" + repr(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the key=value pairs of the message as fields."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, object] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
        }
        for pair in record.getMessage().split(" "):
            key, sep, value = pair.partition("=")
            if sep:
                fields[key] = value
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(fields).decode("utf-8")


def log_value(text: str, limit: int = 64) -> str:
    """A client-supplied value fit for one key=value field: printable, no white space, at most `limit` long.

    Paths, IDs and headers arrive URL-decoded or as sent; a space or a newline in one would let a client
    forge fields or whole lines in the log.
    """
    return "".join(c if c.isprintable() and not c.isspace() else "_" for c in text[:limit]) or "-"


def quiet_http_logs() -> None:
    """Keep httpx's request lines out of the logs: they print full URLs, and WOPI URLs carry access tokens."""
    for noisy in ("httpx", "httpcore"):
        logger = logging.getLogger(noisy)
        logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))


def configure_logging(level: str = "INFO", fmt: str = "keyvalue") -> None:
    """Send wopihost's logs to stderr in the chosen format; silence uvicorn's access log (it prints query
    strings, which carry access tokens)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    quiet_http_logs()
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("uvicorn.access").propagate = False
