"""Microsoft 365 business users (scenarios/business.rst), from the CLI and the admin page to the host page.

A business user's action URLs carry BUSINESS_USER=1 (Office's IsLicensedUser), and CheckFileInfo carries
LicenseCheckForEditIsEnabled=true and the HostEditUrl Office returns to after its licence check; the
UserInfo string Office stores with PutUserInfo comes back so that it need not check every time.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.test_cli import data_dir, isolated_logging, out, run  # noqa: F401 - fixtures
from tests.integration.web_support import PASSWORD, UI, Web
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, User

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"
# Microsoft 365's recorded discovery, under either of the names the fixture directory uses for it.
MICROSOFT_DISCOVERY = next(p for p in (FIXTURES / "m365.xml", FIXTURES / "microsoft.xml") if p.is_file())
MICROSOFT_EDIT = "https://FFC-word-edit.officeapps.live.com/we/wordeditorframe.aspx"


def form_action(page: str) -> str:
    found = re.search(
        r'<form id="office_form" name="office_form" target="office_frame" action="([^"]+)"', page
    )
    assert found, "the page has no office_form"
    return html.unescape(found.group(1))


def hidden_token(page: str) -> str:
    found = re.search(r'<input name="access_token" value="([^"]*)" type="hidden">', page)
    assert found
    return html.unescape(found.group(1))


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# The command line.


def test_cli_user_add_business_is_listed_as_business(data_dir: Path) -> None:  # noqa: F811
    user_id = out(run(data_dir, "user", "add", "erin", "--name", "Erin E.", "--business"))
    run(data_dir, "user", "add", "frank", "--admin")

    listed = out(run(data_dir, "user", "list")).splitlines()

    assert f"{user_id}\terin\tErin E.\tbusiness" in listed
    assert any(line.endswith("\tfrank\tfrank\tadmin") for line in listed)


def test_cli_user_set_business_and_no_business_toggle_flag(data_dir: Path) -> None:  # noqa: F811
    run(data_dir, "user", "add", "erin")

    assert out(run(data_dir, "user", "set", "erin", "--business")) == "erin\tbusiness"
    assert out(run(data_dir, "user", "list")).endswith("\terin\terin\tbusiness")
    assert out(run(data_dir, "user", "set", "ERIN", "--no-business")) == "erin\t-"
    assert out(run(data_dir, "user", "list")).endswith("\terin\terin\t-")


def test_cli_user_set_without_flag_or_unknown_user_fails(data_dir: Path) -> None:  # noqa: F811
    run(data_dir, "user", "add", "erin")

    assert "nothing to change" in run(data_dir, "user", "set", "erin", ok=False).stderr
    assert "error:" in run(data_dir, "user", "set", "nobody", "--business", ok=False).stderr


def test_cli_share_view_no_download_role(data_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    local = tmp_path / "plan.docx"
    local.write_bytes(b"plan")
    run(data_dir, "user", "add", "alice")
    run(data_dir, "user", "add", "bob")
    file_id = out(run(data_dir, "file", "put", str(local), "--owner", "alice"))

    shared = out(run(data_dir, "share", file_id, "--with", "bob", "--role", "view-no-download"))

    assert shared == f"shared {file_id} with bob (view-no-download)"
    assert run(data_dir, "share", file_id, "--with", "bob", "--role", "owner", ok=False).exit_code == 2


# The host page and CheckFileInfo, with Microsoft's discovery.


@pytest.fixture
async def office(web: Web) -> Web:
    """The web app with Microsoft 365's recorded discovery, alice signed in."""
    web.settings.discovery_cache_file.write_bytes(MICROSOFT_DISCOVERY.read_bytes())
    assert (await web.sign_in()).status_code == 303
    return web


@pytest.fixture
async def report(office: Web) -> FileRecord:
    return await office.upload("Report.docx", b"report")


async def mark_business(web: Web, user: User, on: bool = True) -> User:
    return await web.services.users.set_business_user(user, on)


@pytest.mark.anyio
async def test_host_page_business_user_action_url_has_is_licensed_user(
    office: Web, report: FileRecord
) -> None:
    await mark_business(office, office.alice)

    page = await office.client.get(f"/files/{report.id}/edit")

    assert page.status_code == 200
    action = form_action(page.text)
    assert action.startswith(MICROSOFT_EDIT + "?")
    assert query_of(action)["IsLicensedUser"] == ["1"]


@pytest.mark.anyio
async def test_host_page_business_user_view_action_also_has_is_licensed_user(
    office: Web, report: FileRecord
) -> None:
    await mark_business(office, office.alice)

    page = await office.client.get(f"/files/{report.id}/view")

    assert query_of(form_action(page.text))["IsLicensedUser"] == ["1"]


@pytest.mark.anyio
async def test_host_page_other_users_action_url_has_no_is_licensed_user(
    office: Web, report: FileRecord
) -> None:
    page = await office.client.get(f"/files/{report.id}/edit")

    assert "IsLicensedUser" not in query_of(form_action(page.text))


