"""Property-based tests over the container and ecosystem endpoints: hostile input never breaks the server
or the data (the same properties as test_wopi_fuzz.py, for folders).

Each example starts from a fresh copy of the seeded data with the folder /Projects (holding report copy
inside.docx and the folder Sub), and sends a short sequence of generated container requests on the root,
/Projects, /Projects/Sub or an unknown ID, with generated header values and token variants. Every response
must not be a 5xx other than 501, must carry the WOPI headers (X-WOPI-Lock on a 409), and, unless it is a
2xx, must leave the stored state as it was, folders included.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.integration.conftest import Host, body_of
from tests.integration.test_wopi_fuzz import (
    FUZZ_SETTINGS,
    LOCK,
    check_response,
    fresh_host,
    hostile_values,
    snapshot,
)
from wopihost.domain.records import Folder

pytestmark = pytest.mark.anyio

NAMES = ("New", "Sub", "sub", "inside.docx", "+AOk-t+AOk-", "a.docx", ".xlsx", "CON", "a/b")
# (method, path suffix, override, headers with values a real client sends)
CONTAINER_OPERATIONS: dict[str, tuple[str, str, str | None, dict[str, tuple[str, ...]]]] = {
    "CheckContainerInfo": ("GET", "", None, {}),
    "EnumerateAncestors": ("GET", "/ancestry", None, {}),
    "EnumerateChildren": (
        "GET",
        "/children",
        None,
        {"X-WOPI-FileExtensionFilterList": (".docx", ".docx,.xlsx")},
    ),
    "GetEcosystem": ("GET", "/ecosystem_pointer", None, {}),
    "CreateChildContainer(suggested)": (
        "POST",
        "",
        "CREATE_CHILD_CONTAINER",
        {"X-WOPI-SuggestedTarget": NAMES},
    ),
    "CreateChildContainer(relative)": (
        "POST",
        "",
        "CREATE_CHILD_CONTAINER",
        {"X-WOPI-RelativeTarget": NAMES},
    ),
    "CreateChildFile(suggested)": ("POST", "", "CREATE_CHILD_FILE", {"X-WOPI-SuggestedTarget": NAMES}),
    "CreateChildFile(relative)": (
        "POST",
        "",
        "CREATE_CHILD_FILE",
        {"X-WOPI-RelativeTarget": NAMES, "X-WOPI-OverwriteRelativeTarget": ("true", "false")},
    ),
    "RenameContainer": ("POST", "", "RENAME_CONTAINER", {"X-WOPI-RequestedName": NAMES}),
    "DeleteContainer": ("POST", "", "DELETE_CONTAINER", {}),
    "GetShareUrl": ("POST", "", "GET_SHARE_URL", {"X-WOPI-UrlType": ("ReadOnly", "ReadWrite")}),
    "Unknown": ("POST", "", "LOCK", {}),
}
TARGETS = ["projects"] * 4 + ["sub"] * 3 + ["root"] * 2 + ["unknown", "..", "x" * 300]
TOKENS = ["owner"] * 8 + ["editor", "stranger", "file", "ecosystem", "other-folder", "garbage", "missing"]


@dataclass(frozen=True)
class Call:
    name: str
    target: str
    headers: list[tuple[str, bytes]]
    token: str

    def describe(self) -> str:
        return f"{self.name}: {self.target} token={self.token} headers={self.headers}"


@st.composite
def calls(draw: st.DrawFn) -> Call:
    name = draw(st.sampled_from(sorted(CONTAINER_OPERATIONS)))
    _method, _suffix, override, good = CONTAINER_OPERATIONS[name]
    headers: list[tuple[str, bytes]] = []
    if override is not None:
        headers.append(("X-WOPI-Override", override.encode()))
    for header, values in good.items():
        if draw(st.integers(0, 9)) == 0:
            continue
        hostile = draw(st.integers(0, 3)) == 0
        headers.append((header, draw(hostile_values if hostile else st.sampled_from(values).map(str.encode))))
    if headers and draw(st.integers(0, 9)) == 0:
        headers.append(draw(st.sampled_from(headers)))
    return Call(name, draw(st.sampled_from(TARGETS)), headers, draw(st.sampled_from(TOKENS)))


async def folder_snapshot(host: Host, folders: dict[str, Folder]) -> dict[str, Any]:
    """The file snapshot of test_wopi_fuzz, plus the subfolders and files of every test folder."""
    state = await snapshot(host)
    for key, folder in folders.items():
        found = await host.services.files.list_folder(folder)
        state[f"folder:{key}"] = (
            sorted(f.name for f in found[0]),
            sorted((f.name, f.version) for f in found[1]),
        )
    return state


def _token(host: Host, how: str, folder_id: str, folders: dict[str, Folder]) -> str | None:
    tokens = host.services.tokens
    match how:
        case "owner" | "editor" | "stranger":
            return tokens.issue(getattr(host, how).id, folder_id, kind="container").token
        case "file":
            return tokens.issue(host.owner.id, folder_id).token
        case "ecosystem":
            return tokens.issue_for_ecosystem(host.owner.id).token
        case "other-folder":
            return tokens.issue(host.owner.id, folders["root"].id, kind="container").token
        case "garbage":
            return "eyJhbGciOiJub25lIn0.e30."
    return None


async def send(host: Host, call: Call, folders: dict[str, Folder]) -> httpx.Response:
    method, suffix, _override, _good = CONTAINER_OPERATIONS[call.name]
    folder_id = folders[call.target].id if call.target in folders else call.target
    token = _token(host, call.token, folder_id, folders)
    return await host.client.request(
        method,
        f"/wopi/containers/{folder_id}{suffix}",
        params={"access_token": token} if token is not None else None,
        headers=[(name.encode("ascii"), value) for name, value in call.headers],
    )


@FUZZ_SETTINGS
@given(sequence=st.lists(calls(), min_size=1, max_size=4), locked=st.booleans())
async def test_any_container_request_sequence_answers_documented_status_and_rejections_change_nothing(
    seeded: tuple[Path, dict[str, str]], sequence: list[Call], locked: bool
) -> None:
    async with fresh_host(seeded) as host:
        files = host.services.files
        folders = {
            "root": await files.ensure_folder_path(host.owner, []),
            "projects": await files.ensure_folder_path(host.owner, ["Projects"]),
            "sub": await files.ensure_folder_path(host.owner, ["Projects", "Sub"]),
        }
        inside = await files.upload(host.owner, folders["projects"], "inside.docx", body_of(b"inside"))
        if locked:
            await host.services.locks.lock(await files.access_as_owner(inside.id), LOCK)
        before = await folder_snapshot(host, folders)
        for number, call in enumerate(sequence):
            response = await send(host, call, folders)
            what = f"request {number}: {call.describe()}"
            check_response(response, what)
            after = await folder_snapshot(host, folders)
            if not 200 <= response.status_code < 300:
                assert after == before, f"{what} -> {response.status_code} changed the stored state"
            before = after
