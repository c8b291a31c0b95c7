"""Logs: one key=value line per WOPI request, and never an access token (nor a piece of one)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.conftest import MAX_FILE_SIZE, Host
from wopihost.logging_setup import JsonFormatter, KeyValueFormatter

pytestmark = pytest.mark.anyio

A, B = "lock-A", "lock-B"
# The test client's own loggers print request URLs (query strings included); they are not the server's.
CLIENT_LOGGERS = ("httpx", "httpcore")


def server_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)]


def rendered(records: list[logging.LogRecord]) -> Iterator[str]:
    """Each record as every formatter would write it, tracebacks included, plus its raw arguments."""
    for record in records:
        yield KeyValueFormatter().format(record)
        yield JsonFormatter().format(record)
        yield repr(record.args) + repr(record.msg)


def token_pieces(token: str) -> list[str]:
    _header, payload, signature = token.split(".")
    return [token, payload, signature]


async def test_requests_carrying_tokens_never_log_them(host: Host, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    owner_token, editor_token = host.token(host.owner), host.token(host.editor)
    tampered = owner_token[:-4] + "AAAA"
    file_url_token = httpx.URL((await host.check_file_info(token=owner_token)).json()["FileUrl"]).params[
        "token"
    ]

    await host.get_file(token=owner_token)
    await host.lock(A)
    await host.client.post(
        f"/wopi/files/{host.doc.id}",
        headers={"Authorization": f"Bearer {editor_token}", "X-WOPI-Override": "LOCK", "X-WOPI-Lock": B},
    )  # 409, token in the Authorization header only
    await host.put_file(b"x" * (MAX_FILE_SIZE + 1), lock=A, token=owner_token)  # 413
    await host.check_file_info(token=tampered)  # 401
    await host.check_file_info(token=owner_token, params={"extra": owner_token})  # 401: other file
    await host.call(override="NOT_AN_OPERATION", token=owner_token)  # 501
    await host.call(
        override="PUT_RELATIVE", token=editor_token, headers={"X-WOPI-SuggestedTarget": ".pdf"}, body=b"c"
    )  # 200, whose body carries a new token
    await host.client.get(f"/wopi/direct/{host.doc.id}", params={"token": file_url_token})

    records = server_records(caplog)
    output = "\n".join(rendered(records))
    assert len([r for r in records if r.name == "wopihost.access"]) == 10
    assert "access_token" not in output
    for token in (owner_token, editor_token, tampered, file_url_token):
        for piece in token_pieces(token):
            assert piece not in output


async def test_each_request_logs_one_access_line_with_operation_ids_and_status(
    host: Host, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wopihost.access")

    await host.lock(A, user=host.editor)
    await host.lock(B)  # 409
    await host.client.get(
        f"/wopi/files/{host.doc.id}",
        params={"access_token": host.token()},
        headers={"X-WOPI-CorrelationId": "corr-123"},
    )

    lines = [r.getMessage() for r in caplog.records if r.name == "wopihost.access"]
    assert len(lines) == 3
    assert lines[0].startswith(f"op=Lock method=POST path=/wopi/files/{host.doc.id} file_id={host.doc.id}")
    assert f"user_id={host.editor.id} status=200" in lines[0]
    assert "op=Lock" in lines[1]
    assert "status=409" in lines[1]
    assert "op=CheckFileInfo" in lines[2]
    assert "correlation_id=corr-123" in lines[2]


async def test_unhandled_error_logs_traceback_without_token(
    host: Host, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    token = host.token()

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(host.services.content, "read", broken)
    # A client of its own: the shared one fails any test that sees a 500.
    transport = httpx.ASGITransport(app=host.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://wopihost.test") as client:
        response = await client.get(f"/wopi/files/{host.doc.id}/contents", params={"access_token": token})

    output = "\n".join(rendered(server_records(caplog)))
    assert response.status_code == 500
    assert response.headers["X-WOPI-ServerError"] == "internal error"
    assert "RuntimeError" in output
    for piece in token_pieces(token):
        assert piece not in output


async def test_client_supplied_values_cannot_forge_log_fields(
    host: Host, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wopihost.access")

    await host.client.get(
        "/wopi/files/abc%0Aop=Forged%20status=200",
        params={"access_token": host.token()},
        headers={"X-WOPI-CorrelationId": "c\tstatus=200"},
    )
    await host.client.post(
        f"/wopi/files/{host.doc.id}",
        params={"access_token": host.token()},
        headers={"X-WOPI-Override": "NOPE status=200"},
    )

    lines = [KeyValueFormatter().format(r) for r in caplog.records if r.name == "wopihost.access"]
    assert len(lines) == 2
    for line in lines:
        assert "\n" not in line
        fields = [pair.split("=", 1)[0] for pair in line.split(" ")]
        assert fields.count("status") == 1
        assert fields.count("op") == 1
