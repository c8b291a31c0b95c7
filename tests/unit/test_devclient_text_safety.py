"""The development client never opens bytes that are not text as a text document, nor saves over them.

A Word document renamed .txt once opened in "Word" as its ZIP bytes, and autosave wrote the typed text back
over the document.
"""

from __future__ import annotations

import pytest

from tests.samples import ooxml
from tests.unit.devclient_fakes import FakeHost, ManualClock, fake_wopi
from wopihost.devclient.coauthoring import SessionManager
from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.policies import POLICIES, Timings
from wopihost.devclient.sessions import OpenFailure

pytestmark = pytest.mark.anyio

DOCX = ooxml()


async def test_join_txt_holding_a_word_document_fails_unreadable_unlocks_and_never_saves() -> None:
    clock, host = ManualClock(), FakeHost()
    manager = SessionManager(
        fake_wopi(host, DevClientKeys.generate(), clock), clock=clock, timings=Timings(heartbeat_timeout=1e9)
    )
    host.add_file("t1", "Report.txt", DOCX)
    target = host.target("t1", "token-alice", "Alice")

    with pytest.raises(OpenFailure) as failure:
        await manager.join(pid="pid-1", target=target, policy=POLICIES["Word"])

    assert failure.value.kind == "unreadable"
    assert "not text" in failure.value.detail
    assert [op for op, _user in host.operations()] == ["CheckFileInfo", "Lock", "GetFile", "Unlock"]
    assert host.files["t1"].content == DOCX
    assert not host.files["t1"].lock
