"""ONLYOFFICE Docs' WOPI traffic, replayed against the host: what it sends and how it reads each answer.

ONLYOFFICE (DocService/sources/wopiClient.js) fills an empty (0-byte) file with its new-document template
by an unlocked PutFile before it locks the file; its lock ID is the document key. Every PutFile carries
X-WOPI-Editors and the legacy X-LOOL-WOPI-IsModifiedByUser, -IsAutosave, -IsExitSave ("true"/"false") and,
once it knows one, X-LOOL-WOPI-Timestamp; it reads LastModifiedTime from the JSON answer. Save-as and
conversions use PutRelativeFile with a UTF-7 SuggestedTarget (an extension alone, such as ".pdf", when
only the format changes) and X-WOPI-FileConversion set to its flag's value.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tests.integration.conftest import ORIGINAL, Host
from wopihost.domain.names import encode_utf7
from wopihost.domain.records import SaveKind, User

pytestmark = pytest.mark.anyio

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEMPLATE = b"PK\x03\x04 ONLYOFFICE new.docx template"


def _flag(value: bool) -> str:
    return "true" if value else "false"


@dataclass
class OnlyOffice:
    """One ONLYOFFICE document session on a file, for one user, replaying its requests."""

    host: Host
    user: User
    file_id: str
    token: str = ""
    last_modified: str | None = None  # only known once a CheckFileInfo or PutFile answer carried it

    def __post_init__(self) -> None:
        self.token = self.token or self.host.token(self.user, self.file_id)

    @property
    def lock_id(self) -> str:
        # ONLYOFFICE locks with the document key, which is the file ID for editing sessions.
        return self.file_id

    async def request(
        self, path: str = "", *, headers: dict[str, str], body: bytes | None = None, get: bool = False
    ) -> httpx.Response:
        return await self.host.client.request(
            "GET" if get else "POST",
            f"/wopi/files/{self.file_id}{path}",
            params={"access_token": self.token},
            headers={"Authorization": f"Bearer {self.token}", **headers},
            content=body,
        )

    async def check_file_info(self) -> dict[str, object]:
        response = await self.request(headers={}, get=True)
        assert response.status_code == 200
        info: dict[str, object] = response.json()
        return info

    async def put_file(
        self,
        body: bytes,
        *,
        locked: bool = True,
        user_change: bool = True,
        autosave: bool = False,
        exit: bool = False,
    ) -> httpx.Response:
        headers = {
            "X-WOPI-Override": "PUT",
            "X-WOPI-Editors": self.user.id,
            "X-LOOL-WOPI-IsModifiedByUser": _flag(user_change),
            "X-LOOL-WOPI-IsAutosave": _flag(autosave),
            "X-LOOL-WOPI-IsExitSave": _flag(exit),
            "Content-Type": DOCX,
        }
        if locked:
            headers["X-WOPI-Lock"] = self.lock_id
        if self.last_modified:
            headers["X-LOOL-WOPI-Timestamp"] = self.last_modified
        response = await self.request("/contents", headers=headers, body=body)
        if response.status_code == 200:
            self.last_modified = response.json()["LastModifiedTime"]
        return response

    async def lock_op(self, override: str) -> httpx.Response:
        return await self.request(headers={"X-WOPI-Override": override, "X-WOPI-Lock": self.lock_id})

    async def put_relative(
        self, suggested: str, body: bytes, conversion: str | None = None
    ) -> httpx.Response:
        headers = {
            "X-WOPI-Override": "PUT_RELATIVE",
            "X-WOPI-SuggestedTarget": encode_utf7(suggested),
            "Content-Type": "application/pdf",
        }
        if conversion is not None:
            headers["X-WOPI-FileConversion"] = conversion
        return await self.request(headers=headers, body=body)

    async def rename(self, name: str) -> httpx.Response:
        headers = {"X-WOPI-Override": "RENAME_FILE", "X-WOPI-Lock": self.lock_id}
        return await self.request(headers={**headers, "X-WOPI-RequestedName": encode_utf7(name)})


async def test_onlyoffice_new_document_is_written_unlocked_then_locked_and_saved(host: Host) -> None:
    office = OnlyOffice(host, host.editor, host.empty.id)
    assert (await office.check_file_info())["Size"] == 0

    template = await office.put_file(TEMPLATE, locked=False, user_change=False)
    locked = await office.lock_op("LOCK")
    saved = await office.put_file(b"first words")

    assert [r.status_code for r in (template, locked, saved)] == [200, 200, 200]
    assert template.json()["LastModifiedTime"] != saved.json()["LastModifiedTime"]
    assert await host.current_lock(host.empty.id) == office.lock_id
    assert await host.stored(host.empty.id) == b"first words"
    assert (await office.check_file_info())["LastModifiedTime"] == saved.json()["LastModifiedTime"]


async def test_onlyoffice_new_document_template_with_its_future_lock_id_is_accepted(host: Host) -> None:
    office = OnlyOffice(host, host.editor, host.empty.id)

    response = await office.put_file(TEMPLATE)

    assert response.status_code == 200
    assert await host.stored(host.empty.id) == TEMPLATE


async def test_onlyoffice_unlocked_write_of_a_file_with_content_is_refused(host: Host) -> None:
    office = OnlyOffice(host, host.editor, host.doc.id)

    response = await office.put_file(TEMPLATE, locked=False)

    assert response.status_code == 409
    assert response.headers["X-WOPI-Lock"] == ""
    assert await host.stored() == ORIGINAL


async def test_onlyoffice_save_headers_and_editors_are_recorded(host: Host) -> None:
    office = OnlyOffice(host, host.editor, host.doc.id)
    assert (await office.lock_op("LOCK")).status_code == 200

    await office.put_file(b"auto", user_change=False, autosave=True)
    await office.put_file(b"forced", user_change=True)
    await office.put_file(b"closing", user_change=True, exit=True)

    versions = await host.versions()
    assert [v.save for v in versions[:3]] == [
        SaveKind(modified_by_user=True, autosave=False, exit_save=True),
        SaveKind(modified_by_user=True, autosave=False, exit_save=False),
        SaveKind(modified_by_user=False, autosave=True, exit_save=False),
    ]
    assert {v.editors for v in versions[:3]} == {host.editor.id}


async def test_onlyoffice_stale_lool_timestamp_is_refused_with_1010(host: Host) -> None:
    office = OnlyOffice(host, host.editor, host.doc.id)
    assert (await office.lock_op("LOCK")).status_code == 200
    assert (await office.put_file(b"one")).status_code == 200
    office.last_modified = str((await office.check_file_info())["LastModifiedTime"])
    fresh = office.last_modified
    assert (await office.put_file(b"two")).status_code == 200
    office.last_modified = fresh

    response = await office.put_file(b"stale")

    assert (response.status_code, response.json()) == (409, {"COOLStatusCode": 1010, "LOOLStatusCode": 1010})
    assert response.headers["X-WOPI-Lock"] == office.lock_id
    assert await host.stored() == b"two"


async def test_onlyoffice_put_relative_with_extension_only_keeps_the_source_stem(host: Host) -> None:
    office = OnlyOffice(host, host.viewer, host.doc.id)

    response = await office.put_relative(".pdf", b"%PDF-1.7")

    body = response.json()
    assert response.status_code == 200
    assert body["Name"] == "report.pdf"
    url = httpx.URL(body["Url"])
    created = OnlyOffice(host, host.viewer, url.path.rsplit("/", 1)[1], token=url.params["access_token"])
    info = await created.check_file_info()
    assert (info["BaseFileName"], info["LastModifiedTime"]) == ("report.pdf", body["LastModifiedTime"])


@pytest.mark.parametrize(
    ("conversion", "source"),
    [
        ("true", "conversion"),
        ("True", "conversion"),
        ("1", "conversion"),
        ("", "conversion"),  # present: the spec makes presence the signal
        ("false", "putrelative"),
        ("False", "putrelative"),
        ("0", "putrelative"),
        (None, "putrelative"),
    ],
)
async def test_onlyoffice_file_conversion_value_is_honoured(
    host: Host, conversion: str | None, source: str
) -> None:
    office = OnlyOffice(host, host.owner, host.doc.id)

    response = await office.put_relative(".pdf", b"%PDF-1.7", conversion=conversion)

    file_id = httpx.URL(response.json()["Url"]).path.rsplit("/", 1)[1]
    assert [v.source for v in await host.versions(file_id)] == [source]


async def test_onlyoffice_rename_without_body_answers_name(host: Host) -> None:
    office = OnlyOffice(host, host.editor, host.doc.id)
    assert (await office.lock_op("LOCK")).status_code == 200

    response = await office.rename("Minutes 2026")

    assert response.status_code == 200
    assert response.json()["Name"] == "Minutes 2026"
    assert (await office.check_file_info())["BaseFileName"] == "Minutes 2026.docx"
    assert await host.stored() == ORIGINAL
