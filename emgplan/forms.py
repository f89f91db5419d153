"""Helpers every app's forms share: the crispy layout, the date picker, and the limits on free text
(long enough for real reports, short enough to render). Imports no domain app."""
from crispy_forms.helper import FormHelper
from django import forms
from django.core.validators import MaxLengthValidator

# One narrative of 20,000 characters is about eight pages of a report; the PDF of a 1 MB one ran to 212.
FREE_TEXT_MAX = 20_000


def limit_free_text(form, limit: int = FREE_TEXT_MAX) -> None:
    """Cap every multi-line text field of the form that has no cap yet, and mark it for the visible counter.

    Safe to call more than once. The browser stops typing at the cap (maxlength); the server refuses longer
    text with a form error (a client may ignore maxlength).
    """
    for field in form.fields.values():
        if not isinstance(field, forms.CharField) or not isinstance(field.widget, forms.Textarea):
            continue
        if field.max_length is None:
            field.max_length = limit
            field.validators.append(MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = str(field.max_length)
        field.widget.attrs["data-counter"] = ""


class DateInput(forms.DateInput):
    """A browser date picker: it needs ISO dates whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CrispyMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        limit_free_text(self)
