"""Token kinds: a file's token, a container's and an ecosystem token each open only their own kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wopihost.adapters.clock import FakeClock
from wopihost.domain.ids import new_id
from wopihost.domain.signing import SigningKey, SigningKeyring
from wopihost.errors import InvalidToken
from wopihost.services.tokens import ECOSYSTEM_ITEM, TokenKind, TokenService

USER, ITEM = new_id(), new_id()
KINDS: tuple[TokenKind, ...] = ("wopi", "fileurl", "container", "ecosystem")


@pytest.fixture
def tokens() -> TokenService:
    clock = FakeClock(datetime(2026, 3, 1, 8, 30, tzinfo=UTC))
    return TokenService(
        SigningKeyring(current=SigningKey(kid="k1", secret=b"s" * 32)), ttl=timedelta(hours=1), clock=clock
    )


@pytest.mark.parametrize("issued", KINDS)
@pytest.mark.parametrize("expected", KINDS)
def test_token_verifies_only_as_the_kind_it_was_issued_as(
    tokens: TokenService, issued: TokenKind, expected: TokenKind
) -> None:
    item = ECOSYSTEM_ITEM if issued == "ecosystem" else ITEM
    token = tokens.issue(USER, item, kind=issued).token
    wanted = ECOSYSTEM_ITEM if expected == "ecosystem" else ITEM

    if issued == expected:
        assert tokens.verify(token, file_id=wanted, kind=expected).user_id == USER
    else:
        with pytest.raises(InvalidToken):
            tokens.verify(token, file_id=wanted, kind=expected)


def test_container_token_is_for_one_container(tokens: TokenService) -> None:
    token = tokens.issue(USER, ITEM, kind="container").token

    with pytest.raises(InvalidToken):
        tokens.verify(token, file_id=new_id(), kind="container")


def test_ecosystem_token_names_only_its_user(tokens: TokenService) -> None:
    claims = tokens.verify(tokens.issue_for_ecosystem(USER).token, file_id=ECOSYSTEM_ITEM, kind="ecosystem")

    assert claims.user_id == USER
    assert claims.file_id == ECOSYSTEM_ITEM
