"""Reader-facing labels of our closed sets, in the current language (see front/labels.py)."""

from django import template

from front import labels

register = template.Library()


@register.filter
def rating_label(rating: str | None) -> str:
    return labels.RATINGS.get(rating, "") if rating else ""


@register.filter
def evidence_role(role: str) -> str:
    return labels.EVIDENCE_ROLES.get(role, "")


@register.filter
def source_state(health: str) -> str:
    return labels.SOURCE_STATES.get(health, "")
