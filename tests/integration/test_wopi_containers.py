"""WOPI containers over HTTP: CheckContainerInfo, EnumerateAncestors/Children, CreateChildContainer,
CreateChildFile, RenameContainer, DeleteContainer and GetShareUrl, driven from the spec's tables.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/containers/checkcontainerinfo
(and siblings)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest

from tests.integration.conftest import NO_TOKEN, Host, body_of
from wopihost.domain.names import decode_utf7, encode_utf7
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, Folder, FolderAccess, User

pytestmark = pytest.mark.anyio

A = "lock-A"


@dataclass
class Tree:
    """The owner's root, /Projects with inside.docx and the empty folder /Projects/Sub."""

    root: Folder
    projects: Folder
    sub: Folder
    inside: FileRecord


@pytest.fixture
async def tree(host: Host) -> Tree:
    files = host.services.files
    root = await files.ensure_folder_path(host.owner, [])
    projects = await files.ensure_folder_path(host.owner, ["Projects"])
    sub = await files.ensure_folder_path(host.owner, ["Projects", "Sub"])
    inside = await files.upload(host.owner, projects, "inside.docx", body_of(b"inside"))
    return Tree(root, projects, sub, inside)


def container_token(host: Host, folder_id: str, user: User | None = None) -> str:
    return host.services.tokens.issue((user or host.owner).id, folder_id, kind="container").token


