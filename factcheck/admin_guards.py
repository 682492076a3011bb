"""Admin building blocks that keep edits honest, shared by the claims and sources admins.

- `ReadOnlyHistoryAdmin`: django-simple-history's pages stay visible, but its history form
  view never writes. Its "Revert" POST saves a historical row through the plain ModelAdmin
  form for anyone who may *view* history, bypassing the editorial workflow.
- `ViewOnlyAdmin`: records written by the workflow or the monitor, shown but never added,
  changed or deleted through the admin.
- `StaleFormGuard`: a change form carries a fingerprint of the row as it was loaded and is
  refused, under a row lock, when the row changed since; `changed_fields_only` then writes only
  what the form changed, so a concurrent retraction or source check is never undone.
"""

import hashlib
from collections.abc import Iterable

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """History without revert: the list and each version are shown; nothing is written."""

    def revert_disabled(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return True

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied("History is read-only; change the record through its own page.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ViewOnlyAdmin:
    """Mixin for a ModelAdmin whose rows only their own code writes (verdicts, proposals, checks)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


def fingerprint(obj: models.Model, names: Iterable[str]) -> str:
    """A short digest of `obj`'s values of `names`: equal digests, unchanged fields."""
    values = "\x1f".join(repr(getattr(obj, obj._meta.get_field(n).attname)) for n in names)
    return hashlib.sha256(values.encode()).hexdigest()[:32]


class StaleFormGuard(forms.ModelForm):
    """Refuses to save over a row that changed since the form was loaded.

    `version_fields` names the model fields whose change by someone else makes this form stale;
    the check locks the row (the admin saves inside a transaction), so nothing can change it
    between the check and the write.
    """

    version_fields: tuple[str, ...] = ()
    stale_message = (
        "Someone changed this record since you opened it. Nothing was saved: reload the page "
        "to see the current version, then make your change again."
    )
    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["loaded_version"] = fingerprint(self.instance, self.version_fields)

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk:
            current = (
                type(self.instance)._default_manager.select_for_update().filter(pk=self.instance.pk).first()
            )
            if current is None or cleaned.get("loaded_version") != fingerprint(current, self.version_fields):
                raise forms.ValidationError(self.stale_message, code="stale")
        return cleaned


def changed_fields_only(obj: models.Model, changed: Iterable[str], *extra: str) -> list[str]:
    """Reload every concrete field of `obj` that the form did not change (so history records
    the row as it really is) and return the attnames to pass as `update_fields`."""
    changed = set(changed) | set(extra)
    concrete = [f for f in obj._meta.concrete_fields if not f.primary_key]
    written = [f.attname for f in concrete if f.name in changed]
    others = [f.attname for f in concrete if f.name not in changed]
    if others:
        obj.refresh_from_db(fields=others)
    return written
