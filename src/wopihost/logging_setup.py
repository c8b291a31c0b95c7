"""Structured logs: one key=value (or JSON) line per event, never a token."""

from __future__ import annotations

import logging
import sys
import time

import orjson


class _Stamps:
    """The `ts` field of a record: local time to the second, formatted once per second, not once per line."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        # One tuple, replaced whole, so that threads logging at once never pair a second with another's text.
        self._last = (-1, "")

    def __call__(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        last = self._last
        if last[0] != second:
            last = self._last = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(second)))
        return last[1]


class KeyValueFormatter(logging.Formatter):
    """`ts=... level=... logger=... <message>`; messages are already key=value pairs."""

    def __init__(self) -> None:
        super().__init__()
        self._stamp = _Stamps()

    def format(self, record: logging.LogRecord) -> str:
        stamp = self._stamp(record)
        line = f"ts={stamp} level={record.levelname} logger={record.name} {record.getMessage()}"
        if record.exc_info:
            line += " exc=" + repr(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the key=value pairs of the message as fields."""

    def __init__(self) -> None:
        super().__init__()
        self._stamp = _Stamps()

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, object] = {
            "ts": self._stamp(record),
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
    text = text[:limit]
    # ASCII space is the only white space isprintable() lets through: most values need no repair.
    if text.isprintable() and " " not in text:
        return text or "-"
    return "".join(c if c.isprintable() and not c.isspace() else "_" for c in text) or "-"


def quiet_http_logs() -> None:
    """Keep httpx's request lines out of the logs: they print full URLs, and WOPI URLs carry access tokens."""
    for noisy in ("httpx", "httpcore"):
        logger = logging.getLogger(noisy)
        logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))


def configure_logging(level: str = "INFO", fmt: str = "keyvalue") -> None:
    """Send wopihost's logs to stderr in the chosen format; silence uvicorn's access log (it prints query
    strings, which carry access tokens)."""
    # The formats print none of the caller's file and line, thread or process: a record skips finding them
    # (the logging HOWTO's "Optimization"), work done for every access-log line.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    quiet_http_logs()
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("uvicorn.access").propagate = False
