"""The WOPI ecosystem over HTTP: GetEcosystem (files and containers), CheckEcosystem, GetRootContainer and
GetFileWopiSrc, with the ecosystem token of one user.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/rest/ecosystem/checkecosystem
(and siblings)
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import NO_TOKEN, Host
from wopihost.domain.links import visitor_id
from wopihost.domain.permissions import Role
from wopihost.domain.records import User

pytestmark = pytest.mark.anyio


def ecosystem_token(host: Host, user: User | None = None) -> str:
    return host.services.tokens.issue_for_ecosystem((user or host.owner).id).token


async def ecosystem_call(
    host: Host, path: str = "", *, token: str | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    token = ecosystem_token(host) if token is None else token
    params = {"access_token": token} if token else {}
    method = "POST" if headers and "X-WOPI-Override" in headers else "GET"
    return await host.client.request(method, f"/wopi/ecosystem{path}", params=params, headers=headers)


async def get_ecosystem_url(host: Host, user: User | None = None) -> str:
    token = host.token(user)
    response = await host.client.get(
        f"/wopi/files/{host.doc.id}/ecosystem_pointer", params={"access_token": token}
    )
    assert response.status_code == 200
    url: str = response.json()["Url"]
    return url


async def test_get_ecosystem_of_a_file_leads_to_check_ecosystem(host: Host) -> None:
    url = httpx.URL(await get_ecosystem_url(host))
    assert url.path == "/wopi/ecosystem"
    response = await host.client.get(url.path, params=dict(url.params))
    assert response.status_code == 200
    assert response.json() == {"SupportsContainers": True}


async def test_get_ecosystem_of_a_container(host: Host) -> None:
    root = host.owner.root_folder_id
    token = host.services.tokens.issue(host.owner.id, root, kind="container").token
    response = await host.client.get(
        f"/wopi/containers/{root}/ecosystem_pointer", params={"access_token": token}
    )
    url = httpx.URL(response.json()["Url"])
    assert (await host.client.get(url.path, params=dict(url.params))).status_code == 200


async def test_get_root_container_points_at_the_users_own_root(host: Host) -> None:
    for user in (host.owner, host.editor):
        url = httpx.URL(await get_ecosystem_url(host, user))
        response = await host.client.get(url.path + "/root_container_pointer", params=dict(url.params))
        assert response.status_code == 200
        body = response.json()
        assert body["ContainerPointer"]["Name"] == body["ContainerInfo"]["Name"] == "My files"
        root = httpx.URL(body["ContainerPointer"]["Url"])
        assert root.path == f"/wopi/containers/{user.root_folder_id}"
        assert (await host.client.get(root.path, params=dict(root.params))).status_code == 200


@pytest.mark.parametrize(
    ("token", "status"),
    [("ecosystem", 200), ("none", 401), ("file", 401), ("container", 401), ("garbage", 401)],
)
@pytest.mark.parametrize("path", ["", "/root_container_pointer"])
async def test_ecosystem_token_scoping(host: Host, token: str, status: int, path: str) -> None:
    root = host.owner.root_folder_id
    sent = {
        "ecosystem": ecosystem_token(host),
        "none": NO_TOKEN,
        "file": host.token(),
        "container": host.services.tokens.issue(host.owner.id, root, kind="container").token,
        "garbage": "garbage",
    }[token]
    assert (await ecosystem_call(host, path, token=sent)).status_code == status


async def test_ecosystem_token_opens_no_file_nor_container(host: Host) -> None:
    token = ecosystem_token(host)
    root = host.owner.root_folder_id
    assert (await host.check_file_info(token=token)).status_code == 401
    response = await host.client.get(f"/wopi/containers/{root}", params={"access_token": token})
    assert response.status_code == 401


@pytest.mark.parametrize("ui_enabled", [True])
@pytest.mark.parametrize(
    ("native", "user", "status"),
    [
        ("https://wopihost.test/files/{id}/view", "owner", 200),
        ("https://wopihost.test/files/{id}/edit", "owner", 200),
        ("https://wopihost.test/files/{id}/embedview", "editor", 200),
        ("https://WOPIHOST.test/files/{id}/view?x=1", "owner", 200),
        ("https://wopihost.test/wopi/files/{id}", "viewer", 200),
        ("https://wopihost.test/files/{id}/view", "stranger", 404),
        ("https://elsewhere.test/files/{id}/view", "owner", 404),
        ("https://wopihost.test/files/nosuchfile/view", "owner", 404),
        ("{id}", "owner", 404),
        ("", "owner", 400),
        (None, "owner", 400),
    ],
)
async def test_get_file_wopi_src(host: Host, native: str | None, user: str, status: int) -> None:
    who = {"owner": host.owner, "editor": host.editor, "viewer": host.viewer, "stranger": host.stranger}[user]
    headers = {"X-WOPI-Override": "GET_WOPI_SRC_WITH_ACCESS_TOKEN"}
    if native is not None:
        headers["X-WOPI-HostNativeFileName"] = native.format(id=host.doc.id)
    response = await ecosystem_call(host, token=ecosystem_token(host, who), headers=headers)
    assert response.status_code == status
    if status == 200:
        url = httpx.URL(response.json()["Url"])
        assert url.path == f"/wopi/files/{host.doc.id}"
        info = await host.client.get(url.path, params=dict(url.params))
        assert info.json()["UserId"] == who.id


async def test_link_visitor_has_no_ecosystem_nor_ancestors(host: Host) -> None:
    link = await host.services.links.create(await host.services.files.access_as_owner(host.doc.id), Role.VIEW)
    visitor = visitor_id(link.id, "aaaaaaaa")
    token = host.services.tokens.issue(visitor, host.doc.id, link_id=link.id, display_name="Guest").token
    params = {"access_token": token}
    assert (await host.client.get(f"/wopi/files/{host.doc.id}", params=params)).status_code == 200
    pointer = await host.client.get(f"/wopi/files/{host.doc.id}/ecosystem_pointer", params=params)
    ancestry = await host.client.get(f"/wopi/files/{host.doc.id}/ancestry", params=params)
    assert pointer.status_code == 404
    assert ancestry.json() == {"AncestorsWithRootFirst": []}
