"""How the trash speaks to people: the retention period and what a restore did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wopihost.domain.trash import Restored, TrashItem, TrashKind
from wopihost.web.routes.trash import restored_message
from wopihost.web.views import retention_text


@pytest.mark.parametrize(
    ("retention", "text"),
    [
        (timedelta(days=30), "30 days"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=12), "12 hours"),
        (timedelta(days=1.5), "36 hours"),
        (timedelta(minutes=1), "1 hour"),
    ],
)
def test_retention_text_whole_days_else_hours(retention: timedelta, text: str) -> None:
    assert retention_text(retention) == text


def _restored(kind: TrashKind, name: str, *, to_root: bool) -> Restored:
    item = TrashItem(
        id="item",
        owner_id="owner",
        kind=kind,
        name="Report.docx" if kind is TrashKind.FILE else "Reports",
        folder_id="folder",
        deleted_at=datetime(2026, 1, 1, tzinfo=UTC),
        deleted_by=None,
        files=1,
        folders=0,
        size=1,
        stored_bytes=1,
    )
    return Restored(item=item, name=name, folder_id="root" if to_root else "folder", to_root=to_root)


@pytest.mark.parametrize(
    ("restored", "message"),
    [
        (_restored(TrashKind.FILE, "Report.docx", to_root=False), "Restored “Report.docx”."),
        (_restored(TrashKind.FOLDER, "Reports", to_root=False), "Restored the folder “Reports”."),
        (
            _restored(TrashKind.FILE, "Report (2).docx", to_root=True),
            "Restored “Report.docx” as “Report (2).docx”, since the name was taken, to My files, since its"
            " folder is no longer there.",
        ),
    ],
)
def test_restored_message_names_new_name_and_place(restored: Restored, message: str) -> None:
    assert restored_message(restored) == message
