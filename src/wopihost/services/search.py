"""Search for people: names as they type, and the text of their documents, among what they may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from wopihost.domain.permissions import Role
from wopihost.domain.records import User
from wopihost.domain.search import SnippetPart, normalise_query
from wopihost.ports import AccessQueries, Catalog, NameMatch, SearchIndex, TextMatch, UserStore

# Suggestions under the search box; the results page shows more.
SUGGESTIONS = 20
MAX_RESULTS = 200


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A file or folder found, with where it is: a path ("/Reports/2024") or "Shared by Alice"."""

    kind: str  # "file" or "folder"
    id: str
    name: str
    location: str
    role: Role | None
    modified_at: datetime | None
    snippet: tuple[SnippetPart, ...] = ()
    # The owner's name when the result is someone else's file, for pages that word "Shared by" themselves.
    shared_by: str = ""


@dataclass(frozen=True, slots=True)
class SearchResults:
    """Results of one search: matches by name, matches in the text, and whether more names matched."""

    query: str
    names: Sequence[SearchResult]
    more_names: bool
    texts: Sequence[SearchResult] = ()


class SearchService:
    """Finds files and folders by name and by content, rights checked by the index on every query."""

    def __init__(
        self, *, index: SearchIndex, access: AccessQueries, catalog: Catalog, users: UserStore
    ) -> None:
        self._index = index
        self._access = access
        self._catalog = catalog
        self._users = users

    async def suggest(self, user: User, query: str, *, limit: int = SUGGESTIONS) -> SearchResults:
        """Names containing the query, prefix matches first, for the list under the search box."""
        query = normalise_query(query)
        if not query:
            return SearchResults(query, (), False)
        matches = await self._index.search_names(user.id, query, limit=limit + 1)
        located = await self._located_names(user, matches[:limit])
        return SearchResults(query, located, len(matches) > limit)

    async def search(self, user: User, query: str, *, limit: int = MAX_RESULTS) -> SearchResults:
        """Names and document text matching the query, for the results page and the command line."""
        query = normalise_query(query)
        if not query:
            return SearchResults(query, (), False)
        names = await self._index.search_names(user.id, query, limit=limit + 1)
        texts = await self._index.search_text(user.id, query, limit=limit)
        return SearchResults(
            query,
            await self._located_names(user, names[:limit]),
            len(names) > limit,
            await self._located_texts(user, texts),
        )

    async def _located_names(self, user: User, matches: Sequence[NameMatch]) -> list[SearchResult]:
        locations = _Locations(self._catalog, self._users, user)
        results = []
        for m in matches:
            seen, role = await self._role(user, m.kind, m.id, m.owner_id, m.role)
            if not seen:
                continue
            results.append(
                SearchResult(
                    kind=m.kind,
                    id=m.id,
                    name=m.name,
                    location=await locations.of(m.owner_id, m.folder_id),
                    role=role,
                    modified_at=m.modified_at,
                    shared_by=await locations.shared_by(m.owner_id),
                )
            )
        return results

    async def _located_texts(self, user: User, matches: Sequence[TextMatch]) -> list[SearchResult]:
        locations = _Locations(self._catalog, self._users, user)
        results = []
        for m in matches:
            seen, role = await self._role(user, "file", m.file.id, m.file.owner_id, m.role)
            if not seen:
                continue
            results.append(
                SearchResult(
                    kind="file",
                    id=m.file.id,
                    name=m.file.name,
                    location=await locations.of(m.file.owner_id, m.file.folder_id),
                    role=role,
                    modified_at=m.file.modified_at,
                    snippet=m.snippet,
                    shared_by=await locations.shared_by(m.file.owner_id),
                )
            )
        return results

    async def _role(
        self, user: User, kind: str, item_id: str, owner_id: str, found: Role | None
    ) -> tuple[bool, Role | None]:
        """Whether the user still sees a result, and their role on someone else's, by the one rule of access
        (the index finds what a share of the item or of a folder above it reaches, not which is strongest)."""
        if owner_id == user.id:
            return True, found
        if kind == "folder":
            folder = await self._access.find_folder_access(item_id, user.id)
            return folder is not None, folder.role if folder is not None else None
        access = await self._access.find_access(item_id, user.id)
        return access is not None, access.role if access is not None else None


class _Locations:
    """Where results are, each folder's path and each owner's name looked up once per search."""

    def __init__(self, catalog: Catalog, users: UserStore, user: User) -> None:
        self._catalog = catalog
        self._users = users
        self._user = user
        self._paths: dict[str, str] = {}
        self._owners: dict[str, str] = {}

    async def of(self, owner_id: str, folder_id: str | None) -> str:
        if owner_id != self._user.id:
            return f"Shared by {await self._owner_name(owner_id)}"
        if folder_id is None:
            return "/"
        if folder_id not in self._paths:
            folders = await self._catalog.folder_path(folder_id)
            self._paths[folder_id] = "/" + "/".join(f.name for f in folders if f.parent_id is not None)
        return self._paths[folder_id]

    async def shared_by(self, owner_id: str) -> str:
        """The owner's name for someone else's result, "" for the user's own."""
        return "" if owner_id == self._user.id else await self._owner_name(owner_id)

    async def _owner_name(self, owner_id: str) -> str:
        if owner_id not in self._owners:
            owner = await self._users.find_user(owner_id)
            self._owners[owner_id] = owner.display_name if owner else "another user"
        return self._owners[owner_id]