@pytest.mark.anyio
async def test_business_flow_token_check_file_info_host_edit_url_and_user_info(
    office: Web, report: FileRecord
) -> None:
    await mark_business(office, office.alice)
    page = await office.client.get(f"/files/{report.id}/edit")
    token = hidden_token(page.text)

    info = (await office.client.get(f"/wopi/files/{report.id}", params={"access_token": token})).json()

    assert info["LicenseCheckForEditIsEnabled"] is True
    assert info["HostEditUrl"] == f"{UI}/files/{report.id}/edit"
    assert info["DownloadUrl"] == f"{UI}/files/{report.id}/download"
    # Office returns to HostEditUrl after the licence check: the same page, again with IsLicensedUser=1.
    back = await office.client.get(urlsplit(info["HostEditUrl"]).path)
    assert query_of(form_action(back.text))["IsLicensedUser"] == ["1"]
    # PutUserInfo stores Office's subscription state; CheckFileInfo hands it back unchanged.
    stored = await office.client.post(
        f"/wopi/files/{report.id}",
        params={"access_token": token},
        headers={"X-WOPI-Override": "PUT_USER_INFO"},
        content=b'{"licensed":true}',
    )
    assert stored.status_code == 200
    again = (await office.client.get(f"/wopi/files/{report.id}", params={"access_token": token})).json()
    assert again["UserInfo"] == '{"licensed":true}'


@pytest.mark.anyio
async def test_business_viewer_gets_host_edit_url_which_falls_back_to_view(
    office: Web, report: FileRecord
) -> None:
    await office.share(report, office.bob, Role.VIEW)
    bob = await mark_business(office, office.bob)
    token = office.services.tokens.issue(bob.id, report.id).token

    info = (await office.client.get(f"/wopi/files/{report.id}", params={"access_token": token})).json()

    assert info["LicenseCheckForEditIsEnabled"] is True
    assert info["HostEditUrl"] == f"{UI}/files/{report.id}/edit"
    assert info["UserCanWrite"] is False


@pytest.mark.anyio
async def test_business_flag_unset_removes_license_check(office: Web, report: FileRecord) -> None:
    await mark_business(office, office.alice)
    await mark_business(office, office.alice, on=False)
    token = office.services.tokens.issue(office.alice.id, report.id).token

    info = (await office.client.get(f"/wopi/files/{report.id}", params={"access_token": token})).json()

    assert info["LicenseCheckForEditIsEnabled"] is False


# The admin page.


async def sign_in_admin(web: Web) -> User:
    admin = await web.services.users.add_user("root", "Root Admin", password=PASSWORD, is_admin=True)
    await web.client.post("/signout", data={"csrf_token": await web.csrf()})
    assert (await web.sign_in(admin)).status_code == 303
    return admin


@pytest.mark.anyio
async def test_admin_page_refuses_non_admin(signed_in: Web) -> None:
    page = await signed_in.client.get("/admin/users")
    toggle = await signed_in.post(f"/admin/users/{signed_in.bob.id}/business", {"business": "1"})

    assert page.status_code == 403
    assert toggle.status_code == 403
    assert (await signed_in.services.users.get_user(signed_in.bob.id)).is_business_user is False
    assert 'href="/admin/users"' not in (await signed_in.client.get("/")).text


@pytest.mark.anyio
async def test_admin_page_requires_sign_in(web: Web) -> None:
    response = await web.client.get("/admin/users")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")


@pytest.mark.anyio
async def test_admin_page_lists_users_and_toggles_business_user(signed_in: Web) -> None:
    await sign_in_admin(signed_in)

    page = await signed_in.client.get("/admin/users")
    marked = await signed_in.post(f"/admin/users/{signed_in.bob.id}/business", {"business": "1"})
    after = await signed_in.client.get("/admin/users")

    assert page.status_code == 200
    assert 'href="/admin/users"' in page.text
    assert all(name in page.text for name in ("Alice Adams", "Bob Brown", "Root Admin"))
    assert marked.status_code == 303
    assert marked.headers["location"] == "/admin/users"
    assert (await signed_in.services.users.get_user(signed_in.bob.id)).is_business_user is True
    assert "Bob Brown is now a business user." in after.text
    unmarked = await signed_in.post(f"/admin/users/{signed_in.bob.id}/business", {"business": "0"}, json=True)
    assert unmarked.json()["ok"] is True
    assert (await signed_in.services.users.get_user(signed_in.bob.id)).is_business_user is False


@pytest.mark.anyio
async def test_admin_toggle_without_csrf_token_is_forbidden(signed_in: Web) -> None:
    await sign_in_admin(signed_in)

    response = await signed_in.client.post(
        f"/admin/users/{signed_in.bob.id}/business", data={"business": "1"}
    )

    assert response.status_code == 403
    assert (await signed_in.services.users.get_user(signed_in.bob.id)).is_business_user is False


@pytest.mark.anyio
@pytest.mark.parametrize("value", ["", "yes", "2"])
async def test_admin_toggle_with_bad_value_is_refused(signed_in: Web, value: str) -> None:
    await sign_in_admin(signed_in)

    response = await signed_in.post(f"/admin/users/{signed_in.bob.id}/business", {"business": value})

    assert response.status_code == 400


@pytest.mark.anyio
async def test_admin_toggle_unknown_user_is_404(signed_in: Web) -> None:
    await sign_in_admin(signed_in)

    response = await signed_in.post("/admin/users/nobodynobodynobodynobody/business", {"business": "1"})

    assert response.status_code == 404
