"""`wopihost activity list --user U [--unread] [--json]`, through CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import anyio

from tests.integration.test_cli import data_dir, isolated_logging, out, run
from wopihost.app import build_services
from wopihost.config import load_settings
from wopihost.domain.activities import parse_request

__all__ = ["data_dir", "isolated_logging"]


def comment(n: int, text: str, mentioned: str, content: str) -> dict[str, object]:
    return {
        "Type": "comment",
        "Id": f"00000000-0000-0000-0000-00000000000{n}",
        "Data": {
            "ContentId": content,
            "ContentAction": "created",
            "CommentText": text,
            "NavigationId": "nav",
        },
        "People": [{"Name": mentioned, "Mentioned": True}],
    }


def mention_bob(data_dir: Path, file_id: str) -> None:
    """alice comments twice in her report, mentioning bob; bob opens the first notification."""

    async def work() -> None:
        services = build_services(load_settings(data_dir=data_dir))
        try:
            access = await services.files.access_as_owner(file_id)
            body = {
                "Activities": [comment(1, "first @bob", "bob", "c1"), comment(2, "second @bob", "bob", "c2")]
            }
            await services.activities.add_activities(access, parse_request(body))
            bob = await services.users.get_user_by_name("bob")
            first = (await services.activities.notifications(bob))[-1]
            await services.activities.open_notification(bob, first.notification.id)
        finally:
            await services.aclose()

    anyio.run(work)


def test_activity_list_shows_mentions_of_files_the_user_can_open(data_dir: Path, tmp_path: Path) -> None:
    run(data_dir, "user", "add", "alice", "--name", "Alice Example")
    run(data_dir, "user", "add", "bob")
    local = tmp_path / "report.docx"
    local.write_bytes(b"report")
    file_id = out(run(data_dir, "file", "put", str(local), "--owner", "alice", "--to", "/report.docx"))
    run(data_dir, "share", file_id, "--with", "bob", "--role", "view")
    mention_bob(data_dir, file_id)

    lines = [
        line.split("\t") for line in out(run(data_dir, "activity", "list", "--user", "bob")).splitlines()
    ]
    assert [(f[2], f[3], f[4], f[5], f[6]) for f in lines] == [
        ("unread", "Alice Example", file_id, "report.docx", "second @bob"),
        ("read", "Alice Example", file_id, "report.docx", "first @bob"),
    ]
    unread = out(run(data_dir, "activity", "list", "--user", "bob", "--unread", "--json")).splitlines()
    assert [json.loads(line)["excerpt"] for line in unread] == ["second @bob"]
    assert json.loads(unread[0])["navigation_id"] == "nav"

    run(data_dir, "unshare", file_id, "--with", "bob")
    assert out(run(data_dir, "activity", "list", "--user", "bob")) == ""
    assert out(run(data_dir, "activity", "list", "--user", "alice")) == ""
    assert run(data_dir, "activity", "list", "--user", "nobody", ok=False).exit_code != 0
