"""Collabora Online's WOPI traffic, replayed against the host: what it sends and how it reads each answer.

Collabora Online (wsd/wopi/WopiStorage.cpp) sends, on every PutFile, X-COOL-WOPI-IsModifiedByUser,
-IsAutosave and -IsExitSave ("true"/"false"), and, unless the user chose to overwrite, X-COOL-WOPI-Timestamp
with the LastModifiedTime it last saw (older servers also send the X-LOOL- forms). It keeps LastModifiedTime
from the JSON body of PutFile, PutRelativeFile and RenameFile answers, reads Name and Url from the last two,
and treats a 409 whose JSON carries COOLStatusCode (or LOOLStatusCode) 1010 as "document changed in storage".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import anyio
import httpx
import pytest

from tests.integration.conftest import MAX_FILE_SIZE, ORIGINAL, Host
from wopihost.domain.names import encode_utf7
from wopihost.domain.records import SaveKind, User

pytestmark = pytest.mark.anyio

DOC_CHANGED = {"COOLStatusCode": 1010, "LOOLStatusCode": 1010}
OTHER = "another-client-lock"
USER_SAVE = SaveKind(modified_by_user=True, autosave=False, exit_save=False)
AUTOSAVE = SaveKind(modified_by_user=False, autosave=True, exit_save=False)
EXIT_SAVE = SaveKind(modified_by_user=True, autosave=False, exit_save=True)


def _flag(value: bool) -> str:
    return "true" if value else "false"


@dataclass
class Collabora:
    """One Collabora Online document session on a file, for one user, replaying its requests."""

    host: Host
    user: User
    file_id: str
    legacy: bool = False  # also send the X-LOOL-WOPI- headers, as Collabora does for older hosts
    lock_id: str = "collabora-lock-1f2e3d"
    token: str = ""
    last_modified: str = ""  # the LastModifiedTime Collabora holds, sent back as X-COOL-WOPI-Timestamp
    name: str = ""
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.token = self.token or self.host.token(self.user, self.file_id)

    async def request(
        self, method: str, path: str = "", *, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> httpx.Response:
        # Collabora authorises with the access_token query parameter and sends the same as a Bearer header.
        all_headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/octet-stream"
        return await self.host.client.request(
            method,
            f"/wopi/files/{self.file_id}{path}",
            params={"access_token": self.token},
            headers=all_headers,
            content=body,
        )

    async def check_file_info(self) -> dict[str, object]:
        response = await self.request("GET")
        assert response.status_code == 200
        info: dict[str, object] = response.json()
        self.last_modified, self.name = str(info["LastModifiedTime"]), str(info["BaseFileName"])
        return info

    async def load(self) -> bytes:
        """CheckFileInfo, then the content from FileUrl (Collabora's first choice), then Lock."""
        info = await self.check_file_info()
        file_url = httpx.URL(str(info["FileUrl"]))
        content = await self.host.client.get(file_url.path, params=dict(file_url.params))
        assert content.status_code == 200
        assert (await self.op("LOCK")).status_code == 200
        return content.content

    async def op(self, override: str, **headers: str) -> httpx.Response:
        wopi = {"X-WOPI-Override": override, "X-WOPI-Lock": self.lock_id, **headers}
        return await self.request("POST", headers=wopi, body=b"" if override in ("LOCK", "UNLOCK") else None)

    async def put_file(
        self, body: bytes, *, save: SaveKind = USER_SAVE, forced: bool = False
    ) -> httpx.Response:
        prefixes = ("X-COOL-WOPI-", "X-LOOL-WOPI-") if self.legacy else ("X-COOL-WOPI-",)
        headers = {"X-WOPI-Override": "PUT", "X-WOPI-Lock": self.lock_id}
        for prefix in prefixes:
            headers[prefix + "IsModifiedByUser"] = _flag(bool(save.modified_by_user))
            headers[prefix + "IsAutosave"] = _flag(bool(save.autosave))
            headers[prefix + "IsExitSave"] = _flag(bool(save.exit_save))
            if not forced:
                headers[prefix + "Timestamp"] = self.last_modified
        response = await self.request("POST", "/contents", headers=headers, body=body)
        self._read_answer(response)
        return response

    async def rename(self, name: str, body: bytes) -> httpx.Response:
        # Collabora uploads the document with RenameFile, and takes the new name from Name and Url.
        headers = {"X-WOPI-Override": "RENAME_FILE", "X-WOPI-Lock": self.lock_id}
        response = await self.request(
            "POST", headers={**headers, "X-WOPI-RequestedName": encode_utf7(name)}, body=body
        )
        self._read_answer(response)
        return response

    async def save_as(self, filename: str, body: bytes) -> httpx.Response:
        headers = {
            "X-WOPI-Override": "PUT_RELATIVE",
            "X-WOPI-Size": str(len(body)),
            "X-WOPI-SuggestedTarget": encode_utf7(filename),
        }
        return await self.request("POST", headers=headers, body=body)

    def _read_answer(self, response: httpx.Response) -> None:
        if response.status_code == 200:
            self.last_modified = response.json()["LastModifiedTime"]
            self.log.append("ok")
        elif (
            response.status_code == 409 and response.content and response.json().get("COOLStatusCode") == 1010
        ):
            self.log.append("doc_changed")
        else:
            self.log.append(f"failed {response.status_code}")


@pytest.fixture
async def session(host: Host) -> Collabora:
    editor = Collabora(host, host.editor, host.doc.id)
    assert await editor.load() == ORIGINAL
    return editor


async def test_collabora_put_file_answers_json_time_that_check_file_info_repeats(
    host: Host, session: Collabora
) -> None:
    opened_with = session.last_modified

    response = await session.put_file(b"edited")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-WOPI-ItemVersion"] == "2"
    assert set(response.json()) == {"LastModifiedTime"}
    assert response.json()["LastModifiedTime"] != opened_with
    # Someone joining the session now sees the same time, so Collabora reports no change in storage.
    joiner = Collabora(host, host.owner, host.doc.id)
    assert (await joiner.check_file_info())["LastModifiedTime"] == response.json()["LastModifiedTime"]
    assert await host.stored() == b"edited"


async def test_collabora_twenty_chained_rapid_saves_never_conflict(host: Host, session: Collabora) -> None:
    # The fake clock stands still: every save falls within the same instant.
    times = [session.last_modified]
    for n in range(20):
        response = await session.put_file(b"save %d" % n, save=AUTOSAVE)
        times.append(response.json()["LastModifiedTime"])

    assert session.log == ["ok"] * 20
    assert len(set(times)) == 21
    assert (await session.check_file_info())["LastModifiedTime"] == times[-1]
    assert await host.stored() == b"save 19"


async def test_collabora_chained_saves_survive_a_clock_that_steps_back(
    host: Host, session: Collabora
) -> None:
    await session.put_file(b"one")
    host.clock.advance(-timedelta(minutes=5))

    response = await session.put_file(b"two")

    assert response.status_code == 200
    assert response.json()["LastModifiedTime"] == (await session.check_file_info())["LastModifiedTime"]


async def test_collabora_stale_save_after_another_save_is_refused_with_1010_and_file_unchanged(
    host: Host, session: Collabora
) -> None:
    # Between two of Collabora's locks another client locks, saves and unlocks; Collabora still holds
    # the LastModifiedTime it loaded.
    assert (await session.op("UNLOCK")).status_code == 200
    assert (await host.lock(OTHER, user=host.owner)).status_code == 200
    assert (await host.put_file(b"the other client's work", lock=OTHER, user=host.owner)).status_code == 200
    assert (await host.unlock(OTHER, user=host.owner)).status_code == 200
    assert (await session.op("LOCK")).status_code == 200

    response = await session.put_file(b"stale work", save=EXIT_SAVE)

    assert response.status_code == 409
    assert response.json() == DOC_CHANGED
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-WOPI-Lock"] == session.lock_id
    assert await host.stored() == b"the other client's work"
    assert len(await host.versions()) == 2


async def test_collabora_overwrite_anyway_saves_without_timestamp(host: Host, session: Collabora) -> None:
    session.last_modified = "2001-01-01T00:00:00.0000000Z"
    assert (await session.put_file(b"mine")).status_code == 409

    response = await session.put_file(b"mine", forced=True)

    assert response.status_code == 200
    assert await host.stored() == b"mine"


@pytest.mark.parametrize(
    "timestamp",
    ["2026-01-01T00:00:00Z", "garbage", "2026-01-01T00:00:00.0000000", "2026-01-01T00:00:00.0000001Z"],
)
async def test_collabora_timestamp_that_differs_in_any_way_is_stale(
    host: Host, session: Collabora, timestamp: str
) -> None:
    session.last_modified = timestamp

    response = await session.put_file(b"x")

    assert (response.status_code, response.json()) == (409, DOC_CHANGED)
    assert await host.stored() == ORIGINAL


async def test_collabora_legacy_lool_timestamp_alone_is_honoured(host: Host, session: Collabora) -> None:
    headers = {"X-WOPI-Override": "PUT", "X-WOPI-Lock": session.lock_id, "X-LOOL-WOPI-Timestamp": "old"}

    stale = await session.request("POST", "/contents", headers=headers, body=b"x")
    fresh = await session.request(
        "POST", "/contents", headers={**headers, "X-LOOL-WOPI-Timestamp": session.last_modified}, body=b"y"
    )

    assert (stale.status_code, stale.json()) == (409, DOC_CHANGED)
    assert fresh.status_code == 200
    assert await host.stored() == b"y"


async def test_collabora_two_concurrent_saves_from_one_time_let_exactly_one_through(
    host: Host, session: Collabora
) -> None:
    statuses: list[int] = []
    twin = Collabora(host, host.owner, host.doc.id, last_modified=session.last_modified)

    async def save(client: Collabora, body: bytes) -> None:
        statuses.append((await client.put_file(body)).status_code)

    async with anyio.create_task_group() as tg:
        tg.start_soon(save, session, b"from the editor")
        tg.start_soon(save, twin, b"from the owner")

    assert sorted(statuses) == [200, 409]
    assert len(await host.versions()) == 2


async def test_collabora_lock_mismatch_is_reported_before_a_stale_timestamp(host: Host) -> None:
    assert (await host.lock(OTHER)).status_code == 200
    late = Collabora(host, host.editor, host.doc.id, last_modified="stale")

    response = await late.put_file(b"x")

    assert response.status_code == 409
    assert response.headers["X-WOPI-Lock"] == OTHER
    assert response.content == b""
    assert await host.stored() == ORIGINAL


async def test_collabora_stale_save_is_refused_before_the_upload(host: Host, session: Collabora) -> None:
    session.last_modified = "stale"
    blobs = host.blob_files()

    # Larger than the host accepts: only a refusal before reading the body answers 409 rather than 413.
    response = await session.put_file(b"x" * (MAX_FILE_SIZE + 1))

    assert (response.status_code, response.json()) == (409, DOC_CHANGED)
    assert host.blob_files() == blobs
    assert host.temporary_files() == []


async def test_collabora_save_headers_are_recorded_on_versions(host: Host, session: Collabora) -> None:
    session.legacy = True
    await session.put_file(b"auto", save=AUTOSAVE)
    await session.put_file(b"user", save=USER_SAVE)
    await session.put_file(b"exit", save=EXIT_SAVE)
    assert (await session.op("UNLOCK")).status_code == 200

    versions = await host.versions()

    assert [(v.save.label, v.source) for v in versions] == [
        ("exit save", "putfile"),
        ("user save", "putfile"),
        ("autosave", "putfile"),
        ("", "upload"),
    ]
    assert versions[0].save == EXIT_SAVE


async def test_collabora_rename_answers_name_url_and_time_then_saves_go_on(
    host: Host, session: Collabora
) -> None:
    response = await session.rename("Q4 results", b"renamed content")

    body = response.json()
    assert response.status_code == 200
    assert body["Name"] == "Q4 results"
    # Collabora reloads the document from Url: a WOPISrc with a token for the same user and file.
    url = httpx.URL(body["Url"])
    assert url.path == f"/wopi/files/{host.doc.id}"
    reloaded = Collabora(host, host.editor, host.doc.id, token=url.params["access_token"])
    info = await reloaded.check_file_info()
    assert (info["BaseFileName"], info["UserId"]) == ("Q4 results.docx", host.editor.id)
    assert body["LastModifiedTime"] == info["LastModifiedTime"]
    assert (await session.put_file(b"after rename")).status_code == 200


async def test_collabora_rename_to_taken_or_illegal_name_is_repaired(host: Host, session: Collabora) -> None:
    await host.upload("Budget.docx", b"other")

    taken = (await session.rename("Budget", b"")).json()["Name"]
    illegal = (await session.rename("Q1/Q2: plan?", b"")).json()["Name"]

    assert (taken, illegal) == ("Budget (2)", "Q1_Q2_ plan_")
    assert (await session.check_file_info())["BaseFileName"] == "Q1_Q2_ plan_.docx"


async def test_collabora_rename_to_nothing_is_400_with_reason(host: Host, session: Collabora) -> None:
    response = await session.rename("   ", b"")

    assert response.status_code == 400
    assert response.headers["X-WOPI-InvalidFileNameError"]


async def test_collabora_save_as_answers_name_url_and_time_of_the_new_file(
    host: Host, session: Collabora
) -> None:
    response = await session.save_as("Résumé copy.odt", b"odt bytes")

    body = response.json()
    assert response.status_code == 200
    assert body["Name"] == "Résumé copy.odt"
    url = httpx.URL(body["Url"])
    copy = Collabora(host, host.editor, url.path.rsplit("/", 1)[1], token=url.params["access_token"])
    assert (await copy.check_file_info())["LastModifiedTime"] == body["LastModifiedTime"]


async def test_collabora_session_ends_with_exit_save_and_unlock(host: Host, session: Collabora) -> None:
    await session.put_file(b"final", save=EXIT_SAVE)

    response = await session.op("UNLOCK")

    assert response.status_code == 200
    assert await host.current_lock() == ""
    assert session.log == ["ok"]
    assert await host.stored() == b"final"


async def test_collabora_unreadable_save_flags_are_recorded_as_unsaid_and_never_refuse(
    host: Host, session: Collabora
) -> None:
    headers = {
        "X-WOPI-Override": "PUT",
        "X-WOPI-Lock": session.lock_id,
        "X-COOL-WOPI-IsModifiedByUser": "yes",
        "X-COOL-WOPI-IsAutosave": "",
        "X-LOOL-WOPI-IsAutosave": "true",  # the X-COOL- form wins even when unreadable
        "X-LOOL-WOPI-IsExitSave": "FALSE",
    }

    response = await session.request("POST", "/contents", headers=headers, body=b"saved")

    assert response.status_code == 200
    assert (await host.versions())[0].save == SaveKind(modified_by_user=None, autosave=None, exit_save=False)
