"""The sortable, filterable file list: column headers with aria-sort, and the type filter's choices."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from wopihost.domain.listing import ListingPreference, SortKey, TypeFilter
from wopihost.domain.locales import N_

# The longest name filter kept; a longer one is cut (it could match nothing anyway).
MAX_NAME_FILTER = 255

TYPE_LABELS: dict[TypeFilter, str] = {
    TypeFilter.ALL: N_("All types"),
    TypeFilter.DOCUMENTS: N_("Documents"),
    TypeFilter.SPREADSHEETS: N_("Spreadsheets"),
    TypeFilter.PRESENTATIONS: N_("Presentations"),
    TypeFilter.PDFS: N_("PDFs"),
    TypeFilter.OTHER: N_("Other"),
}

_COLUMN_LABELS: dict[SortKey, str] = {
    SortKey.NAME: N_("Name"),
    SortKey.MODIFIED: N_("Modified"),
    SortKey.SIZE: N_("Size"),
    SortKey.TYPE: N_("Type"),
}


@dataclass(frozen=True, slots=True)
class SortColumn:
    """A sortable column header: its label, aria-sort value, and the direction a click asks for."""

    key: str
    label: str
    aria_sort: str
    next_direction: str

    @property
    def active(self) -> bool:
        return self.aria_sort != "none"


@dataclass(frozen=True, slots=True)
class Listing:
    """What the list's header and filter bar show."""

    preference: ListingPreference
    name_filter: str
    here: str

    def column(self, key: str) -> SortColumn:
        """The header of one column; clicking the sorted column turns its direction around."""
        sort = SortKey(key)
        pref = self.preference
        if pref.sort is sort:
            aria = "descending" if pref.descending else "ascending"
            return SortColumn(key, _COLUMN_LABELS[sort], aria, "asc" if pref.descending else "desc")
        # Newest and largest first is what people want on a first click of those columns.
        first = "desc" if sort in (SortKey.MODIFIED, SortKey.SIZE) else "asc"
        return SortColumn(key, _COLUMN_LABELS[sort], "none", first)

    @property
    def type_choices(self) -> list[tuple[str, str, bool]]:
        """(value, label, selected) of each type filter choice."""
        chosen = self.preference.type_filter
        return [(kind.value, label, kind is chosen) for kind, label in TYPE_LABELS.items()]

    @property
    def return_to(self) -> str:
        """This page's address with its name filter, where forms of the list come back to."""
        return f"{self.here}?{urlencode({'q': self.name_filter})}" if self.name_filter else self.here

    @property
    def filtering(self) -> bool:
        """Whether the list may hide items (a type filter or a name filter is on)."""
        return bool(self.name_filter) or self.preference.type_filter is not TypeFilter.ALL


def name_filter(raw: str | None) -> str:
    """The name filter from the query string, trimmed."""
    return (raw or "").strip()[:MAX_NAME_FILTER]
