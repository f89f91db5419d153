"""Driving the back office's change forms through the test client, as a browser would."""
import re

from django.forms import MultiWidget
from django.urls import reverse

from emgplan.admin_tools import LOCK_FIELD


def admin_url(obj, view="change"):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk])


def _form_values(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
            continue
        if isinstance(field.widget, MultiWidget):  # a date and a time in two inputs, say
            for i, part in enumerate(field.widget.decompress(value)):
                if part is not None:
                    data[f"{form.add_prefix(name)}_{i}"] = part
            continue
        if isinstance(value, list | tuple) or hasattr(value, "all"):
            value = value.all() if hasattr(value, "all") else value
            data[form.add_prefix(name)] = [getattr(v, "pk", v) for v in value]
        else:
            data[form.add_prefix(name)] = getattr(value, "pk", value)
    return data


def admin_change_form(client, obj) -> dict:
    """What the change page of `obj` would send if saved unchanged: its fields, its inlines, its version mark."""
    page = client.get(admin_url(obj))
    assert page.status_code == 200
    data = _form_values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_values(formset.management_form))
        for form in formset.initial_forms:
            data.update(_form_values(form))
    token = re.search(rf'name="{LOCK_FIELD}" value="([^"]+)"', page.content.decode())
    if token:
        data[LOCK_FIELD] = token.group(1)
    return data
