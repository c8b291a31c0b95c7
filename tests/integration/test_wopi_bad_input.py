"""Hostile and malformed requests: each gets the documented 4xx, changes nothing, and never a 500.

(The conftest's response hook fails any test that sees a 500 or a 409 without X-WOPI-Lock.)
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest

from tests.integration.conftest import NO_TOKEN, ORIGINAL, Host, body_of
from wopihost.domain.permissions import Role

pytestmark = pytest.mark.anyio

A, B = "lock-A", "lock-B"
LOCK_1024 = ("0123456789abcdef" * 64)[:1023] + "!"
LOCK_1025 = LOCK_1024 + "x"
NON_ASCII_LOCK = "verrou-\u00e9".encode()


# UTF-7 name headers -------------------------------------------------------------------------------------

MALFORMED_UTF7 = {
    "padding-bits": "+ZZZ-.docx",
    "open-shift": "name+",
    "partial-char": "+A-.docx",
    "lone-high-surrogate": "+2D0-.docx",
    "lone-low-surrogate": "+3gA-.docx",
    "two-high-surrogates": "+2D3YAA-.docx",
    "raw-utf8": "\u00e9t\u00e9.docx".encode(),
    "raw-latin1": b"caf\xe9.docx",
}
NAME_HEADERS = {
    "X-WOPI-SuggestedTarget": "PUT_RELATIVE",
    "X-WOPI-RelativeTarget": "PUT_RELATIVE",
    "X-WOPI-RequestedName": "RENAME_FILE",
}


@pytest.mark.parametrize("value", list(MALFORMED_UTF7.values()), ids=list(MALFORMED_UTF7))
@pytest.mark.parametrize("header", list(NAME_HEADERS))
async def test_name_header_malformed_utf7_returns_400_and_changes_nothing(
    host: Host, header: str, value: str | bytes
) -> None:
    blobs = host.blob_files()

    response = await host.call(override=NAME_HEADERS[header], headers=[(header, value)], body=b"copy")

    assert response.status_code == 400
    assert (await host.check_file_info()).json()["BaseFileName"] == "report.docx"
    folder = await host.services.files.ensure_folder_path(host.owner, [])
    assert [f.name for f in (await host.services.files.list_folder(folder))[1]] == ["new.docx", "report.docx"]
    assert host.blob_files() == blobs


@pytest.mark.parametrize(
    ("header", "status", "name"),
    [
        ("X-WOPI-SuggestedTarget", 200, "x" * 250 + ".docx"),
        ("X-WOPI-RelativeTarget", 400, None),
        # RenameFile's name has no extension: the stem is cut to the longest legal one.
        ("X-WOPI-RequestedName", 200, "x" * 250),
    ],
)
async def test_name_header_of_10000_characters_is_repaired_or_refused(
    host: Host, header: str, status: int, name: str | None
) -> None:
    response = await host.call(
        override=NAME_HEADERS[header], headers={header: "x" * 10_000 + ".docx"}, body=b"c"
    )

    assert response.status_code == status
    if status == 200:
        assert response.json()["Name"] == name


# Lock IDs -----------------------------------------------------------------------------------------------


async def test_lock_id_of_1024_characters_works_for_every_lock_operation(host: Host) -> None:
    locked = await host.lock(LOCK_1024)
    reported = await host.current_lock()
    refreshed = await host.lock_op("REFRESH_LOCK", Lock=LOCK_1024)
    saved = await host.put_file(b"long lock", lock=LOCK_1024)
    conflict = await host.lock(B)
    relocked = await host.lock_op("LOCK", Lock=B, OldLock=LOCK_1024)
    back = await host.lock_op("LOCK", Lock=LOCK_1024, OldLock=B)
    unlocked = await host.unlock(LOCK_1024)

    assert [r.status_code for r in (locked, refreshed, saved, relocked, back, unlocked)] == [200] * 6
    assert reported == LOCK_1024
    assert (conflict.status_code, conflict.headers["X-WOPI-Lock"]) == (409, LOCK_1024)
    assert await host.stored() == b"long lock"


@pytest.mark.parametrize("bad", [LOCK_1025, NON_ASCII_LOCK, "x" * 5000], ids=["1025", "non-ascii", "5000"])
@pytest.mark.parametrize(
    ("operation", "headers"),
    [
        ("LOCK", {"X-WOPI-Lock": "BAD"}),
        ("UNLOCK", {"X-WOPI-Lock": "BAD"}),
        ("REFRESH_LOCK", {"X-WOPI-Lock": "BAD"}),
        ("LOCK", {"X-WOPI-Lock": "BAD", "X-WOPI-OldLock": A}),
        ("LOCK", {"X-WOPI-Lock": B, "X-WOPI-OldLock": "BAD"}),
        ("PUT", {"X-WOPI-Lock": "BAD"}),
    ],
    ids=["lock", "unlock", "refresh", "relock-new", "relock-old", "putfile"],
)
async def test_lock_id_too_long_or_not_ascii_returns_400_and_changes_nothing(
    host: Host, operation: str, headers: dict[str, str], bad: str | bytes
) -> None:
    await host.lock(A)
    request_headers = [(name, bad if value == "BAD" else value) for name, value in headers.items()]

    response = await host.call(
        override=operation, headers=request_headers, body=b"x", contents=operation == "PUT"
    )

    assert response.status_code == 400
    assert await host.current_lock() == A
    assert await host.stored() == ORIGINAL


# Duplicated headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        [("X-WOPI-Override", "LOCK"), ("X-WOPI-Override", "LOCK"), ("X-WOPI-Lock", A)],
        [("X-WOPI-Override", "LOCK"), ("X-WOPI-Override", "UNLOCK"), ("X-WOPI-Lock", A)],
        [("X-WOPI-Override", "DELETE"), ("X-WOPI-Override", "GET_LOCK")],
        [("X-WOPI-Override", "LOCK"), ("X-WOPI-Lock", A), ("X-WOPI-Lock", B)],
        [("X-WOPI-Override", "RENAME_FILE"), ("X-WOPI-RequestedName", "a"), ("X-WOPI-RequestedName", "b")],
        [
            ("X-WOPI-Override", "PUT_RELATIVE"),
            ("X-WOPI-SuggestedTarget", ".a"),
            ("X-WOPI-SuggestedTarget", ".b"),
        ],
    ],
    ids=["override-same", "override-different", "delete-and-getlock", "lock", "requested-name", "suggested"],
)
async def test_duplicated_wopi_header_returns_400_and_changes_nothing(
    host: Host, headers: list[tuple[str, str]]
) -> None:
    response = await host.call(headers=headers, body=b"x")

    assert response.status_code == 400
    assert await host.current_lock() == ""
    assert await host.stored() == ORIGINAL
    assert (await host.check_file_info()).json()["BaseFileName"] == "report.docx"


@pytest.mark.parametrize(
    ("override", "headers"),
    [
        ("PUT", {"X-WOPI-Override": "PUT"}),
        ("PUT", {"X-WOPI-Lock": A}),
    ],
    ids=["override", "lock"],
)
async def test_duplicated_header_on_put_file_returns_400(
    host: Host, override: str, headers: dict[str, str]
) -> None:
    await host.lock(A)

    response = await host.call(
        override=override, contents=True, headers=[("X-WOPI-Lock", A), *headers.items()], body=b"dup"
    )

    assert response.status_code == 400
    assert await host.stored() == ORIGINAL


# Numbers and Booleans -----------------------------------------------------------------------------------


NOT_NUMBERS = {
    "letters": b"abc",
    "negative": b"-1",
    "fraction": b"1.5",
    "hex": b"0x10",
    "exponent": b"1e3",
    "arabic-indic-digit": "\u0661".encode(),
    "superscript-two": b"\xb2",  # read as latin-1, a digit to str.isdigit() that int() refuses
    "superscript-digits": b"1\xb9\xb3",
}


@pytest.mark.parametrize("value", list(NOT_NUMBERS.values()), ids=list(NOT_NUMBERS))
async def test_get_file_max_expected_size_not_a_number_returns_400(host: Host, value: bytes) -> None:
    response = await host.get_file(headers=[("X-WOPI-MaxExpectedSize", value)])

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-WOPI-Size", b"lots"),
        ("X-WOPI-Size", b"-5"),
        ("X-WOPI-Size", b"\xb2"),
        ("X-WOPI-OverwriteRelativeTarget", b"yes"),
        ("X-WOPI-OverwriteRelativeTarget", b"tru\xe9"),
    ],
)
async def test_put_relative_malformed_number_or_boolean_returns_400(
    host: Host, header: str, value: bytes
) -> None:
    response = await host.call(
        override="PUT_RELATIVE", headers=[("X-WOPI-RelativeTarget", "copy.docx"), (header, value)], body=b"c"
    )

    assert response.status_code == 400


# Access tokens ------------------------------------------------------------------------------------------


def _forged_kid_token(host: Host) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": "cl\u00e9"}).encode()).rstrip(b"=")
    payload = jwt.decode(host.token(), options={"verify_signature": False})
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=")
    return f"{header.decode()}.{body.decode()}.c2ln"


TOKEN_CASES = {
    # name: (how the request carries its token, expected status)
    "query": ("query", 200),
    "bearer-only": ("bearer", 200),
    "bearer-and-same-query": ("both-same", 200),
    "bearer-and-other-query": ("both-different", 401),
    "missing": ("none", 401),
    "empty-query": ("empty", 401),
    "empty-bearer": ("empty-bearer", 401),
    "basic-auth-only": ("basic", 401),
    "other-file": ("other-file", 401),
    "other-user-without-access": ("stranger", 404),
    "expired": ("expired", 401),
    "tampered": ("tampered", 401),
    "truncated": ("truncated", 401),
    "garbage": ("garbage", 401),
    "huge": ("huge", 401),
    "file-url-token": ("fileurl", 401),
    "forged-non-ascii-key-id": ("forged-kid", 401),
    "unknown-file-own-token": ("unknown-file", 404),
}


async def _request_with_token(host: Host, how: str, override: str | None) -> int:
    """Send CheckFileInfo (or `override`) on report.docx with the token carried as `how`."""
    file_id = host.doc.id
    good = host.token(host.editor)
    query: str | None = good
    headers: dict[str, str] = {}
    match how:
        case "bearer":
            query, headers = None, {"Authorization": f"Bearer {good}"}
        case "both-same":
            headers = {"Authorization": f"Bearer {good}"}
        case "both-different":
            headers = {"Authorization": f"Bearer {host.token(host.owner)}"}
        case "none":
            query = None
        case "empty":
            query = ""
        case "empty-bearer":
            query, headers = None, {"Authorization": "Bearer "}
        case "basic":
            query, headers = None, {"Authorization": "Basic Ym9iOnNlY3JldA=="}
        case "other-file":
            query = host.token(host.editor, host.empty.id)
        case "stranger":
            query = host.token(host.stranger)
        case "expired":
            host.clock.advance(timedelta(seconds=host.settings.tokens.ttl_seconds))
        case "tampered":
            query = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
        case "truncated":
            query = good[: len(good) // 2]
        case "garbage":
            query = "not-a-token"
        case "huge":
            query = "x" * 20_000
        case "fileurl":
            query = host.services.tokens.issue(host.editor.id, file_id, kind="fileurl").token
        case "forged-kid":
            query = _forged_kid_token(host)
        case "unknown-file":
            file_id = "nosuchfilenosuchfilenosu"
            query = host.token(host.editor, file_id)
    params = {"access_token": query} if query is not None else {}
    response = await host.client.request(
        "POST" if override else "GET",
        f"/wopi/files/{file_id}",
        params=params,
        headers={**headers, **({"X-WOPI-Override": override, "X-WOPI-Lock": A} if override else {})},
    )
    return response.status_code


@pytest.mark.parametrize("override", [None, "LOCK"], ids=["check-file-info", "lock"])
@pytest.mark.parametrize("case", list(TOKEN_CASES), ids=list(TOKEN_CASES))
async def test_access_token_variant_gets_documented_status(
    host: Host, case: str, override: str | None
) -> None:
    how, status = TOKEN_CASES[case]

    got = await _request_with_token(host, how, override)

    assert got == status
    assert await host.current_lock() == (A if override and status == 200 else "")


@pytest.mark.parametrize("order", ["valid-first", "valid-last"])
async def test_access_token_twice_in_query_with_different_values_returns_401(host: Host, order: str) -> None:
    valid, other = host.token(), host.token(host.editor, host.empty.id)
    tokens = [valid, other] if order == "valid-first" else [other, valid]

    response = await host.client.get(
        f"/wopi/files/{host.doc.id}", params=[("access_token", t) for t in tokens]
    )

    assert response.status_code == 401


async def test_access_token_twice_in_query_with_same_value_is_accepted(host: Host) -> None:
    token = host.token()

    response = await host.client.get(f"/wopi/files/{host.doc.id}", params=[("access_token", token)] * 2)

    assert response.status_code == 200


async def test_access_token_for_direct_file_url_is_not_a_wopi_token(host: Host) -> None:
    response = await host.client.get(f"/wopi/direct/{host.doc.id}", params={"token": host.token()})

    assert response.status_code == 401


@pytest.mark.parametrize(
    "path_id",
    ["%C3%A9t%C3%A9", "%ED%A0%BD", "%00", "a%20b", "x" * 300, "..%2F..%2Fsecrets"],
    ids=["non-ascii", "surrogate-bytes", "nul", "space", "long", "traversal"],
)
async def test_file_id_odd_in_path_returns_401_or_404(host: Host, path_id: str) -> None:
    response = await host.client.get(f"/wopi/files/{path_id}", params={"access_token": host.token()})

    assert response.status_code in (401, 404)


async def test_request_without_token_on_contents_returns_401(host: Host) -> None:
    assert (await host.get_file(token=NO_TOKEN)).status_code == 401
    assert (await host.put_file(b"x", host.empty.id, token=NO_TOKEN)).status_code == 401
    assert await host.stored(host.empty.id) == b""


# Revoked and reduced rights -----------------------------------------------------------------------------


async def test_revoked_share_next_call_returns_404(host: Host) -> None:
    token = host.token(host.editor)
    assert (await host.check_file_info(token=token)).status_code == 200
    await host.lock(A, user=host.editor)

    await host.services.files.unshare(await host.services.files.access_as_owner(host.doc.id), "bob")

    responses = [
        await host.check_file_info(token=token),
        await host.get_file(token=token),
        await host.put_file(b"after revocation", lock=A, token=token),
        await host.call(override="UNLOCK", token=token, headers={"X-WOPI-Lock": A}),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert await host.stored() == ORIGINAL
    # Bob was the session's only editor, so revoking him ended it: his lock blocks nobody.
    assert await host.current_lock() == ""


async def test_share_reduced_to_view_makes_writes_401(host: Host) -> None:
    token = host.token(host.editor)
    await host.lock(A)

    await host.share(host.doc.id, host.editor, Role.VIEW)
    response = await host.put_file(b"too late", lock=A, token=token)

    assert response.status_code == 401
    assert await host.stored() == ORIGINAL


@pytest.mark.parametrize(
    ("override", "headers", "contents"),
    [
        ("PUT", {"X-WOPI-Lock": A}, True),
        ("LOCK", {"X-WOPI-Lock": B}, False),
        ("UNLOCK", {"X-WOPI-Lock": A}, False),
        ("REFRESH_LOCK", {"X-WOPI-Lock": A}, False),
        ("LOCK", {"X-WOPI-Lock": B, "X-WOPI-OldLock": A}, False),
        ("RENAME_FILE", {"X-WOPI-RequestedName": "mine", "X-WOPI-Lock": A}, False),
        ("DELETE", {}, False),
    ],
    ids=["putfile", "lock", "unlock", "refresh", "relock", "rename", "delete"],
)
async def test_view_only_user_write_returns_401_and_changes_nothing(
    host: Host, override: str, headers: dict[str, str], contents: bool
) -> None:
    await host.lock(A)

    response = await host.call(
        override=override, user=host.viewer, headers=headers, body=b"v", contents=contents
    )

    assert response.status_code == 401
    assert await host.stored() == ORIGINAL
    assert await host.current_lock() == A
    assert (await host.check_file_info()).json()["BaseFileName"] == "report.docx"


# Bodies -------------------------------------------------------------------------------------------------


async def test_put_file_streamed_body_of_ten_megabytes_returns_413_and_keeps_nothing(host: Host) -> None:
    await host.lock(A)
    blobs = host.blob_files()

    response = await host.put_file(body_of(b"\0" * (10 * 1024 * 1024), 1024 * 1024), lock=A)

    assert response.status_code == 413
    assert await host.stored() == ORIGINAL
    assert host.blob_files() == blobs
    assert host.temporary_files() == []
