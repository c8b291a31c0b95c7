"""Activities: comments a WOPI client reports (AddActivities) and notifications of the people they mention."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from wopihost.domain.activities import (
    ActivityOutcome,
    ActivityStatus,
    CommentActivity,
    Mention,
    Notification,
    ParsedActivity,
    Person,
)
from wopihost.domain.records import FileAccess, User
from wopihost.ports import AccessQueries, ActivityStore, Clock, UserStore

logger = logging.getLogger("wopihost.activities")
PAGE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class NotificationView:
    """A notification with the document as its recipient may see it now."""

    notification: Notification
    access: FileAccess


class ActivityService:
    """Applies comment activities and answers a person's notifications, checking their rights each time."""

    def __init__(
        self, *, store: ActivityStore, access: AccessQueries, users: UserStore, clock: Clock
    ) -> None:
        self._store = store
        self._access = access
        self._users = users
        self._clock = clock

    async def add_activities(
        self, access: FileAccess, activities: Sequence[ParsedActivity]
    ) -> list[ActivityOutcome]:
        """Apply each activity as the caller of this file; one outcome per activity, in order."""
        outcomes = []
        for parsed in activities:
            if parsed.comment is None:
                assert parsed.outcome is not None
                outcomes.append(parsed.outcome)
                continue
            outcomes.append(await self._apply(access, parsed.comment))
        return outcomes

    async def _apply(self, access: FileAccess, comment: CommentActivity) -> ActivityOutcome:
        actor = access.user
        mentions = [] if access.link_id is not None else await self._mentions(access, comment)
        applied = await self._store.apply_comment(
            access.file.id,
            comment,
            actor_id=actor.id,
            actor_name=actor.display_name,
            mentions=mentions,
            now=self._clock.now(),
        )
        logger.info(
            "op=AddActivities file_id=%s user_id=%s action=%s mentions=%d retried=%s",
            access.file.id, actor.id, comment.action.value, len(mentions), not applied,
        )  # fmt: skip
        return ActivityOutcome(comment.activity_id, ActivityStatus.SUCCESS)

    async def _mentions(self, access: FileAccess, comment: CommentActivity) -> list[Mention]:
        """The people this comment mentions who are users able to read the file, the author left out.

        Anyone else gets nothing, so that a mention never tells a person that the file exists.
        """
        found: dict[str, Mention] = {}
        for person in comment.mentioned:
            user = await self._resolve(person)
            if user is None or user.id == access.user.id or user.id in found:
                continue
            if await self._access.find_access(access.file.id, user.id) is None:
                continue
            found[user.id] = Mention(
                recipient_id=user.id,
                file_id=access.file.id,
                content_id=comment.content_id,
                navigation_id=comment.navigation_id,
                excerpt=comment.text,
                actor_id=access.user.id,
                actor_name=access.user.display_name,
            )
        return list(found.values())

    async def _resolve(self, person: Person) -> User | None:
        """The user a Person names: by the UserId this host gave in CheckFileInfo, else by user name.

        Users have no e-mail address here, so Email cannot name anyone; display names are not unique, so
        a Name is only taken as a user name (what the development client sends).
        """
        if person.person_id:
            user = await self._users.find_user(person.person_id)
            if user is not None:
                return user
        for candidate in (person.person_id, person.name):
            name = candidate.strip().lstrip("@")
            if not name or len(name) > 64:
                continue
            for spelling in dict.fromkeys((name, name.lower())):
                user = await self._users.find_user_by_name(spelling)
                if user is not None:
                    return user
        return None

    async def notifications(self, user: User, *, unread_only: bool = False) -> list[NotificationView]:
        """A person's notifications of documents they may still open, most recent first."""
        views = []
        for notification in await self._store.list_notifications(
            user.id, unread_only=unread_only, limit=PAGE_LIMIT
        ):
            access = await self._access.find_access(notification.file_id, user.id)
            if access is not None:
                views.append(NotificationView(notification, access))
        return views

    async def unread_count(self, user: User) -> int:
        """How many unread notifications a person has about documents they may still open."""
        if await self._store.count_unread(user.id) == 0:
            return 0
        return len(await self.notifications(user, unread_only=True))

    async def open_notification(self, user: User, notification_id: int) -> NotificationView | None:
        """Mark one notification read and return it; None if it is not theirs or the document is gone."""
        for view in await self.notifications(user):
            if view.notification.id == notification_id:
                await self._store.mark_read(user.id, notification_id, now=self._clock.now())
                return view
        return None

    async def mark_all_read(self, user: User) -> int:
        """Mark all a person's notifications read."""
        return await self._store.mark_all_read(user.id, now=self._clock.now())
