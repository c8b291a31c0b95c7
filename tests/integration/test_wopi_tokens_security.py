"""Access tokens against the whole application: signing-key rotation, revocation, length, constant time.

Tampered, truncated, expired and other-file tokens, and a revoked share's WOPI token, are covered in
test_wopi_bad_input.py; this module covers what happens around them.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import jwt
import pytest

from tests.integration.conftest import ORIGINAL, Host, body_of
from wopihost.adapters.keyring_file import rotate_keyring
from wopihost.app import build_services, create_app
from wopihost.domain.names import MAX_STEM_LENGTH
from wopihost.domain.permissions import Role

pytestmark = pytest.mark.anyio

A = "lock-A"
URL_BUDGET = 2000


@asynccontextmanager
async def restarted(host: Host) -> AsyncIterator[tuple[httpx.AsyncClient, Callable[[], str]]]:
    """The server started anew on the same data (as after `wopihost keys rotate` and a restart).

    Yields a client and a function that issues a fresh owner token for report.docx with the new process.
    """
    services = build_services(host.settings, clock=host.clock, ui_enabled=False)
    app = create_app(host.settings, services=services)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="https://wopihost.test",
            event_hooks=host.client.event_hooks,  # the same checks of every response
        ) as client:
            yield client, lambda: services.tokens.issue(host.owner.id, host.doc.id).token
    finally:
        await services.aclose()


async def check_file_info(client: httpx.AsyncClient, host: Host, token: str) -> int:
    response = await client.get(f"/wopi/files/{host.doc.id}", params={"access_token": token})
    return response.status_code


def kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


# Signing-key rotation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rotations", "keep"), [(1, 0), (2, 1), (3, 2)], ids=["keep-0", "beyond-keep-1", "beyond-keep-2"]
)
async def test_token_signed_with_rotated_out_key_returns_401(host: Host, rotations: int, keep: int) -> None:
    token = host.token()
    assert await check_file_info(host.client, host, token) == 200

    for _ in range(rotations):
        rotate_keyring(host.settings.token_keys_file, keep=keep)
    async with restarted(host) as (client, fresh_token):
        old = await check_file_info(client, host, token)
        new = await check_file_info(client, host, fresh_token())

    assert (old, new) == (401, 200)


async def test_token_issued_before_rotation_with_keep_one_keeps_session_alive_until_expiry(
    host: Host,
) -> None:
    token = host.token()
    assert (await host.lock(A)).status_code == 200

    keyring = rotate_keyring(host.settings.token_keys_file, keep=1)
    async with restarted(host) as (client, fresh_token):
        info = await client.get(f"/wopi/files/{host.doc.id}", params={"access_token": token})
        saved = await client.post(
            f"/wopi/files/{host.doc.id}/contents",
            params={"access_token": token},
            headers={"X-WOPI-Override": "PUT", "X-WOPI-Lock": A},
            content=b"saved after rotation",
        )
        new_token = fresh_token()
        host.clock.advance(timedelta(seconds=host.settings.tokens.ttl_seconds))
        expired = await check_file_info(client, host, token)

    assert (info.status_code, saved.status_code, expired) == (200, 200, 401)
    assert await host.stored() == b"saved after rotation"
    # New tokens are signed with the new key; the old one only verifies.
    assert kid(new_token) == keyring.current.kid != kid(token)
    assert [key.kid for key in keyring.previous] == [kid(token)]


async def test_token_signed_with_retired_secret_under_current_key_id_returns_401(host: Host) -> None:
    # A token whose header names the current key but whose signature comes from a retired key's secret.
    old_token = host.token()
    keyring = rotate_keyring(host.settings.token_keys_file, keep=1)
    claims = jwt.decode(old_token, options={"verify_signature": False})
    retired = keyring.previous[0]
    forged = jwt.encode(claims, retired.secret, algorithm="HS256", headers={"kid": keyring.current.kid})

    async with restarted(host) as (client, _):
        assert await check_file_info(client, host, forged) == 401


# Revocation -------------------------------------------------------------------------------------------


async def test_file_url_token_after_share_revoked_returns_404(host: Host) -> None:
    info = await host.check_file_info(token=host.token(host.editor))
    file_url = httpx.URL(info.json()["FileUrl"])
    assert (await host.client.get(file_url.raw_path.decode())).content == ORIGINAL

    await host.services.files.unshare(await host.services.files.access_as_owner(host.doc.id), "bob")
    response = await host.client.get(file_url.raw_path.decode())

    assert response.status_code == 404
    assert ORIGINAL not in response.content


async def test_token_after_file_deleted_returns_404_for_every_user(host: Host) -> None:
    tokens = [host.token(user) for user in (host.owner, host.editor, host.viewer)]

    await host.services.files.delete(await host.services.files.access_as_owner(host.doc.id))

    assert [await check_file_info(host.client, host, token) for token in tokens] == [404] * 3


async def test_token_after_share_granted_again_works_again(host: Host) -> None:
    token = host.token(host.editor)
    await host.services.files.unshare(await host.services.files.access_as_owner(host.doc.id), "bob")
    assert await check_file_info(host.client, host, token) == 404

    await host.share(host.doc.id, host.editor, Role.VIEW)

    # Rights are read anew on every call: the token carries none.
    assert await check_file_info(host.client, host, token) == 200
    assert (await host.lock(A, user=host.editor)).status_code == 401


# Length -----------------------------------------------------------------------------------------------


async def test_token_length_is_independent_of_user_and_file_names_and_far_under_budget(host: Host) -> None:
    long_user = await host.services.users.add_user("u" * 64, "Display " * 40)
    folder = await host.services.files.ensure_folder_path(long_user, ["f" * 200, "g" * 200])
    name = "\u00e9" * MAX_STEM_LENGTH + ".docx"
    file = await host.services.files.upload(long_user, folder, name, body_of(b"content"))
    long_token = host.token(long_user, file.id)

    info = await host.check_file_info(file.id, token=long_token)
    relative = await host.call(
        file.id,
        "PUT_RELATIVE",
        token=long_token,
        headers={"X-WOPI-SuggestedTarget": "+AOkA6QDpAOk-" * 20 + ".docx"},
        body=b"copy",
    )

    assert (info.status_code, relative.status_code) == (200, 200)
    urls = {"FileUrl": info.json()["FileUrl"], "PutRelativeFile Url": relative.json()["Url"]}
    for what, url in urls.items():
        assert len(url) < URL_BUDGET // 4, what
    assert len(long_token) == len(host.token()) < URL_BUDGET // 5
    assert long_token.isascii()


# Constant-time comparisons ----------------------------------------------------------------------------


class CompareSpy:
    """Wraps hmac.compare_digest, recording each comparison and its outcome."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, bytes, bool]] = []
        self._real = hmac.compare_digest

    def __call__(self, a: bytes, b: bytes) -> bool:
        result = self._real(a, b)
        self.calls.append((bytes(a), bytes(b), result))
        return result

    def saw(self, a: bytes, b: bytes, result: bool) -> bool:
        return (a, b, result) in self.calls or (b, a, result) in self.calls