async def container_call(
    host: Host,
    folder_id: str,
    override: str | None = None,
    *,
    path: str = "",
    user: User | None = None,
    token: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """One container request: GET without an override, POST with one."""
    token = container_token(host, folder_id, user) if token is None else token
    all_headers = dict(headers or {})
    if override is not None:
        all_headers["X-WOPI-Override"] = override
    params = {"access_token": token} if token else {}
    method = "POST" if override is not None else "GET"
    url = f"/wopi/containers/{folder_id}{path}"
    return await host.client.request(method, url, params=params, headers=all_headers)


async def follow(host: Host, url: str, suffix: str = "") -> httpx.Response:
    """A GET of a URL the host returned (with its own token), as a client would call it."""
    parsed = httpx.URL(url)
    assert parsed.host == "wopihost.test"
    assert parsed.params.get("access_token")
    return await host.client.get(parsed.path + suffix, params=dict(parsed.params))


async def subfolder_names(host: Host, folder: Folder) -> list[str]:
    return [f.name for f in (await host.services.files.list_folder(folder))[0]]


# CheckContainerInfo


async def test_check_container_info_of_subfolder_reports_owner_rights(host: Host, tree: Tree) -> None:
    response = await container_call(host, tree.projects.id)
    assert response.status_code == 200
    info = response.json()
    assert info["Name"] == "Projects"
    for key in ("UserCanCreateChildContainer", "UserCanCreateChildFile", "UserCanDelete", "UserCanRename"):
        assert info[key] is True, key
    assert info["IsAnonymousUser"] is False
    assert info["IsEduUser"] is False
    assert info["LicenseCheckForEditIsEnabled"] is False
    # Without the web UI there is no page to link to.
    assert "HostUrl" not in info
    assert "SupportedShareUrlTypes" not in info


async def test_check_container_info_of_root_refuses_rename_and_delete(host: Host, tree: Tree) -> None:
    info = (await container_call(host, tree.root.id)).json()
    assert info["Name"] == "My files"
    assert info["UserCanRename"] is False
    assert info["UserCanDelete"] is False
    assert info["UserCanCreateChildFile"] is True


@pytest.mark.parametrize("ui_enabled", [True])
async def test_check_container_info_with_ui_links_the_folder_page(host: Host, tree: Tree) -> None:
    info = (await container_call(host, tree.projects.id)).json()
    assert info["HostUrl"] == f"https://wopihost.test/folders/{tree.projects.id}"
    assert info["SupportedShareUrlTypes"] == ["ReadOnly", "ReadWrite"]


async def test_check_file_info_advertises_containers_and_ecosystem(host: Host) -> None:
    info = (await host.check_file_info()).json()
    for key in ("SupportsContainers", "SupportsEcosystem", "SupportsFolders", "SupportsGetFileWopiSrc"):
        assert info[key] is True, key
    assert info["SupportsDeleteFile"] is True
    assert info["IsEduUser"] is False


# Tokens: scoped to one user and one container, of their own kind.


@dataclass(frozen=True)
class TokenCase:
    id: str
    token: str  # which token is sent to /wopi/containers/{projects}
    status: int


TOKEN_CASES = [
    TokenCase("container-token", "container", 200),
    TokenCase("no-token", "none", 401),
    TokenCase("file-token-of-a-file-inside", "file", 401),
    TokenCase("container-token-of-another-folder", "other-folder", 401),
    TokenCase("ecosystem-token", "ecosystem", 401),
    TokenCase("garbage", "garbage", 401),
    TokenCase("container-token-of-a-stranger", "stranger", 404),
    TokenCase("expired", "expired", 401),
]


@pytest.mark.parametrize("case", TOKEN_CASES, ids=[c.id for c in TOKEN_CASES])
@pytest.mark.parametrize("path", ["", "/ancestry", "/children", "/ecosystem_pointer"])
async def test_container_token_scoping(host: Host, tree: Tree, case: TokenCase, path: str) -> None:
    tokens = host.services.tokens
    token = {
        "container": container_token(host, tree.projects.id),
        "none": NO_TOKEN,
        "file": host.token(file_id=tree.inside.id),
        "other-folder": container_token(host, tree.sub.id),
        "ecosystem": tokens.issue_for_ecosystem(host.owner.id).token,
        "garbage": "not-a-token",
        "stranger": container_token(host, tree.projects.id, host.stranger),
        "expired": container_token(host, tree.projects.id),
    }[case.token]
    if case.token == "expired":
        host.clock.advance(timedelta(seconds=host.settings.tokens.ttl_seconds + 1))
    response = await container_call(host, tree.projects.id, path=path, token=token)
    assert response.status_code == case.status, response.headers.get("X-WOPI-ServerError")


async def test_container_token_opens_no_file(host: Host, tree: Tree) -> None:
    token = container_token(host, tree.inside.id)
    assert (await host.check_file_info(tree.inside.id, token=token)).status_code == 401


async def test_container_post_with_a_file_token_is_refused(host: Host, tree: Tree) -> None:
    token = host.token(file_id=tree.inside.id)
    headers = {"X-WOPI-SuggestedTarget": "x"}
    response = await container_call(
        host, tree.projects.id, "CREATE_CHILD_CONTAINER", token=token, headers=headers
    )
    assert response.status_code == 401
    assert await subfolder_names(host, tree.projects) == ["Sub"]


async def test_container_rights_are_checked_again_when_the_folder_goes(host: Host, tree: Tree) -> None:
    token = container_token(host, tree.sub.id)
    assert (await container_call(host, tree.sub.id, token=token)).status_code == 200
    await host.services.files.delete_folder(host.owner, tree.sub)
    assert (await container_call(host, tree.sub.id, token=token)).status_code == 404


async def test_unknown_container_override_is_not_implemented(host: Host, tree: Tree) -> None:
    assert (await container_call(host, tree.projects.id, "LOCK")).status_code == 501


# EnumerateAncestors and EnumerateChildren


async def test_enumerate_file_ancestors_lists_root_first_with_container_tokens(
    host: Host, tree: Tree
) -> None:
    response = await host.client.get(
        f"/wopi/files/{tree.inside.id}/ancestry", params={"access_token": host.token(file_id=tree.inside.id)}
    )
    assert response.status_code == 200
    ancestors = response.json()["AncestorsWithRootFirst"]
    assert [a["Name"] for a in ancestors] == ["My files", "Projects"]
    parent = await follow(host, ancestors[-1]["Url"])
    assert parent.status_code == 200
    assert parent.json()["Name"] == "Projects"


async def test_enumerate_file_ancestors_of_a_file_shared_alone_is_empty(host: Host) -> None:
    token = host.token(host.editor)
    response = await host.client.get(f"/wopi/files/{host.doc.id}/ancestry", params={"access_token": token})
    assert response.status_code == 200
    assert response.json() == {"AncestorsWithRootFirst": []}


async def test_enumerate_container_ancestors(host: Host, tree: Tree) -> None:
    on_root = await container_call(host, tree.root.id, path="/ancestry")
    on_sub = await container_call(host, tree.sub.id, path="/ancestry")
    assert on_root.json() == {"AncestorsWithRootFirst": []}
    assert [a["Name"] for a in on_sub.json()["AncestorsWithRootFirst"]] == ["My files", "Projects"]


@pytest.mark.parametrize(
    ("filter_list", "status", "files"),
    [
        (None, 200, ["inside.docx", "notes.TXT"]),
        (".docx", 200, ["inside.docx"]),
        (".txt,.xlsx", 200, ["notes.TXT"]),
        (".DOCX,.txt", 200, ["inside.docx", "notes.TXT"]),
        (".pdf", 200, []),
        ("docx", 400, None),
        (".*", 400, None),
    ],
)
async def test_enumerate_children_filters_files_by_extension(
    host: Host, tree: Tree, filter_list: str | None, status: int, files: list[str] | None
) -> None:
    await host.services.files.upload(host.owner, tree.projects, "notes.TXT", body_of(b"notes"))
    headers = {"X-WOPI-FileExtensionFilterList": filter_list} if filter_list is not None else {}
    response = await container_call(host, tree.projects.id, path="/children", headers=headers)
    assert response.status_code == status
    if files is None:
        return
    body = response.json()
    assert [c["Name"] for c in body["ChildContainers"]] == ["Sub"]
    assert [f["Name"] for f in body["ChildFiles"]] == files


async def test_enumerate_children_files_match_check_file_info(host: Host, tree: Tree) -> None:
    body = (await container_call(host, tree.projects.id, path="/children")).json()
    child = body["ChildFiles"][0]
    info = (await follow(host, child["Url"])).json()
    assert child["Version"] == info["Version"]
    assert isinstance(child["Version"], str)
    assert child["Size"] == info["Size"] == len(b"inside")
    assert child["LastModifiedTime"] == info["LastModifiedTime"]
    sub = await follow(host, body["ChildContainers"][0]["Url"])
    assert sub.json()["Name"] == "Sub"


async def test_deprecated_folder_paths_answer_like_containers(host: Host, tree: Tree) -> None:
    token = container_token(host, tree.projects.id)
    info = await host.client.get(f"/wopi/folders/{tree.projects.id}", params={"access_token": token})
    children = await host.client.get(
        f"/wopi/folders/{tree.projects.id}/children", params={"access_token": token}
    )
    assert info.json()["Name"] == "Projects"
    assert [c["Name"] for c in children.json()["ChildContainers"]] == ["Sub"]


# CreateChildContainer


@dataclass(frozen=True)
class CreateCase:
    id: str
    headers: dict[str, str]
    status: int
    name: str | None = None  # the created folder's name
    response_headers: dict[str, str] = field(default_factory=dict)


CREATE_CONTAINER = [
    CreateCase("suggested-free", {"SuggestedTarget": "New"}, 200, "New"),
    CreateCase("suggested-taken", {"SuggestedTarget": "Sub"}, 200, "Sub (2)"),
    CreateCase("suggested-taken-other-case", {"SuggestedTarget": "SUB"}, 200, "SUB (2)"),
    CreateCase("suggested-illegal-repaired", {"SuggestedTarget": "a/b"}, 200, "a_b"),
    CreateCase("suggested-reserved-repaired", {"SuggestedTarget": "CON"}, 200, "CON_"),
    CreateCase("suggested-nothing-legal", {"SuggestedTarget": "???"}, 200, "New folder"),
    CreateCase("relative-free", {"RelativeTarget": "New"}, 200, "New"),
    CreateCase("relative-utf7", {"RelativeTarget": encode_utf7("Été")}, 200, "Été"),
    CreateCase("relative-nfd-stored-nfc", {"RelativeTarget": encode_utf7("E\u0301te\u0301")}, 200, "Été"),
    CreateCase(
        "relative-taken", {"RelativeTarget": "Sub"}, 409, None, {"X-WOPI-ValidRelativeTarget": "Sub (2)"}
    ),
    CreateCase("relative-illegal", {"RelativeTarget": "a:b"}, 400),
    CreateCase("relative-reserved", {"RelativeTarget": "nul"}, 400),
    CreateCase("relative-too-long", {"RelativeTarget": "x" * 300}, 400),
    CreateCase("relative-bad-utf7", {"RelativeTarget": "a+"}, 400),
    CreateCase("both-headers", {"SuggestedTarget": "New", "RelativeTarget": "New"}, 501),
    CreateCase("no-name", {}, 400),
]


@pytest.mark.parametrize("case", CREATE_CONTAINER, ids=[c.id for c in CREATE_CONTAINER])
async def test_create_child_container_follows_spec_table(host: Host, tree: Tree, case: CreateCase) -> None:
    headers = {f"X-WOPI-{k}": v for k, v in case.headers.items()}
    response = await container_call(host, tree.projects.id, "CREATE_CHILD_CONTAINER", headers=headers)
    assert response.status_code == case.status, response.headers.get("X-WOPI-ServerError")
    for header, value in case.response_headers.items():
        assert decode_utf7(response.headers[header], header) == value
    if case.status == 400 and "RelativeTarget" in case.headers:
        assert response.headers["X-WOPI-InvalidContainerNameError"]
    if case.name is None:
        assert sorted(await subfolder_names(host, tree.projects)) == ["Sub"]
        return
    body = response.json()
    assert body["ContainerPointer"]["Name"] == body["ContainerInfo"]["Name"] == case.name
    created = await follow(host, body["ContainerPointer"]["Url"])
    assert created.json()["Name"] == case.name
    assert case.name in await subfolder_names(host, tree.projects)


# CreateChildFile


CREATE_FILE = [
    CreateCase("suggested-name", {"SuggestedTarget": "new.docx"}, 200, "new.docx"),
    CreateCase("suggested-extension", {"SuggestedTarget": ".xlsx"}, 200, "Document.xlsx"),
    CreateCase("suggested-taken", {"SuggestedTarget": "inside.docx"}, 200, "inside (2).docx"),
    CreateCase("suggested-illegal", {"SuggestedTarget": "a|b.docx"}, 200, "a_b.docx"),
    CreateCase("relative-free", {"RelativeTarget": "new.wopitestx"}, 200, "new.wopitestx"),
    CreateCase("relative-utf7", {"RelativeTarget": encode_utf7("café.docx")}, 200, "café.docx"),
    CreateCase(
        "relative-overwrite-free",
        {"RelativeTarget": "n.docx", "OverwriteRelativeTarget": "true"},
        200,
        "n.docx",
    ),
    CreateCase(
        "relative-taken",
        {"RelativeTarget": "inside.docx"},
        409,
        None,
        {"X-WOPI-ValidRelativeTarget": "inside (2).docx"},
    ),
    CreateCase(
        "relative-taken-no-overwrite",
        {"RelativeTarget": "inside.docx", "OverwriteRelativeTarget": "false"},
        409,
    ),
    CreateCase("relative-illegal", {"RelativeTarget": "a*b.docx"}, 400),
    CreateCase("relative-too-long", {"RelativeTarget": "x" * 520 + ".docx"}, 400),
    CreateCase("both-headers", {"SuggestedTarget": "a.docx", "RelativeTarget": "a.docx"}, 501),
    CreateCase("no-name", {}, 400),
]


@pytest.mark.parametrize("case", CREATE_FILE, ids=[c.id for c in CREATE_FILE])
async def test_create_child_file_follows_spec_table(host: Host, tree: Tree, case: CreateCase) -> None:
    headers = {f"X-WOPI-{k}": v for k, v in case.headers.items()}
    response = await container_call(host, tree.projects.id, "CREATE_CHILD_FILE", headers=headers)
    assert response.status_code == case.status, response.headers.get("X-WOPI-ServerError")
    for header, value in case.response_headers.items():
        assert decode_utf7(response.headers[header], header) == value
    if case.status == 400 and "RelativeTarget" in case.headers:
        assert response.headers["X-WOPI-InvalidFileNameError"]
    files = (await host.services.files.list_folder(tree.projects))[1]
    if case.name is None:
        assert [f.name for f in files] == ["inside.docx"]
        return
    assert response.json()["Name"] == case.name
    info = (await follow(host, response.json()["Url"])).json()
    assert info["BaseFileName"] == case.name
    assert info["Size"] == 0


async def test_create_child_file_overwrites_an_unlocked_file_with_nothing(host: Host, tree: Tree) -> None:
    headers = {"X-WOPI-RelativeTarget": "inside.docx", "X-WOPI-OverwriteRelativeTarget": "true"}
    response = await container_call(host, tree.projects.id, "CREATE_CHILD_FILE", headers=headers)
    assert response.status_code == 200
    assert await host.stored(tree.inside.id) == b""


async def test_create_child_file_does_not_overwrite_a_locked_file(host: Host, tree: Tree) -> None:
    assert (await host.lock(A, tree.inside.id)).status_code == 200
    headers = {"X-WOPI-RelativeTarget": "inside.docx", "X-WOPI-OverwriteRelativeTarget": "true"}
    response = await container_call(host, tree.projects.id, "CREATE_CHILD_FILE", headers=headers)
    assert response.status_code == 409
    assert response.headers["X-WOPI-Lock"] == A
    assert await host.stored(tree.inside.id) == b"inside"


@pytest.mark.parametrize("ui_enabled", [True])
async def test_create_child_file_links_the_host_pages(host: Host, tree: Tree) -> None:
    headers = {"X-WOPI-SuggestedTarget": "a.docx"}
    body = (await container_call(host, tree.projects.id, "CREATE_CHILD_FILE", headers=headers)).json()
    file_id = httpx.URL(body["Url"]).path.rsplit("/", 1)[-1]
    assert body["HostViewUrl"] == f"https://wopihost.test/files/{file_id}/view"
    assert body["HostEditUrl"] == f"https://wopihost.test/files/{file_id}/edit"


# RenameContainer


@pytest.mark.parametrize(
    ("requested", "status", "name"),
    [
        ("Renamed", 200, "Renamed"),
        (encode_utf7("Résumé"), 200, "Résumé"),
        ("sub", 200, "sub"),  # its own name in another case
        ("a:b", 400, None),
        ("COM1", 400, None),
        ("", 400, None),
        (None, 400, None),
        ("bad+", 400, None),
    ],
)
async def test_rename_container_follows_spec_table(
    host: Host, tree: Tree, requested: str | None, status: int, name: str | None
) -> None:
    headers = {"X-WOPI-RequestedName": requested} if requested is not None else {}
    response = await container_call(host, tree.sub.id, "RENAME_CONTAINER", headers=headers)
    assert response.status_code == status
    if name is None:
        assert response.headers["X-WOPI-InvalidContainerNameError"]
        assert await subfolder_names(host, tree.projects) == ["Sub"]
        return
    assert response.json() == {"Name": name}
    assert await subfolder_names(host, tree.projects) == [name]


async def test_rename_container_onto_a_sibling_conflicts(host: Host, tree: Tree) -> None:
    await host.services.files.ensure_folder_path(host.owner, ["Projects", "Other"])
    headers = {"X-WOPI-RequestedName": "other"}
    response = await container_call(host, tree.sub.id, "RENAME_CONTAINER", headers=headers)
    assert response.status_code == 409
    assert sorted(await subfolder_names(host, tree.projects)) == ["Other", "Sub"]


async def test_rename_of_the_root_container_is_refused(host: Host, tree: Tree) -> None:
    headers = {"X-WOPI-RequestedName": "Root"}
    assert (await container_call(host, tree.root.id, "RENAME_CONTAINER", headers=headers)).status_code == 401


# DeleteContainer


async def test_delete_container_moves_an_empty_folder_to_the_trash(host: Host, tree: Tree) -> None:
    response = await container_call(host, tree.sub.id, "DELETE_CONTAINER")
    assert response.status_code == 200
    assert await subfolder_names(host, tree.projects) == []
    await host.services.trash.restore(tree.sub.id, host.owner)
    assert await subfolder_names(host, tree.projects) == ["Sub"]


async def test_delete_container_with_children_conflicts(host: Host, tree: Tree) -> None:
    response = await container_call(host, tree.projects.id, "DELETE_CONTAINER")
    assert response.status_code == 409
    assert await subfolder_names(host, tree.root) == ["Projects"]


async def test_delete_container_with_a_locked_file_inside_conflicts(host: Host, tree: Tree) -> None:
    file = await host.services.files.upload(host.owner, tree.sub, "locked.docx", body_of(b"x"))
    assert (await host.lock(A, file.id)).status_code == 200
    assert (await container_call(host, tree.sub.id, "DELETE_CONTAINER")).status_code == 409
    assert (await host.get_lock(file.id)).headers["X-WOPI-Lock"] == A


async def test_delete_of_the_root_container_is_refused(host: Host, tree: Tree) -> None:
    assert (await container_call(host, tree.root.id, "DELETE_CONTAINER")).status_code == 401


async def test_delete_container_twice_is_not_found(host: Host, tree: Tree) -> None:
    token = container_token(host, tree.sub.id)
    assert (await container_call(host, tree.sub.id, "DELETE_CONTAINER", token=token)).status_code == 200
    assert (await container_call(host, tree.sub.id, "DELETE_CONTAINER", token=token)).status_code == 404


# GetShareUrl (containers)


@pytest.mark.parametrize("ui_enabled", [True])
@pytest.mark.parametrize(
    ("url_type", "status"), [("ReadOnly", 200), ("ReadWrite", 200), ("Unknown", 501), (None, 501)]
)
async def test_container_get_share_url(host: Host, tree: Tree, url_type: str | None, status: int) -> None:
    headers = {"X-WOPI-UrlType": url_type} if url_type is not None else {}
    response = await container_call(host, tree.projects.id, "GET_SHARE_URL", headers=headers)
    assert response.status_code == status
    if status == 200:
        assert response.json() == {"ShareUrl": f"https://wopihost.test/folders/{tree.projects.id}"}


async def test_container_get_share_url_without_ui_is_not_supported(host: Host, tree: Tree) -> None:
    headers = {"X-WOPI-UrlType": "ReadOnly"}
    assert (await container_call(host, tree.projects.id, "GET_SHARE_URL", headers=headers)).status_code == 501


# Rights come from find_folder_access alone: a folder shared with a role (simulated here as the store will
# report it once folders can be shared) gives exactly that role's rights, on every request.


@pytest.fixture
def shared_projects(host: Host, tree: Tree, monkeypatch: pytest.MonkeyPatch) -> dict[str, Role]:
    """/Projects shared with the editor; the role can change between requests, or the share go (None)."""
    store = type(host.services.files._files)
    original = store.find_folder_access
    roles: dict[str, Role] = {host.editor.id: Role.EDIT}

    async def find_folder_access(self: object, folder_id: str, user_id: str) -> FolderAccess | None:
        role = roles.get(user_id)
        if role is None:
            return await original(self, folder_id, user_id)  # type: ignore[arg-type]
        owners = await original(self, folder_id, host.owner.id)  # type: ignore[arg-type]
        if owners is None or tree.projects not in owners.path:
            return None
        user = await host.services.users.get_user_by_name(host.editor.username)
        path = owners.path[owners.path.index(tree.projects) :]
        return FolderAccess(folder=owners.folder, user=user, role=role, owner_name="Alice", path=path)

    monkeypatch.setattr(store, "find_folder_access", find_folder_access)
    return roles


@pytest.mark.parametrize(
    ("role", "create", "rename", "delete"),
    [
        (Role.EDIT, True, False, False),
        (Role.VIEW, False, False, False),
        (Role.VIEW_NO_DOWNLOAD, False, False, False),
    ],
)
async def test_folder_role_decides_container_rights(
    host: Host,
    tree: Tree,
    shared_projects: dict[str, Role],
    role: Role,
    create: bool,
    rename: bool,
    delete: bool,
) -> None:
    shared_projects[host.editor.id] = role
    info = (await container_call(host, tree.sub.id, user=host.editor)).json()
    assert info["UserCanCreateChildFile"] is create
    assert info["UserCanCreateChildContainer"] is create
    assert info["UserCanRename"] is rename
    assert info["UserCanDelete"] is delete
    created = await container_call(
        host, tree.sub.id, "CREATE_CHILD_FILE", user=host.editor, headers={"X-WOPI-SuggestedTarget": "e.docx"}
    )
    assert created.status_code == (200 if create else 401)
    renamed = await container_call(
        host, tree.sub.id, "RENAME_CONTAINER", user=host.editor, headers={"X-WOPI-RequestedName": "X"}
    )
    assert renamed.status_code == 401
    assert (await container_call(host, tree.sub.id, "DELETE_CONTAINER", user=host.editor)).status_code == 401


async def test_shared_folder_ancestors_start_at_the_shared_folder(
    host: Host, tree: Tree, shared_projects: dict[str, Role]
) -> None:
    response = await container_call(host, tree.sub.id, path="/ancestry", user=host.editor)
    assert [a["Name"] for a in response.json()["AncestorsWithRootFirst"]] == ["Projects"]
    assert (await container_call(host, tree.root.id, user=host.editor)).status_code == 404


async def test_editor_creates_in_a_shared_folder_for_its_owner(
    host: Host, tree: Tree, shared_projects: dict[str, Role]
) -> None:
    headers = {"X-WOPI-RelativeTarget": "by-bob.docx"}
    response = await container_call(
        host, tree.projects.id, "CREATE_CHILD_FILE", user=host.editor, headers=headers
    )
    assert response.status_code == 200
    created = {f.name: f for f in (await host.services.files.list_folder(tree.projects))[1]}["by-bob.docx"]
    assert created.owner_id == host.owner.id
    # The editor reaches it through the folder's share alone, so that revoking that takes it away too.
    access = await host.services.files.access_as_owner(created.id)
    assert await host.services.files.list_shares(access) == []
    folder = await container_call(
        host,
        tree.projects.id,
        "CREATE_CHILD_CONTAINER",
        user=host.editor,
        headers={"X-WOPI-SuggestedTarget": "B"},
    )
    assert folder.status_code == 200
    assert (await follow(host, folder.json()["ContainerPointer"]["Url"])).status_code == 200


async def test_revoked_folder_share_refuses_the_next_request(
    host: Host, tree: Tree, shared_projects: dict[str, Role]
) -> None:
    token = container_token(host, tree.projects.id, host.editor)
    assert (await container_call(host, tree.projects.id, token=token)).status_code == 200
    del shared_projects[host.editor.id]
    assert (await container_call(host, tree.projects.id, token=token)).status_code == 404
    assert (await container_call(host, tree.projects.id, path="/children", token=token)).status_code == 404


# Logs: one access line per container request, named after the operation, and never a token.


async def test_container_requests_log_operations_and_never_tokens(
    host: Host, tree: Tree, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = container_token(host, tree.projects.id)
    responses = [
        await container_call(host, tree.projects.id, token=token),
        await container_call(host, tree.projects.id, path="/children", token=token),
        await container_call(
            host,
            tree.projects.id,
            "CREATE_CHILD_FILE",
            token=token,
            headers={"X-WOPI-SuggestedTarget": ".docx"},
        ),
        await container_call(host, tree.projects.id, "DELETE_CONTAINER", token=token),  # 409: not empty
        await container_call(host, tree.projects.id, token=token[:-4] + "AAAA"),  # 401
    ]
    handed_out = [
        c["Url"] for c in responses[1].json()["ChildContainers"] + responses[1].json()["ChildFiles"]
    ]
    handed_out.append(responses[2].json()["Url"])

    records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    output = "\n".join(f"{r.getMessage()} {r.args!r}" for r in records)
    access = [r.getMessage() for r in records if r.name == "wopihost.access"]
    assert [line.split()[0] for line in access] == [
        "op=CheckContainerInfo",
        "op=EnumerateChildren",
        "op=CreateChildFile",
        "op=DeleteContainer",
        "op=CheckContainerInfo",
    ]
    assert f"file_id={tree.projects.id} user_id={host.owner.id} status=409" in access[3]
    assert "access_token" not in output
    for sent in [token, *(httpx.URL(url).params["access_token"] for url in handed_out)]:
        assert sent.split(".")[2] not in output


# JSON types, as the spec gives them, for every property of every container response.

CONTAINER_INFO_TYPES: dict[str, type] = {
    "Name": str,
    "HostUrl": str,
    "SharingUrl": str,
    "IsAnonymousUser": bool,
    "IsEduUser": bool,
    "LicenseCheckForEditIsEnabled": bool,
    "SupportedShareUrlTypes": list,
    "UserCanCreateChildContainer": bool,
    "UserCanCreateChildFile": bool,
    "UserCanDelete": bool,
    "UserCanRename": bool,
}
CHILD_FILE_TYPES: dict[str, type] = {
    "Name": str,
    "Url": str,
    "Version": str,
    "Size": int,
    "LastModifiedTime": str,
}


def assert_types(obj: dict[str, object], types: dict[str, type], required: set[str]) -> None:
    assert required <= set(obj), required - set(obj)
    assert set(obj) <= set(types), set(obj) - set(types)
    for key, value in obj.items():
        assert type(value) is types[key], (key, value)


@pytest.mark.parametrize("ui_enabled", [False, True])
async def test_container_responses_have_spec_types(host: Host, tree: Tree) -> None:
    pointer_types: dict[str, type] = {"Name": str, "Url": str}
    info = (await container_call(host, tree.projects.id)).json()
    assert_types(info, CONTAINER_INFO_TYPES, {"Name"})
    children = (await container_call(host, tree.projects.id, path="/children")).json()
    assert set(children) == {"ChildContainers", "ChildFiles"}
    for child in children["ChildContainers"]:
        assert_types(child, pointer_types, {"Name", "Url"})
    for child in children["ChildFiles"]:
        assert_types(child, CHILD_FILE_TYPES, {"Name", "Url", "Version", "Size"})
    ancestors = (await container_call(host, tree.sub.id, path="/ancestry")).json()
    for ancestor in ancestors["AncestorsWithRootFirst"]:
        assert_types(ancestor, pointer_types, {"Name", "Url"})
    created = await container_call(
        host, tree.projects.id, "CREATE_CHILD_CONTAINER", headers={"X-WOPI-SuggestedTarget": "T"}
    )
    assert set(created.json()) == {"ContainerPointer", "ContainerInfo"}
    assert_types(created.json()["ContainerPointer"], pointer_types, {"Name", "Url"})
    assert_types(created.json()["ContainerInfo"], CONTAINER_INFO_TYPES, {"Name"})
