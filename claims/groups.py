"""The editorial groups. Recreated after every migrate, so new permissions reach them.

Membership is what lets a user into the admin: joining Editors or Fact-checkers makes the user
staff, leaving the last of them takes it away (superusers keep it). Without this, a user put in
a group could not log in until someone also ticked "staff", and nothing said why.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

EDITORS = "Editors"
FACT_CHECKERS = "Fact-checkers"
EDITORIAL_GROUPS = (EDITORS, FACT_CHECKERS)

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


def sync_staff_with_groups(user_ids: set[int]) -> None:
    """Staff exactly when in an editorial group, for these users; superusers always stay staff."""
    users = get_user_model().objects.filter(pk__in=user_ids)
    users.filter(is_staff=False, groups__name__in=EDITORIAL_GROUPS).update(is_staff=True)
    users.filter(is_staff=True, is_superuser=False).exclude(groups__name__in=EDITORIAL_GROUPS).update(
        is_staff=False
    )


def group_membership_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """m2m_changed receiver for User.groups, from either side (user.groups or group.user_set)."""
    if action == "pre_clear" and reverse:
        instance._clearing_user_ids = set(instance.user_set.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        user_ids = {instance.pk}
    elif instance.name not in EDITORIAL_GROUPS:
        return
    elif action == "post_clear":
        user_ids = getattr(instance, "_clearing_user_ids", set())
    else:
        user_ids = set(pk_set or ())
    sync_staff_with_groups(user_ids)
    if not reverse:  # keep the caller's instance in step, so a later save() does not undo it
        instance.is_staff = type(instance).objects.values_list("is_staff", flat=True).get(pk=instance.pk)
