"""Log lines: client-supplied values made safe for one key=value field, and the per-second time stamp."""

from __future__ import annotations

import logging
import time
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from wopihost.logging_setup import JsonFormatter, KeyValueFormatter, log_value


def _char_by_char(text: str, limit: int = 64) -> str:
    return "".join(c if c.isprintable() and not c.isspace() else "_" for c in text[:limit]) or "-"


@given(st.text(max_size=100))
def test_log_value_repairs_every_character_as_one_field_needs(text: str) -> None:
    assert log_value(text) == _char_by_char(text)


def test_log_value_cuts_white_space_and_controls_and_keeps_other_letters() -> None:
    assert log_value("a b\nc\td\u2003e\x00f") == "a_b_c_d_e_f"
    assert log_value("Résumé.docx") == "Résumé.docx"
    assert log_value("") == "-"
    assert log_value("x" * 300, limit=10) == "x" * 10
    assert all(unicodedata.category(c)[0] != "Z" for c in log_value("\u00a0\u2028x"))


def _record(created: float) -> logging.LogRecord:
    record = logging.LogRecord("wopihost.test", logging.INFO, __file__, 1, "op=x status=ok", None, None)
    record.created = created
    return record


def test_time_stamps_follow_each_record_second_by_second() -> None:
    formatter = KeyValueFormatter()
    base = float(int(time.time()))
    for created in (base, base + 0.5, base + 1.25, base - 3):
        expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(created))
        assert formatter.format(_record(created)).startswith(f"ts={expected} level=INFO ")
    assert '"ts":"' + time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(base)) in JsonFormatter().format(
        _record(base)
    )
