"""The editorial groups. Recreated after every migrate, so new permissions reach them."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

EDITORS = "Editors"
FACT_CHECKERS = "Fact-checkers"

EDITORIAL_MODELS = {
    "claims": [
        "claim",
        "claimant",
        "verdict",
        "citation",
        "topic",
        "changeproposal",
        "externalreview",
        "ratinglabel",
    ],
    "sources": ["source", "snapshot", "sourcecheck"],
}


def _permissions(actions: tuple[str, ...]) -> list[Permission]:
    query = Q(pk__in=[])
    for app_label, models in EDITORIAL_MODELS.items():
        query |= Q(content_type__app_label=app_label, content_type__model__in=models)
    codenames = [
        f"{action}_{model}" for models in EDITORIAL_MODELS.values() for model in models for action in actions
    ]
    return list(Permission.objects.filter(query, codename__in=codenames))


def ensure_editorial_groups(**kwargs) -> None:
    """Fact-checkers research and write; editors also publish, retract and delete drafts."""
    fact_checkers, _ = Group.objects.get_or_create(name=FACT_CHECKERS)
    fact_checkers.permissions.set(_permissions(("view", "add", "change")))
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(
        _permissions(("view", "add", "change", "delete"))
        + list(Permission.objects.filter(content_type__app_label="claims", codename="publish_claim"))
    )
