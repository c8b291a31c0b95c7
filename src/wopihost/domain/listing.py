"""How a file list is ordered and filtered: sort keys, natural name order, type categories."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from wopihost.domain.names import split_extension
from wopihost.domain.records import FileRecord, Folder
from wopihost.errors import InvalidRequest


class SortKey(StrEnum):
    """What the list is ordered by."""

    NAME = "name"
    MODIFIED = "modified"
    SIZE = "size"
    TYPE = "type"


class TypeFilter(StrEnum):
    """Which kinds of file the list shows."""

    ALL = "all"
    DOCUMENTS = "documents"
    SPREADSHEETS = "spreadsheets"
    PRESENTATIONS = "presentations"
    PDFS = "pdfs"
    OTHER = "other"


_CATEGORIES: dict[TypeFilter, frozenset[str]] = {
    TypeFilter.DOCUMENTS: frozenset(
        {"doc", "docx", "docm", "dot", "dotx", "dotm", "odt", "ott", "rtf", "txt", "md", "wpd"}
    ),
    TypeFilter.SPREADSHEETS: frozenset(
        {"xls", "xlsx", "xlsm", "xlsb", "xlt", "xltx", "xltm", "ods", "ots", "csv", "tsv"}
    ),
    TypeFilter.PRESENTATIONS: frozenset(
        {"ppt", "pptx", "pptm", "pps", "ppsx", "ppsm", "pot", "potx", "potm", "odp", "otp"}
    ),
    TypeFilter.PDFS: frozenset({"pdf"}),
}


@dataclass(frozen=True, slots=True)
class ListingPreference:
    """A user's choice of order and type filter, remembered across browsers."""

    sort: SortKey = SortKey.NAME
    descending: bool = False
    type_filter: TypeFilter = TypeFilter.ALL

    @classmethod
    def parse(cls, sort: str, direction: str, type_filter: str) -> ListingPreference:
        """Build a preference from form values; InvalidRequest names the first value not understood."""
        try:
            key = SortKey(sort)
        except ValueError:
            raise InvalidRequest(f"sort must be one of {', '.join(SortKey)}") from None
        if direction not in ("asc", "desc"):
            raise InvalidRequest("dir must be asc or desc")
        try:
            kind = TypeFilter(type_filter)
        except ValueError:
            raise InvalidRequest(f"type must be one of {', '.join(TypeFilter)}") from None
        return cls(sort=key, descending=direction == "desc", type_filter=kind)

    @property
    def direction(self) -> str:
        return "desc" if self.descending else "asc"


_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """A key that orders names as people count: "File 2" before "File 10", case and accents aside."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    # Digit runs compare as numbers; (0, n) sorts before (1, text) so that "2" < "a" as in most file managers.
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(plain) if part)


def category(name: str) -> TypeFilter:
    """The type filter a file name falls under (never ALL)."""
    extension = split_extension(name)[1].lstrip(".").lower()
    for kind, extensions in _CATEGORIES.items():
        if extension in extensions:
            return kind
    return TypeFilter.OTHER


def _matches(name: str, text: str) -> bool:
    return not text or text.casefold() in name.casefold()


def order_files(
    files: Sequence[FileRecord], preference: ListingPreference, *, name_filter: str = ""
) -> list[FileRecord]:
    """The files the preference and name filter show, in its order; ties fall back to natural name order."""
    kept = [
        file
        for file in files
        if _matches(file.name, name_filter)
        and preference.type_filter in (TypeFilter.ALL, category(file.name))
    ]
    kept.sort(key=lambda file: natural_key(file.name))
    if preference.sort is SortKey.MODIFIED:
        kept.sort(key=lambda file: file.modified_at, reverse=preference.descending)
    elif preference.sort is SortKey.SIZE:
        kept.sort(key=lambda file: file.size, reverse=preference.descending)
    elif preference.sort is SortKey.TYPE:
        kept.sort(key=lambda file: split_extension(file.name)[1].lower(), reverse=preference.descending)
    elif preference.descending:
        kept.reverse()
    return kept


def order_folders(
    folders: Sequence[Folder], preference: ListingPreference, *, name_filter: str = ""
) -> list[Folder]:
    """Folders by natural name order (reversed when sorting by name descending); they list before files."""
    kept = [folder for folder in folders if _matches(folder.name, name_filter)]
    kept.sort(key=lambda folder: natural_key(folder.name))
    if preference.sort is SortKey.NAME and preference.descending:
        kept.reverse()
    return kept
