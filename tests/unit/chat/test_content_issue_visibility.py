"""Who sees a content issue (decision 0111): the owners of the cited files (today's owners)
and the tenant's admins, and only if they may see EVERY file it cites: the question and the
answer quote them all, so an issue is never shown with a hidden file left out."""

from __future__ import annotations

from engageiq_chat.content.issues import IssueFile, IssueStatus, StoredIssue, issue_seen_by
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.governance import Audience, CollectionRecord, FileFacts, KnowledgeView


def caller(user: str, *roles: Role) -> TenantContext:
    return TenantContext("acme", user, user, frozenset(roles or (Role.MEMBER,)))


ADMIN = caller("boss", Role.MEMBER, Role.TENANT_ADMIN)
ISSUE = StoredIssue(
    id="m1",
    created_at="2026-12-06T05:00:00.000000Z",
    status=IssueStatus.OPEN,
    question="What does Pro cost?",
    answer="30 EUR [1][2]",
    reason="It is 35 EUR since December",
    asked_by="rep",
    files=[
        IssueFile(file_id="pricing", name="pricing.md", version_date="2026-11-01",
                  uploaded_by="alice", owner_id="alice"),
        IssueFile(file_id="legal", name="terms.pdf", version_date="2026-10-01",
                  uploaded_by="bob", owner_id="bob"),
    ],
    owner_ids=["alice", "bob"],
)  # fmt: skip
OPEN_VIEW = KnowledgeView()
# terms.pdf is in a collection only the legal team (and admins) may see.
WALLED = KnowledgeView(
    {"legal": CollectionRecord(id="legal", name="Legal", audience=Audience(users=("bob",)))},
    {"legal": FileFacts(id="legal", collection_ids=("legal",))},
)


def test_owners_of_a_cited_file_and_admins_see_it_others_do_not() -> None:
    for reader in ("alice", "bob"):
        shown = issue_seen_by(caller(reader), ISSUE, OPEN_VIEW)
        assert shown is not None
        assert [f.file_id for f in shown.files] == ["pricing", "legal"]
        assert shown.owner_ids == ["alice", "bob"]
    assert issue_seen_by(ADMIN, ISSUE, OPEN_VIEW) is not None
    # The rater and other members do not: the issue is for the people who fix the content.
    assert issue_seen_by(caller("rep"), ISSUE, OPEN_VIEW) is None
    assert issue_seen_by(caller("carol"), ISSUE, OPEN_VIEW) is None


def test_an_issue_citing_a_file_the_reader_may_not_see_is_not_shown_at_all() -> None:
    # Alice owns pricing.md, but the answer also quotes terms.pdf, which she may not see: its
    # text is in the answer (and `[2]` counts it), so the whole issue is withheld from her.
    assert issue_seen_by(caller("alice"), ISSUE, WALLED) is None
    shown = issue_seen_by(caller("bob"), ISSUE, WALLED)
    assert shown is not None
    assert [f.file_id for f in shown.files] == ["pricing", "legal"]
    assert (shown.question, shown.answer) == (ISSUE.question, ISSUE.answer)
    admin = issue_seen_by(ADMIN, ISSUE, WALLED)
    assert admin is not None
    assert len(admin.files) == 2


def test_an_issue_with_no_visible_file_is_not_shown_even_to_an_owner() -> None:
    only_legal = StoredIssue(
        id="m2", created_at="2026-12-06T05:00:00.000000Z", files=ISSUE.files[1:]
    )
    # Bob owns terms.pdf, but an admin moved it where its audience no longer admits him.
    shut_out = KnowledgeView(
        {"board": CollectionRecord(id="board", name="Board", audience=Audience(users=("x",)))},
        {"legal": FileFacts(id="legal", collection_ids=("board",))},
    )
    assert issue_seen_by(caller("bob"), only_legal, shut_out) is None
    assert issue_seen_by(ADMIN, only_legal, shut_out) is not None


def test_ownership_is_read_today_a_reassigned_file_goes_to_its_new_owner() -> None:
    reassigned = KnowledgeView({}, {"pricing": FileFacts(id="pricing", owner="dana")})
    shown = issue_seen_by(caller("dana"), ISSUE, reassigned)
    assert shown is not None
    assert shown.owner_ids == ["dana", "bob"]
    assert issue_seen_by(caller("alice"), ISSUE, reassigned) is None


def test_a_resolved_issue_shows_its_resolution() -> None:
    resolved = StoredIssue(
        id="m3",
        created_at="2026-12-06T05:00:00.000000Z",
        status=IssueStatus.RESOLVED,
        files=ISSUE.files[:1],
        resolved_at="2026-12-06T06:00:00.000000Z",
        resolved_by="alice",
        resolution="Updated the price list",
    )
    shown = issue_seen_by(caller("alice"), resolved, OPEN_VIEW)
    assert shown is not None
    assert (shown.status, shown.resolved_by, shown.resolution) == (
        "resolved",
        "alice",
        "Updated the price list",
    )