@pytest.fixture
def compare_spy(monkeypatch: pytest.MonkeyPatch) -> CompareSpy:
    spy = CompareSpy()
    monkeypatch.setattr(hmac, "compare_digest", spy)
    return spy


async def test_valid_token_key_id_signature_and_file_are_compared_in_constant_time(
    host: Host, compare_spy: CompareSpy
) -> None:
    token = host.token()

    assert await check_file_info(host.client, host, token) == 200

    key_id = kid(token).encode()
    file_id = host.doc.id.encode()
    assert compare_spy.saw(key_id, key_id, True), "the key ID lookup"
    assert compare_spy.saw(file_id, file_id, True), "the token's file against the URL's"
    digests = [c for c in compare_spy.calls if len(c[0]) == len(c[1]) == 32 and c[2]]
    assert digests, "the HMAC-SHA256 signature"


async def test_tampered_signature_is_refused_by_constant_time_comparison(
    host: Host, compare_spy: CompareSpy
) -> None:
    token = host.token()
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"

    assert await check_file_info(host.client, host, tampered) == 401

    assert [c for c in compare_spy.calls if len(c[0]) == len(c[1]) == 32 and not c[2]], (
        "the signature mismatch was found by compare_digest"
    )


async def test_token_for_other_file_is_refused_by_constant_time_comparison(
    host: Host, compare_spy: CompareSpy
) -> None:
    other = host.token(host.owner, host.empty.id)

    assert await check_file_info(host.client, host, other) == 401

    assert compare_spy.saw(host.empty.id.encode(), host.doc.id.encode(), False)


async def test_token_with_unknown_key_id_is_looked_up_in_constant_time(
    host: Host, compare_spy: CompareSpy
) -> None:
    claims = jwt.decode(host.token(), options={"verify_signature": False})
    forged = jwt.encode(claims, b"k" * 32, algorithm="HS256", headers={"kid": "deadbeef"})

    assert await check_file_info(host.client, host, forged) == 401

    current = kid(host.token()).encode()
    assert compare_spy.saw(current, b"deadbeef", False)
