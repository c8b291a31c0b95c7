"""AddActivities bodies as the domain reads them, excerpts, and the development client's mentions."""

from __future__ import annotations

import pytest

from wopihost.devclient.comments import Comment, activity, mentioned_names
from wopihost.domain.activities import ActivityStatus, CommentAction, excerpt, parse_request
from wopihost.errors import InvalidRequest


def test_parse_request_reads_comment_people_and_ignores_unknown_properties() -> None:
    [parsed] = parse_request(
        {
            "Activities": [
                {
                    "Type": "Comment",
                    "Id": "{0000000A-0000-0000-0000-000000000000}",
                    "Bonus": 1,
                    "Data": {"ContentId": "c", "ContentAction": "Updated", "IsReply": True, "X": [1]},
                    "People": [
                        {"Name": "Bob", "Id": "u1", "IsMentioned": True},
                        {"Name": "Pat", "InThread": True},
                    ],
                }
            ]
        }
    )
    assert parsed.comment is not None
    assert parsed.comment.action is CommentAction.UPDATED
    assert parsed.comment.key == "{0000000a-0000-0000-0000-000000000000}"
    assert [p.name for p in parsed.comment.mentioned] == ["Bob"]


def test_parse_request_unknown_type_without_data_is_not_supported() -> None:
    [parsed] = parse_request({"Activities": [{"Type": "like", "Id": "0000000e-0000-0000-0000-000000000000"}]})
    assert parsed.outcome is not None
    assert parsed.outcome.status is ActivityStatus.NOT_SUPPORTED
    assert parsed.outcome.as_json() == {"Id": "0000000e-0000-0000-0000-000000000000", "Status": 3}


@pytest.mark.parametrize("body", [None, [], {"Activities": "x"}, {"Activities": [{"Type": "comment"}]}])
def test_parse_request_refuses_what_is_not_the_shape(body: object) -> None:
    with pytest.raises(InvalidRequest):
        parse_request(body)


def test_excerpt_is_one_line_and_cut_with_an_ellipsis() -> None:
    assert excerpt("  a\n\tb  ") == "a b"
    cut = excerpt("word " * 100)
    assert len(cut) <= 200
    assert cut.endswith("…")


def test_devclient_mentions_are_user_names_after_at_signs() -> None:
    assert mentioned_names("@bob and @carol.smith, again @bob; mail a@b.c or @@x") == ["bob", "carol.smith"]
    comment = Comment("cid", "comment-cid", "Alice", "hi @bob", "2026-01-01T00:00:00+00:00")
    created, deleted = activity(comment, "created"), activity(comment, "deleted")
    assert created["Data"]["ContentId"] == "cid"
    assert created["Data"]["NavigationId"] == "comment-cid"
    assert created["People"] == [{"Name": "bob", "Provider": "wopihost-devclient", "Mentioned": True}]
    assert "People" not in deleted
    [parsed] = parse_request({"Activities": [created]})
    assert parsed.comment is not None
