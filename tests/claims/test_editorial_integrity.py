"""Issue 9: only an editor's decision changes what the public sees.

Each test drives the real admin with the Django test client as a user of each role and reads
the answer through the public API, the way a reader (or a search engine) would.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from claims import workflow
from claims.models import ChangeProposal, Claim, ProposalStatus, Rating, Status, Verdict
from tests.claims.adminforms import change_form_data
from tests.factories import UserFactory, published_claim

pytestmark = pytest.mark.django_db

ROLES = ["superuser", "editor", "fact_checker", "viewer", "nobody"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def users(_fast_passwords, editor, fact_checker):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return {
        "superuser": UserFactory(username="root", is_superuser=True),
        "editor": editor,
        "fact_checker": fact_checker,
        "viewer": viewer,
        "nobody": UserFactory(username="nobody"),
    }


def public(client, claim: Claim) -> tuple[dict, int, bytes]:
    """What the public sees of `claim`: its detail, and its ClaimReview status and body."""
    detail = client.get(f"/api/v1/claims/{claim.pk}/")
    review = client.get(f"/api/v1/claims/{claim.pk}/claimreview/")
    assert detail.status_code == 200 and review.status_code in (200, 410)
    return detail.json(), review.status_code, review.content


def as_user(client, user):
    client.logout()
    client.force_login(user)
    return client


def change_url(claim: Claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", ["claim", "verdict"])
def test_history_revert_writes_nothing_for_any_role(client, users, role, model):
    claim = published_claim(statement="Bucha was staged.")
    workflow.retract_claim(claim, user=None, reason="Misattributed video.")
    target = claim if model == "claim" else claim.verdicts.get(is_current=True)
    # The oldest version: a draft claim, or the verdict before it was published.
    version = target.history.order_by("history_date").first()
    url = reverse(f"admin:claims_{model}_simple_history", args=[target.pk, version.history_id])
    before = public(client, claim)
    as_user(client, users[role])
    data = {
        "statement": "Rewritten by history",
        "claimant": claim.claimant_id,
        "claimed_on": "2022-04-06",
        "language": "en",
        "slug": claim.slug,
        "rating": "true",
        "headline": "Rewritten",
        "reasoning": "Rewritten",
    }
    response = client.post(url, data)
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or role == "nobody"  # nobody is sent to no page at all
    client.logout()
    assert public(client, claim) == before
    claim.refresh_from_db()
    assert (claim.status, claim.retraction_reason) == (Status.RETRACTED, "Misattributed video.")


def test_history_stays_visible_without_a_revert_button(client, users):
    claim = published_claim()
    version = claim.history.order_by("history_date").first()
    as_user(client, users["editor"])
    response = client.get(reverse("admin:claims_claim_simple_history", args=[claim.pk, version.history_id]))
    assert response.status_code == 200
    assert b"Revert" not in response.content


EXPECTED_EDIT = {
    # role: (statement live?, verdict live?, a proposal is waiting?)
    "superuser": (True, False, True),  # four eyes: their own verdict waits for another editor
    "editor": (True, False, True),
    "fact_checker": (False, False, True),
    "viewer": (False, False, False),
    "nobody": (False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_editing_a_published_claim_goes_live_only_for_editors(client, users, role):
    claim = published_claim(statement="Ukraine staged the Bucha killings.")
    as_user(client, users["editor"])
    data = change_form_data(client, change_url(claim))  # the page as rendered, with its token
    data["statement"] = "Edited statement"
    data.update(
        {
            "verdicts-TOTAL_FORMS": str(int(data["verdicts-TOTAL_FORMS"]) + 1),
            "verdicts-1-rating": "true",
            "verdicts-1-headline": "Flipped",
            "verdicts-1-reasoning": "Flipped.",
            "verdicts-1-author_name": "",
            "verdicts-1-original_rating": "",
        }
    )
    client.logout()
    before = public(client, claim)
    as_user(client, users[role])
    response = client.post(change_url(claim), data)
    assert response.status_code in (302, 403), response.context and response.context["errors"]
    client.logout()
    detail, _, _ = public(client, claim)
    statement_live, verdict_live, proposed = EXPECTED_EDIT[role]
    assert (detail["statement"] == "Edited statement") is statement_live
    assert (detail["verdict"]["rating"] == "true") is verdict_live
    assert detail["verdict"] == before[0]["verdict"]
    assert ChangeProposal.objects.filter(claim=claim, status=ProposalStatus.PENDING).exists() is proposed
    if not statement_live:
        assert detail == before[0]


def test_four_eyes_off_lets_an_editor_change_the_verdict_at_once(client, users, settings):
    settings.FACTCHECK_FOUR_EYES = False
    claim = published_claim()
    as_user(client, users["editor"])
    data = change_form_data(client, change_url(claim))
    data.update(
        {
            "verdicts-TOTAL_FORMS": "2",
            "verdicts-1-rating": "misleading",
            "verdicts-1-headline": "Now misleading",
            "verdicts-1-reasoning": "New facts.",
        }
    )
    assert client.post(change_url(claim), data).status_code == 302
    client.logout()
    assert public(client, claim)[0]["verdict"]["rating"] == "misleading"


def test_a_fact_checkers_change_waits_in_the_queue_with_a_diff_and_goes_live_on_approval(client, users):
    claim = published_claim(statement="Bucha was staged.")
    as_user(client, users["fact_checker"])
    data = change_form_data(client, change_url(claim))
    data["statement"] = "Bucha was staged by Ukraine."
    data.update(
        {
            "verdicts-TOTAL_FORMS": "2",
            "verdicts-1-rating": "true",
            "verdicts-1-headline": "Flipped to true",
            "verdicts-1-reasoning": "No reason.",
            "citations-TOTAL_FORMS": str(int(data["citations-TOTAL_FORMS"]) + 1),
        }
    )
    new = int(data["citations-TOTAL_FORMS"]) - 1
    data |= {
        f"citations-{new}-role": "supports",
        f"citations-{new}-source_url": "https://en.wikipedia.org/wiki/Bucha_massacre",
        f"citations-{new}-quote": "",
    }
    response = client.post(change_url(claim), data, follow=True)
    assert "waits for an editor" in response.content.decode()
    client.logout()
    assert public(client, claim)[0]["statement"] == "Bucha was staged."
    proposal = ChangeProposal.objects.get(claim=claim)

    # The fact-checker sees no decision buttons; the editor sees the queue, the diff and buttons.
    as_user(client, users["fact_checker"])
    page = client.get(reverse("admin:claims_changeproposal_change", args=[proposal.pk])).content.decode()
    assert "Approve and publish" not in page
    decide = reverse("admin:claims_changeproposal_decide", args=[proposal.pk])
    client.post(decide, {"_approve": "1"})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING

    as_user(client, users["editor"])
    queue = client.get(reverse("admin:claims_changeproposal_changelist")).content.decode()
    assert "Bucha was staged." in queue and "statement, verdict, citations" in queue
    page = client.get(reverse("admin:claims_changeproposal_change", args=[proposal.pk])).content.decode()
    assert "Approve and publish" in page
    assert "Bucha was staged by Ukraine." in page and "Flipped to true" in page
    assert "https://en.wikipedia.org/wiki/Bucha_massacre" in page
    client.post(decide, {"_approve": "1"})
    client.logout()
    detail, status, _ = public(client, claim)
    assert detail["statement"] == "Bucha was staged by Ukraine."
    assert detail["verdict"]["rating"] == "true" and status == 200
    assert [e["source"]["url"] for e in detail["evidence"]][
        -1
    ] == "https://en.wikipedia.org/wiki/Bucha_massacre"
    verdict = Verdict.objects.get(claim=claim, is_current=True)
    assert verdict.author == users["fact_checker"]  # the proposer wrote it; the editor approved


def test_an_editor_cannot_approve_their_own_verdict_with_four_eyes(client, users):
    claim = published_claim()
    as_user(client, users["editor"])
    data = change_form_data(client, change_url(claim))
    data.update(
        {
            "verdicts-TOTAL_FORMS": "2",
            "verdicts-1-rating": "true",
            "verdicts-1-headline": "h",
            "verdicts-1-reasoning": "r",
        }
    )
    client.post(change_url(claim), data)
    proposal = ChangeProposal.objects.get(claim=claim)
    response = client.post(
        reverse("admin:claims_changeproposal_decide", args=[proposal.pk]), {"_approve": "1"}, follow=True
    )
    assert "another editor must approve" in response.content.decode()
    as_user(client, UserFactory(username="second", is_superuser=True))
    client.post(reverse("admin:claims_changeproposal_decide", args=[proposal.pk]), {"_approve": "1"})
    client.logout()
    assert public(client, claim)[0]["verdict"]["rating"] == "true"


def test_an_editor_who_is_the_sole_author_cannot_publish_with_four_eyes(client, users):
    claim = Claim.objects.get(pk=published_claim().pk)
    draft = type(claim).objects.create(
        statement="Sole author", claimant=claim.claimant, claimed_on=claim.claimed_on, slug="sole-author"
    )
    draft.citations.create(source=claim.citations.get().source, role="refutes")
    workflow.record_verdict(draft, user=users["editor"], rating=Rating.FALSE, headline="h", reasoning="r")
    workflow.submit_for_review(draft, user=users["editor"])
    as_user(client, users["editor"])
    url = reverse("admin:claims_claim_transition", args=[draft.pk, "publish"])
    response = client.post(url, follow=True)
    assert "another editor must publish it" in response.content.decode()
    assert client.get(f"/api/v1/claims/{draft.pk}/").status_code == 404
    as_user(client, users["superuser"])
    client.post(url)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("role", "status", "buttons"),
    [
        ("editor", Status.REVIEW, ["Publish"]),
        ("editor", Status.PUBLISHED, ["Retract"]),
        ("editor", Status.RETRACTED, ["Correct and republish"]),
        ("editor", Status.DRAFT, ["Submit for review"]),
        ("fact_checker", Status.DRAFT, ["Submit for review"]),
        ("fact_checker", Status.REVIEW, []),
        ("fact_checker", Status.PUBLISHED, []),
        ("viewer", Status.DRAFT, []),
    ],
)
def test_the_claim_page_shows_only_the_transitions_its_user_may_perform(client, users, role, status, buttons):
    claim = published_claim() if status in (Status.PUBLISHED, Status.RETRACTED) else None
    if status == Status.RETRACTED:
        workflow.retract_claim(claim, user=None, reason="Wrong.")
    if claim is None:
        from tests.factories import ClaimFactory

        claim = ClaimFactory(status=status)
    as_user(client, users[role])
    page = client.get(change_url(claim)).content.decode()
    shown = [
        label
        for label in ("Submit for review", "Publish", "Retract", "Correct and republish")
        if f'value="{label}"' in page
    ]
    assert shown == buttons


@pytest.mark.parametrize("role", ["fact_checker", "viewer", "nobody"])
@pytest.mark.parametrize("name", ["publish", "retract", "correct"])
def test_transition_urls_refuse_users_without_the_permission(client, users, role, name):
    claim = published_claim()
    if name == "publish":
        Claim.objects.filter(pk=claim.pk).update(status=Status.REVIEW)
    if name == "correct":
        workflow.retract_claim(claim, user=None, reason="Wrong.")
    claim.refresh_from_db()
    before = public(client, claim) if claim.is_public else None
    as_user(client, users[role])
    client.post(reverse("admin:claims_claim_transition", args=[claim.pk, name]), {"text": "Because."})
    after = Claim.objects.get(pk=claim.pk)
    assert after.status == claim.status
    client.logout()
    if before is not None:
        assert public(client, claim) == before


def test_correcting_a_retracted_claim_keeps_the_retraction_on_the_public_record(client, users):
    claim = published_claim()
    as_user(client, users["editor"])
    client.post(
        reverse("admin:claims_claim_transition", args=[claim.pk, "retract"]), {"text": "Wrong video."}
    )
    # Publishing a retracted claim directly would hide the retraction: refused.
    with pytest.raises(workflow.WorkflowError, match="correct and republish"):
        workflow.publish_claim(claim, user=users["editor"])
    client.post(
        reverse("admin:claims_claim_transition", args=[claim.pk, "correct"]), {"text": "Right video."}
    )
    client.logout()
    detail, status, _ = public(client, claim)
    assert detail["status"] == "published" and status == 200
    assert detail["retraction"]["reason"] == "Wrong video."
    assert detail["correction"]["note"] == "Right video."


def test_a_draft_cannot_be_published_without_review(editor):
    from tests.factories import CitationFactory, ClaimFactory

    claim = ClaimFactory()
    CitationFactory(claim=claim)
    workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="h", reasoning="r")
    with pytest.raises(workflow.WorkflowError, match="submit it for review"):
        workflow.publish_claim(claim, user=editor)


def test_workflow_functions_check_permissions_themselves(users):
    claim = published_claim()
    for role in ("viewer", "nobody"):
        with pytest.raises(workflow.PermissionDenied):
            workflow.record_verdict(claim, user=users[role], rating="true", headline="h", reasoning="r")
        with pytest.raises(workflow.PermissionDenied):
            workflow.propose_change(claim, user=users[role], fields={"statement": "x"})
    with pytest.raises(workflow.ApprovalRequired):
        workflow.record_verdict(claim, user=users["fact_checker"], rating="true", headline="h", reasoning="r")
    assert claim.verdicts.get(is_current=True).rating == Rating.FALSE


def test_a_stale_claim_form_is_refused_and_the_retraction_survives(client, users):
    claim = published_claim()
    as_user(client, users["editor"])
    data = change_form_data(client, change_url(claim))
    workflow.retract_claim(claim, user=users["superuser"], reason="Retracted meanwhile.")
    data["context"] = "An edit from a page loaded before the retraction"
    response = client.post(change_url(claim), data)
    assert response.status_code == 200
    assert "Someone changed this record since you opened it" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.status, claim.retraction_reason, claim.context) == (
        Status.RETRACTED,
        "Retracted meanwhile.",
        "",
    )


def test_an_editors_save_writes_only_the_fields_it_changed(client, users):
    claim = published_claim(context="Old context")
    as_user(client, users["editor"])
    data = change_form_data(client, change_url(claim))
    data["context"] = "New context"
    assert client.post(change_url(claim), data).status_code == 302
    claim.refresh_from_db()
    assert claim.context == "New context" and claim.status == Status.PUBLISHED
    latest = claim.history.first()
    assert (latest.context, latest.status, latest.history_user) == (
        "New context",
        Status.PUBLISHED,
        users["editor"],
    )


@pytest.mark.parametrize(("role", "changed"), [("fact_checker", False), ("editor", True)])
def test_only_editors_rename_a_claimant_the_public_sees(client, users, role, changed):
    claim = published_claim()
    url = reverse("admin:claims_claimant_change", args=[claim.claimant_id])
    as_user(client, users["editor"])
    data = change_form_data(client, url)
    data["name"] = "Renamed"
    as_user(client, users[role])
    assert client.post(url, data).status_code == (302 if changed else 403)
    client.logout()
    name = client.get(f"/api/v1/claimants/{claim.claimant_id}/").json()["name"]
    assert (name == "Renamed") is changed


@pytest.mark.parametrize("role", ["fact_checker", "viewer", "nobody"])
@pytest.mark.parametrize("action", ["publish", "retract"])
def test_bulk_actions_change_nothing_for_users_who_may_not_publish(client, users, role, action):
    live, waiting = published_claim(), published_claim()
    Claim.objects.filter(pk=waiting.pk).update(status=Status.REVIEW)
    before = public(client, live)
    as_user(client, users[role])
    client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": action, "_selected_action": [live.pk, waiting.pk], "reason": "Because."},
    )
    client.logout()
    assert public(client, live) == before
    assert Claim.objects.get(pk=waiting.pk).status == Status.REVIEW


def test_an_editor_approves_a_pending_change_from_the_claim_page(client, users):
    claim = published_claim(context="Old context")
    as_user(client, users["fact_checker"])
    data = change_form_data(client, change_url(claim))
    data["context"] = "Proposed context"
    client.post(change_url(claim), data)
    assert 'value="Approve pending change"' not in client.get(change_url(claim)).content.decode()
    as_user(client, users["editor"])
    page = client.get(change_url(claim)).content.decode()
    assert 'value="Approve pending change"' in page
    proposal = ChangeProposal.objects.get(claim=claim)
    client.post(reverse("admin:claims_changeproposal_decide", args=[proposal.pk]), {"_approve": "1"})
    client.logout()
    assert public(client, claim)[0]["context"] == "Proposed context"
