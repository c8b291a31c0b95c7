"""Share-link rules without I/O: anonymous rights, visitor names and IDs, link expiry, and the labels of
the sharing indicator and the naming of new documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wopihost.domain.links import (
    ShareLink,
    is_link_visitor,
    is_visitor_id,
    link_role,
    looks_like_link_id,
    new_link_id,
    new_visitor_key,
    visitor_id,
    visitor_name,
)
from wopihost.domain.permissions import Role, permissions_for
from wopihost.errors import InvalidRequest
from wopihost.ports import SharingSummary
from wopihost.web.routes.files import new_document_name
from wopihost.web.routes.links import expiry_label, expiry_of
from wopihost.web.views import sharing_label

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize("role", [Role.VIEW, Role.EDIT])
def test_permissions_for_anonymous_never_rename_delete_share_or_save_copies(role: Role) -> None:
    rights = permissions_for(role, anonymous=True)
    assert (rights.can_rename, rights.can_delete, rights.can_share, rights.can_create_relative) == (
        False,
        False,
        False,
        False,
    )
    assert rights.can_write == (role is Role.EDIT)
    assert rights.can_read


def test_link_role_only_view_or_edit() -> None:
    assert link_role("edit") is Role.EDIT
    for value in ("owner", "view-no-download", ""):
        with pytest.raises(InvalidRequest):
            link_role(value)


def test_new_link_id_unguessable_shape() -> None:
    ids = {new_link_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(looks_like_link_id(link_id) for link_id in ids)
    assert not looks_like_link_id("../etc/passwd")


def test_visitor_id_never_an_account_id_and_names_its_link() -> None:
    link_id, other = new_link_id(), new_link_id()
    user_id = visitor_id(link_id, new_visitor_key())
    assert is_visitor_id(user_id)
    assert len(user_id) <= 32
    assert link_id not in user_id
    assert is_link_visitor(user_id, link_id)
    assert not is_link_visitor(user_id, other)
    assert not is_visitor_id("abcdefghijklmnopqrstuvwx")


@pytest.mark.parametrize(("typed", "kept"), [("  Gina   B ", "Gina B"), ("Zoë", "Zoë")])
def test_visitor_name_trimmed(typed: str, kept: str) -> None:
    assert visitor_name(typed) == kept


@pytest.mark.parametrize("typed", ["", "   ", "x" * 65, "bell\x07"])
def test_visitor_name_bad_refused(typed: str) -> None:
    with pytest.raises(InvalidRequest):
        visitor_name(typed)


def test_share_link_active_until_expiry() -> None:
    link = ShareLink("x", "f", Role.VIEW, NOW, "o", expires_at=NOW + timedelta(hours=1))
    assert link.is_active(NOW)
    assert not link.is_active(NOW + timedelta(hours=1))
    assert ShareLink("x", "f", Role.VIEW, NOW, "o").is_active(NOW + timedelta(days=9999))


def test_expiry_of_date_ends_with_that_day() -> None:
    expires = expiry_of("2030-01-31")
    assert expires == datetime(2030, 2, 1, tzinfo=UTC)
    assert expiry_label(expires) == "Expires after Jan 31, 2030 (UTC)"
    assert expiry_of("  ") is None
    with pytest.raises(InvalidRequest):
        expiry_of("31/01/2030")


@pytest.mark.parametrize(
    ("people", "links", "label"),
    [
        (0, 0, ""),
        (1, 0, "Shared with 1 person"),
        (3, 0, "Shared with 3 people"),
        (0, 2, "Shared by link"),
        (2, 1, "Shared with 2 people and by link"),
    ],
)
def test_sharing_label(people: int, links: int, label: str) -> None:
    assert sharing_label(SharingSummary(people=people, links=links)) == label


@pytest.mark.parametrize(
    ("typed", "name"),
    [("Minutes", "Minutes.docx"), ("Minutes.DOCX", "Minutes.DOCX"), ("Notes.txt", "Notes.txt.docx")],
)
def test_new_document_name_keeps_extension(typed: str, name: str) -> None:
    assert new_document_name(typed, "docx") == name
