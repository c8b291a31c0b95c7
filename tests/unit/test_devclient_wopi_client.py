"""The WOPI client signs and addresses every request the way Office for the web does."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from wopihost.devclient.keys import DevClientKeys
from wopihost.devclient.wopi_client import WopiClient, WopiTarget, wopi_url
from wopihost.domain.proofkeys import ProofMatch, ticks_from_datetime, verify_proof

pytestmark = pytest.mark.anyio
KEYS = DevClientKeys.generate()
NOW = datetime(2025, 3, 14, 15, 9, 26, tzinfo=UTC)
TOKEN = "tok+en/with=odd&chars"
TARGET = WopiTarget("https://host.test/wopi/files/f%201", TOKEN)


class Capture:
    def __init__(self, status: int = 200) -> None:
        self.requests: list[httpx.Request] = []
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json={"BaseFileName": "a.docx"})


def _client(capture: Capture) -> WopiClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(capture))
    return WopiClient(http, KEYS.signer, wall_clock=lambda: NOW)


async def test_check_file_info_proof_covers_the_exact_url_and_verifies_with_published_keys() -> None:
    capture = Capture()

    await _client(capture).check_file_info(TARGET)

    request = capture.requests[0]
    assert str(request.url) == "https://host.test/wopi/files/f%201?access_token=tok%2Ben%2Fwith%3Dodd%26chars"
    assert request.headers["X-WOPI-TimeStamp"] == str(ticks_from_datetime(NOW))
    verdict = verify_proof(
        KEYS.public_keys(),
        access_token=TOKEN,
        url=str(request.url),
        timestamp=ticks_from_datetime(NOW),
        proof_b64=request.headers["X-WOPI-Proof"],
        proof_old_b64=request.headers["X-WOPI-ProofOld"],
    )
    assert verdict.match is ProofMatch.PROOF_WITH_CURRENT_KEY


async def test_every_request_carries_the_token_twice_and_its_own_correlation_id() -> None:
    capture = Capture()
    client = _client(capture)

    await client.get_file(TARGET)
    await client.lock(TARGET, "L")

    first, second = capture.requests
    assert first.url.raw_path.startswith(b"/wopi/files/f%201/contents?")
    for request in (first, second):
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.url.params["access_token"] == TOKEN
    assert first.headers["X-WOPI-CorrelationId"] != second.headers["X-WOPI-CorrelationId"]
    assert second.headers["X-WOPI-Override"] == "LOCK"
    assert second.headers["X-WOPI-Lock"] == "L"


async def test_old_proof_is_signed_with_the_old_key() -> None:
    capture = Capture()

    await _client(capture).unlock(TARGET, "L")

    request = capture.requests[0]
    old_only = type(KEYS.public_keys())(KEYS.public_keys().old)  # type: ignore[arg-type]
    verdict = verify_proof(
        old_only,
        access_token=TOKEN,
        url=str(request.url),
        timestamp=int(request.headers["X-WOPI-TimeStamp"]),
        proof_b64=request.headers["X-WOPI-ProofOld"],
        proof_old_b64=None,
    )
    assert verdict.verified


async def test_put_relative_file_for_conversion_sends_utf7_name_size_and_conversion_header() -> None:
    capture = Capture()

    await _client(capture).put_relative_file(
        TARGET, b"12345", suggested_target="Café.docx", file_conversion=True
    )

    headers = capture.requests[0].headers
    assert headers["X-WOPI-Override"] == "PUT_RELATIVE"
    assert headers["X-WOPI-SuggestedTarget"].isascii()
    assert headers["X-WOPI-SuggestedTarget"].encode().decode("utf-7") == "Café.docx"
    assert headers["X-WOPI-Size"] == "5"
    assert "X-WOPI-FileConversion" in headers
    assert "X-WOPI-RelativeTarget" not in headers


async def test_put_file_without_lock_has_no_lock_header() -> None:
    capture = Capture()

    await _client(capture).put_file(TARGET, b"x", lock_id=None, editors=["u1", "u2"])

    headers = capture.requests[0].headers
    assert "X-WOPI-Lock" not in headers
    assert headers["X-WOPI-Editors"] == "u1,u2"
    assert capture.requests[0].content == b"x"


def test_wopi_url_wopisrc_with_query_keeps_it_and_adds_the_token() -> None:
    target = WopiTarget("http://h/wopi/files/1?tenant=a", "t")

    assert wopi_url(target, contents=True) == "http://h/wopi/files/1/contents?tenant=a&access_token=t"


async def test_transport_failure_is_status_zero_not_an_exception() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = WopiClient(httpx.AsyncClient(transport=httpx.MockTransport(refuse)), KEYS.signer)

    response = await client.check_file_info(TARGET)

    assert response.status == 0
    assert not response.ok
    assert response.describe() == "no response (ConnectError)"


class ClosesFirstConnection(Capture):
    """A host that closes the first request's kept-alive connection without answering."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without a response.", request=request)
        return httpx.Response(200, json={"BaseFileName": "a.docx"})


async def test_a_get_on_a_connection_the_host_closed_is_sent_once_more() -> None:
    capture = ClosesFirstConnection()

    result = await _client(capture).check_file_info(TARGET)

    assert result.status == 200
    assert len(capture.requests) == 2


async def test_a_change_on_a_connection_the_host_closed_is_not_sent_again() -> None:
    capture = ClosesFirstConnection()

    result = await _client(capture).lock(TARGET, "L")

    assert (result.status, result.error) == (0, "RemoteProtocolError")
    assert len(capture.requests) == 1
