"""Build the POST a browser would send from an admin change page, as the page rendered it."""

import datetime
from typing import Any

from django.test import Client


def _value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return value


def _form_fields(form, data: dict[str, Any]) -> None:
    for name, field in form.fields.items():
        bound = form[name]
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
            continue
        if hasattr(field, "queryset") and isinstance(value, list | tuple):
            value = [getattr(v, "pk", v) for v in value]
        data[bound.html_name] = _value(value)


def change_form_data(client: Client, url: str) -> dict[str, Any]:
    """GET an admin add/change page and return its form's values (formsets included)."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    data: dict[str, Any] = {}
    _form_fields(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for form in formset.forms:
            _form_fields(form, data)
    return data
