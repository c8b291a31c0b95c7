"""The page script's PostMessages in Office's and Collabora's dialects, run in Node with a stand-in DOM."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from wopihost.devclient.catalog import APPS_BY_NAME
from wopihost.devclient.documents.model import Block, TextModel
from wopihost.devclient.fileinfo import FileInfo
from wopihost.devclient.pages import LaunchParams, Page, boot_data

NODE = shutil.which("node")
SCRIPT = Path(__file__).resolve().parents[2] / "src" / "wopihost" / "devclient" / "static" / "devclient.js"
RUNNER = Path(__file__).resolve().parent / "js" / "postmessage_runner.js"
ORIGIN = "http://host.test"
# Skipped where Node is missing, except in CI, which must run it.
pytestmark = pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason="node is not installed")


def _run(
    client: str,
    info: dict[str, object],
    *steps: str,
    fetch_json: str = "{}",
    buttons: dict[str, bool] | None = None,
    fetched: list[dict[str, str]] | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    page = Page("pid", "view", APPS_BY_NAME["Word"], LaunchParams("http://h/wopi/files/1", "t", 0), 0.0)
    page.info = FileInfo({"PostMessageOrigin": ORIGIN, "BaseFileName": "a.pdf", **info})
    page.model = TextModel("word", (Block("p0", "text"),))
    boot = boot_data(page, poll_ms=1000, edit_notification_ms=1000, client=client)
    boot["buttons"].update(buttons or {})
    assert NODE is not None
    result = subprocess.run(
        [NODE, str(RUNNER), str(SCRIPT), orjson.dumps(boot).decode(), *steps],
        capture_output=True,
        check=True,
        timeout=30,
        env={**os.environ, "FETCH_JSON": fetch_json},
    )
    output = orjson.loads(result.stdout)
    assert all(sent["origin"] == ORIGIN for sent in output["sent"])
    if fetched is not None:
        fetched.extend(output["fetched"])
    return output["beforeReady"], [sent["message"] for sent in output["sent"]]


def test_collabora_frame_sends_frame_ready_before_the_host_is_ready_then_document_loaded() -> None:
    before_ready, messages = _run("collabora", {})

    assert before_ready == 1
    assert [(m["MessageId"], m["Values"].get("Status")) for m in messages] == [
        ("App_LoadingStatus", "Frame_Ready"),
        ("App_LoadingStatus", "Document_Loaded"),
    ]
    assert "DocumentLoadedTime" in messages[1]["Values"]
    assert "wdUserSession" not in messages[1]["Values"], "Office's own values are not Collabora's"


def test_office_frame_sends_one_loading_status_after_the_host_is_ready() -> None:
    before_ready, messages = _run("office", {})

    assert before_ready == 0
    assert [m["MessageId"] for m in messages] == ["App_LoadingStatus"]
    assert set(messages[0]["Values"]) == {"DocumentLoadedTime", "wdUserSession", "ui-language"}


def test_collabora_share_button_sends_ui_share_when_the_host_enables_sharing() -> None:
    _, messages = _run("collabora", {"EnableShare": True}, "click:btn-share")

    assert messages[-1]["MessageId"] == "UI_Share"


def test_office_share_button_sends_ui_sharing() -> None:
    _, messages = _run("office", {"FileSharingPostMessage": True}, "click:btn-share")

    assert messages[-1]["MessageId"] == "UI_Sharing"


def _action_save_as(name: str) -> str:
    message = {"MessageId": "Action_SaveAs", "SendTime": 1, "Values": {"Filename": name, "Notify": True}}
    return "message:" + orjson.dumps(message).decode()


def test_collabora_saves_a_copy_on_action_save_as_and_answers_action_save_resp() -> None:
    _, messages = _run("collabora", {}, _action_save_as("copy.docx"), fetch_json='{"name": "copy.docx"}')

    assert messages[-1] == {
        "MessageId": "Action_Save_Resp",
        "SendTime": messages[-1]["SendTime"],
        "Values": {"success": True, "fileName": "copy.docx"},
    }


def test_collabora_reports_a_failed_save_as_in_action_save_resp() -> None:
    _, messages = _run("collabora", {}, _action_save_as("copy.docx"), fetch_json='{"error": "409"}')

    assert messages[-1]["Values"] == {"success": False, "result": "409"}


def test_office_frame_ignores_action_save_as() -> None:
    _, messages = _run("office", {}, _action_save_as("copy.docx"), fetch_json='{"name": "copy.docx"}')

    assert [m["MessageId"] for m in messages] == ["App_LoadingStatus"]


def _elements(client: str, info: dict[str, object]) -> dict[str, str]:
    page = Page("pid", "view", APPS_BY_NAME["Word"], LaunchParams("http://h/wopi/files/1", "t", 0), 0.0)
    page.info = FileInfo({"PostMessageOrigin": ORIGIN, "BaseFileName": "a.docx", **info})
    page.model = TextModel("word", (Block("p0", "text"),))
    boot = boot_data(page, poll_ms=1000, edit_notification_ms=1000, client=client)
    assert NODE is not None
    result = subprocess.run(
        [NODE, str(RUNNER), str(SCRIPT), orjson.dumps(boot).decode()],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return {element["id"]: element["text"] for element in orjson.loads(result.stdout)["elements"]}


def test_collabora_pages_show_the_hosts_watermark() -> None:
    assert (
        _elements("collabora", {"WatermarkText": "Alice - confidential"})["watermark"]
        == "Alice - confidential"
    )
    assert "watermark" not in _elements("collabora", {})
    assert "watermark" not in _elements("office", {"WatermarkText": "x"}), "Office has no watermark"


def test_collabora_insert_image_button_asks_the_host_with_ui_insert_graphic() -> None:
    _, messages = _run("collabora", {}, "click:btn-insertimage", buttons={"insertImage": True})

    assert messages[-1]["MessageId"] == "UI_InsertGraphic"


def test_collabora_downloads_the_image_of_action_insert_graphic_through_its_server() -> None:
    message = {"MessageId": "Action_InsertGraphic", "Values": {"url": "http://h/img/1", "filename": "p.png"}}
    fetched: list[dict[str, str]] = []

    _run("collabora", {}, "message:" + orjson.dumps(message).decode(), fetched=fetched)

    assert fetched == [
        {"url": "/api/p/pid/insertgraphic", "body": '{"url":"http://h/img/1","filename":"p.png"}'}
    ]
