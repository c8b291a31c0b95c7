"""The administrators' console: open editing sessions, recorded WOPI errors, activity and storage per user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.web_support import PASSWORD, Web, running_web, signed_in_as_alice
from wopihost.domain.audit import AuditAction
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord, User

ADMIN_PAGES = ("/admin/sessions", "/admin/errors", "/admin/activity", "/admin/storage", "/admin/readiness")
CORRELATION = "0f3b5c1e-1111-4a2b-9c3d-aaaaaaaaaaaa"
SESSION = "7d1e2f3a-2222-4b5c-8d9e-bbbbbbbbbbbb"


@pytest.fixture
async def web(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    async with running_web(tmp_path, monkeypatch) as harness:
        yield harness


@pytest.fixture
async def signed_in(web: Web) -> Web:
    return await signed_in_as_alice(web)


async def sign_in_admin(web: Web) -> User:
    admin = await web.services.users.add_user("root", "Root Admin", password=PASSWORD, is_admin=True)
    await web.client.post("/signout", data={"csrf_token": await web.csrf()})
    assert (await web.sign_in(admin)).status_code == 303
    return admin


async def wopi(web: Web, file_id: str, token: str, override: str | None = None, **headers: str) -> int:
    """One WOPI request with the correlation and session IDs a WOPI client sends."""
    sent = {"X-WOPI-CorrelationId": CORRELATION, "X-WOPI-SessionId": SESSION, "User-Agent": "TestClient/1.0"}
    sent |= {f"X-WOPI-{k}": v for k, v in headers.items()}
    if override:
        sent["X-WOPI-Override"] = override
    method = "POST" if override else "GET"
    response = await web.client.request(
        method, f"/wopi/files/{file_id}", params={"access_token": token}, headers=sent
    )
    await web.services.wopi_errors.flush()
    return response.status_code


def raw_rows(web: Web) -> list[dict[str, Any]]:
    """The wopi_errors table as the database holds it."""
    engine = sa.create_engine(web.settings.database_url.replace("+aiosqlite", ""))
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM wopi_errors ORDER BY id"))]
    finally:
        engine.dispose()


async def lock_id(web: Web, file: FileRecord) -> str | None:
    lock = (await web.record(file.id)).active_lock(web.clock.now())
    return lock.lock_id if lock else None


def token_for(web: Web, user: User, file: FileRecord) -> str:
    return web.services.tokens.issue(user.id, file.id).token


@pytest.mark.anyio
@pytest.mark.parametrize("path", ADMIN_PAGES)
async def test_admin_page_as_non_admin_is_forbidden(signed_in: Web, path: str) -> None:
    response = await signed_in.client.get(path)

    assert response.status_code == 403


@pytest.mark.anyio
async def test_end_session_as_non_admin_is_forbidden_and_keeps_lock(signed_in: Web) -> None:
    file = await signed_in.upload("locked.docx", b"x")
    await signed_in.lock_as(file, signed_in.bob)

    response = await signed_in.post(f"/admin/sessions/{file.id}/end")

    assert response.status_code == 403
    assert await lock_id(signed_in, file) == "lock-1"


@pytest.mark.anyio
@pytest.mark.parametrize("path", ADMIN_PAGES)
async def test_admin_page_as_admin_shows_navigation(signed_in: Web, path: str) -> None:
    await sign_in_admin(signed_in)

    page = await signed_in.client.get(path)

    assert page.status_code == 200
    assert f'href="{path}" aria-current="page"' in page.text
    assert all(f'href="{p}"' in page.text for p in ("/admin/users", *ADMIN_PAGES))


@pytest.mark.anyio
async def test_wopi_error_bad_token_is_recorded_without_the_token(signed_in: Web) -> None:
    file = await signed_in.upload("a.docx", b"x")
    bad = token_for(signed_in, signed_in.alice, file)[:-4] + "AAAA"

    status = await wopi(signed_in, file.id, bad)

    rows = raw_rows(signed_in)
    assert status == 401
    assert len(rows) == 1
    row = rows[0]
    assert (row["status"], row["operation"], row["file_id"]) == (401, "CheckFileInfo", file.id)
    assert (row["correlation_id"], row["session_id"], row["user_agent"]) == (
        CORRELATION,
        SESSION,
        "TestClient/1.0",
    )
    assert row["user_id"] is None
    assert all(bad not in str(v) and bad[:20] not in str(v) for v in row.values())
    assert all("access_token" not in str(v) for v in row.values())


@pytest.mark.anyio
async def test_wopi_error_lock_conflict_is_recorded_with_user_and_reason(signed_in: Web) -> None:
    file = await signed_in.upload("b.docx", b"x")
    await signed_in.lock_as(file, signed_in.alice, "lock-A")
    await signed_in.share(file, signed_in.bob, Role.EDIT)

    status = await wopi(signed_in, file.id, token_for(signed_in, signed_in.bob, file), "LOCK", Lock="lock-B")

    rows = raw_rows(signed_in)
    assert status == 409
    assert [(r["status"], r["operation"], r["user_id"]) for r in rows] == [(409, "Lock", signed_in.bob.id)]
    assert rows[0]["correlation_id"] == CORRELATION
    assert rows[0]["session_id"] == SESSION


@pytest.mark.anyio
async def test_wopi_error_unknown_file_is_recorded_as_404(signed_in: Web) -> None:
    token = signed_in.services.tokens.issue(signed_in.alice.id, "f" * 32).token

    status = await wopi(signed_in, "f" * 32, token)

    rows = raw_rows(signed_in)
    assert status == 404
    assert [(r["status"], r["file_id"], r["correlation_id"]) for r in rows] == [(404, "f" * 32, CORRELATION)]


@pytest.mark.anyio
async def test_wopi_success_is_not_recorded(signed_in: Web) -> None:
    file = await signed_in.upload("d.docx", b"x")

    status = await wopi(signed_in, file.id, token_for(signed_in, signed_in.alice, file))

    assert status == 200
    assert raw_rows(signed_in) == []


@pytest.mark.anyio
async def test_errors_page_search_filters_by_correlation_user_and_status(signed_in: Web) -> None:
    file = await signed_in.upload("e.docx", b"x")
    await signed_in.lock_as(file, signed_in.alice, "lock-A")
    await signed_in.share(file, signed_in.bob, Role.EDIT)
    await wopi(signed_in, file.id, token_for(signed_in, signed_in.bob, file), "LOCK", Lock="lock-B")
    other = {"X-WOPI-CorrelationId": "other-correlation"}
    await signed_in.client.get(f"/wopi/files/{file.id}", params={"access_token": "nope"}, headers=other)
    await signed_in.services.wopi_errors.flush()
    await sign_in_admin(signed_in)

    by_correlation = await signed_in.client.get("/admin/errors", params={"correlation": CORRELATION})
    by_session = await signed_in.client.get("/admin/errors", params={"session": SESSION})
    by_user = await signed_in.client.get("/admin/errors", params={"user": "bob"})
    by_nobody = await signed_in.client.get("/admin/errors", params={"user": "nobody"})
    server_errors = await signed_in.client.get("/admin/errors", params={"status": "5xx"})
    client_errors = await signed_in.client.get("/admin/errors", params={"status": "4xx", "operation": "Lock"})
    everything = await signed_in.client.get("/admin/errors")
    bad_status = await signed_in.client.get("/admin/errors", params={"status": "3xx"})

    assert by_correlation.text.count("data-error-id") == 1
    assert 'data-correlation-id="' + CORRELATION in by_correlation.text
    assert by_session.text.count("data-error-id") == 1
    assert by_user.text.count("data-error-id") == 1
    assert "Bob Brown" in by_user.text
    assert by_nobody.text.count("data-error-id") == 0
    assert server_errors.text.count("data-error-id") == 0
    assert client_errors.text.count("data-error-id") == 1
    assert everything.text.count("data-error-id") == 2
    assert bad_status.status_code == 400
    assert "nope" not in everything.text


@pytest.mark.anyio
async def test_errors_page_paginates(signed_in: Web) -> None:
    for _ in range(51):
        await signed_in.client.get("/wopi/files/" + "a" * 32, params={"access_token": "x"})
    await signed_in.services.wopi_errors.flush()
    await sign_in_admin(signed_in)

    first = await signed_in.client.get("/admin/errors", params={"status": "4xx"})
    second = await signed_in.client.get("/admin/errors", params={"status": "4xx", "page": "2"})

    assert first.text.count("data-error-id") == 50
    assert "Page 1 of 2" in first.text
    assert 'href="?status=4xx&amp;page=2"' in first.text
    assert second.text.count("data-error-id") == 1


@pytest.mark.anyio
async def test_error_retention_purge_removes_old_rows_only(web: Web) -> None:
    await web.client.get("/wopi/files/" + "a" * 32, params={"access_token": "x"})
    await web.services.wopi_errors.flush()
    web.clock.advance(timedelta(days=13))
    await web.client.get("/wopi/files/" + "b" * 32, params={"access_token": "x"})
    await web.services.wopi_errors.flush()
    web.clock.advance(timedelta(days=2))

    purged = await web.services.wopi_errors.purge()

    assert purged == 1
    assert [r["file_id"] for r in raw_rows(web)] == ["b" * 32]


@pytest.mark.anyio
async def test_sessions_page_lists_lock_and_admin_ends_it_with_audit(signed_in: Web) -> None:
    file = await signed_in.upload("shared.docx", b"x")
    await signed_in.lock_as(file, signed_in.bob)
    admin = await sign_in_admin(signed_in)

    page = await signed_in.client.get("/admin/sessions")
    confirm = await signed_in.client.get(f"/admin/sessions/{file.id}/end")
    ended = await signed_in.post(f"/admin/sessions/{file.id}/end")
    after = await signed_in.client.get("/admin/sessions")

    assert f'data-file-id="{file.id}"' in page.text
    assert "Bob Brown" in page.text
    assert "shared.docx" in confirm.text
    assert ended.status_code == 303
    assert ended.headers["location"] == "/admin/sessions"
    assert await lock_id(signed_in, file) is None
    assert f'data-file-id="{file.id}"' not in after.text
    assert "Ended the editing session." in after.text
    events = await signed_in.services.audit.file_activity(admin, file.id)
    ended_events = [e for e in events[1].events if e.action is AuditAction.SESSION_ENDED]
    assert [(e.user_id, e.detail) for e in ended_events] == [(admin.id, signed_in.bob.id)]


@pytest.mark.anyio
async def test_activity_page_lists_each_users_latest_events(signed_in: Web) -> None:
    file = await signed_in.upload("notes.docx", b"x")
    await signed_in.lock_as(file, signed_in.bob)
    await sign_in_admin(signed_in)
    await signed_in.post(f"/admin/sessions/{file.id}/end")

    page = await signed_in.client.get("/admin/activity")

    assert page.status_code == 200
    assert f'href="/files/{file.id}/activity"' in page.text
    assert "Root Admin" in page.text
    assert "notes.docx" in page.text


@pytest.mark.anyio
async def test_storage_page_counts_bytes_exactly(signed_in: Web) -> None:
    empty = await signed_in.upload("grow.docx", b"")
    token = token_for(signed_in, signed_in.alice, empty)
    put = await signed_in.client.post(
        f"/wopi/files/{empty.id}/contents",
        params={"access_token": token},
        headers={"X-WOPI-Override": "PUT"},
        content=b"y" * 100,
    )
    await signed_in.upload("fixed.docx", b"z" * 50)
    gone = await signed_in.upload("gone.docx", b"w" * 30)
    await signed_in.services.files.delete(await signed_in.services.files.access_as_owner(gone.id))
    await signed_in.upload("bobs.docx", b"b" * 7, owner=signed_in.bob)
    await sign_in_admin(signed_in)

    page = await signed_in.client.get("/admin/storage")

    assert put.status_code == 200
    alice = (
        f'data-user-id="{signed_in.alice.id}" data-files="2" data-current-bytes="150" '
        'data-version-bytes="150" data-trash-bytes="30"'
    )
    bob = (
        f'data-user-id="{signed_in.bob.id}" data-files="1" data-current-bytes="7" '
        'data-version-bytes="7" data-trash-bytes="0"'
    )
    assert alice in page.text
    assert bob in page.text
    assert 'data-retention="0"' in page.text


@pytest.mark.anyio
async def test_readiness_run_checks_shows_last_result_and_dossier(signed_in: Web) -> None:
    runs: list[int] = []

    async def checks() -> tuple[bool, str]:
        runs.append(1)
        return False, "<!doctype html><title>Dossier</title><p>validator: failed</p>"

    signed_in.services.readiness.use(checks)
    forbidden = await signed_in.post("/admin/readiness")
    await sign_in_admin(signed_in)

    before = await signed_in.client.get("/admin/readiness")
    started = await signed_in.post("/admin/readiness")
    after = await signed_in.client.get("/admin/readiness")
    dossier = await signed_in.client.get("/admin/readiness/dossier")

    assert forbidden.status_code == 403
    assert 'data-readiness="none"' in before.text
    assert started.status_code == 303
    assert runs == [1]
    assert 'data-readiness="not-ready"' in after.text
    assert dossier.text.endswith("<p>validator: failed</p>")
    assert "default-src 'none'" in dossier.headers["content-security-policy"]


@pytest.mark.anyio
async def test_readiness_second_start_while_running_is_refused(signed_in: Web) -> None:
    admin = await sign_in_admin(signed_in)
    runs = signed_in.services.readiness
    assert runs.start(admin) is True

    again = await signed_in.post("/admin/readiness")
    page = await signed_in.client.get("/admin/readiness")

    assert again.status_code == 303
    assert "The checks are running already." in page.text
    assert 'data-readiness="running"' in page.text


@pytest.mark.anyio
async def test_readiness_run_that_breaks_is_shown_as_failed(signed_in: Web) -> None:
    async def checks() -> tuple[bool, str]:
        raise ConnectionError("the validator is gone")

    signed_in.services.readiness.use(checks)
    await sign_in_admin(signed_in)

    await signed_in.post("/admin/readiness")
    page = await signed_in.client.get("/admin/readiness")
    dossier = await signed_in.client.get("/admin/readiness/dossier")

    assert 'data-readiness="failed"' in page.text
    assert "ConnectionError" in page.text
    assert dossier.status_code == 404
