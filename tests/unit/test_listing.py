"""Ordering and filtering file lists: natural name order, sort keys, type categories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wopihost.domain.listing import (
    ListingPreference,
    SortKey,
    TypeFilter,
    category,
    natural_key,
    order_files,
    order_folders,
)
from wopihost.domain.records import FileRecord, Folder
from wopihost.errors import InvalidRequest
from wopihost.web.listing import Listing

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def file(name: str, *, size: int = 1, age: int = 0) -> FileRecord:
    return FileRecord(
        id=name, folder_id="f", owner_id="o", name=name, size=size, sha256="", version=1, blob_key=name,
        created_at=T0, modified_at=T0 - timedelta(days=age), modified_by=None, lock=None,
    )  # fmt: skip


def names(files: list[FileRecord]) -> list[str]:
    return [f.name for f in files]


def test_natural_key_numbers_compare_as_numbers_case_and_accents_aside() -> None:
    given = ["File 10.docx", "file 2.docx", "File 1.docx", "Été.docx", "ete 3.docx", "b.docx"]
    assert sorted(given, key=natural_key) == [
        "b.docx", "ete 3.docx", "Été.docx", "File 1.docx", "file 2.docx", "File 10.docx",
    ]  # fmt: skip


def test_order_files_by_name_descending_reverses_natural_order() -> None:
    files = [file("File 10.txt"), file("File 2.txt"), file("File 1.txt")]
    pref = ListingPreference(SortKey.NAME, descending=True)
    assert names(order_files(files, pref)) == ["File 10.txt", "File 2.txt", "File 1.txt"]


@pytest.mark.parametrize(
    ("key", "descending", "expected"),
    [
        (SortKey.SIZE, False, ["small.txt", "a2.txt", "a10.txt", "big.txt"]),
        (SortKey.SIZE, True, ["big.txt", "a2.txt", "a10.txt", "small.txt"]),
        (SortKey.MODIFIED, True, ["small.txt", "a2.txt", "a10.txt", "big.txt"]),
        (SortKey.TYPE, False, ["c.docx", "a2.txt", "a10.txt", "big.txt"]),
    ],
)
def test_order_files_by_key_breaks_ties_by_natural_name(
    key: SortKey, descending: bool, expected: list[str]
) -> None:
    files = [file("big.txt", size=9, age=3), file("a10.txt", size=5, age=1), file("a2.txt", size=5, age=1)]
    files.append(file("small.txt", size=1, age=0))
    if key is SortKey.TYPE:
        files = [*files[:3], file("c.docx")]
    assert names(order_files(files, ListingPreference(key, descending=descending))) == expected


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.DOCX", TypeFilter.DOCUMENTS),
        ("b.odt", TypeFilter.DOCUMENTS),
        ("c.xlsx", TypeFilter.SPREADSHEETS),
        ("d.csv", TypeFilter.SPREADSHEETS),
        ("e.pptx", TypeFilter.PRESENTATIONS),
        ("f.pdf", TypeFilter.PDFS),
        ("g.png", TypeFilter.OTHER),
        ("no extension", TypeFilter.OTHER),
    ],
)
def test_category_of_name_follows_extension(name: str, kind: TypeFilter) -> None:
    assert category(name) is kind


def test_order_files_with_type_and_name_filter_keeps_only_matches() -> None:
    files = [file("Budget 2026.xlsx"), file("budget.docx"), file("Plan.xlsx"), file("Budget.pdf")]
    pref = ListingPreference(type_filter=TypeFilter.SPREADSHEETS)
    assert names(order_files(files, pref, name_filter="BUDGET")) == ["Budget 2026.xlsx"]
    assert names(order_files(files, ListingPreference(), name_filter="budget")) == [
        "Budget 2026.xlsx", "budget.docx", "Budget.pdf",
    ]  # fmt: skip


def test_order_folders_follow_name_direction_only_when_sorting_by_name() -> None:
    folders = [Folder(n, "o", "r", n) for n in ("Q10", "Q2", "Q1")]
    by_size = ListingPreference(SortKey.SIZE, descending=True)
    by_name = ListingPreference(SortKey.NAME, descending=True)
    assert [f.name for f in order_folders(folders, by_size)] == ["Q1", "Q2", "Q10"]
    assert [f.name for f in order_folders(folders, by_name)] == ["Q10", "Q2", "Q1"]
    assert [f.name for f in order_folders(folders, by_name, name_filter="q1")] == ["Q10", "Q1"]


@pytest.mark.parametrize(
    ("sort", "direction", "kind"), [("colour", "asc", "all"), ("name", "up", "all"), ("name", "asc", "x")]
)
def test_parse_preference_with_unknown_value_raises_invalid_request(
    sort: str, direction: str, kind: str
) -> None:
    with pytest.raises(InvalidRequest):
        ListingPreference.parse(sort, direction, kind)


def test_parse_preference_reads_form_values() -> None:
    parsed = ListingPreference.parse("size", "desc", "pdfs")
    assert parsed == ListingPreference(SortKey.SIZE, descending=True, type_filter=TypeFilter.PDFS)
    assert parsed.direction == "desc"


def test_column_header_toggles_sorted_column_and_starts_others_sensibly() -> None:
    listing = Listing(ListingPreference(SortKey.NAME), "", "/folders/x")
    name, size, modified = listing.column("name"), listing.column("size"), listing.column("modified")
    assert (name.aria_sort, name.next_direction) == ("ascending", "desc")
    assert (size.aria_sort, size.next_direction, size.active) == ("none", "desc", False)
    assert (modified.next_direction, listing.column("type").next_direction) == ("desc", "asc")
    descending = Listing(ListingPreference(SortKey.SIZE, descending=True), "a b", "/shared")
    assert (descending.column("size").aria_sort, descending.column("size").next_direction) == (
        "descending",
        "asc",
    )
    assert descending.return_to == "/shared?q=a+b"
    assert descending.filtering
    assert not listing.filtering
