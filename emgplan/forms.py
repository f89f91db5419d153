"""Helpers every app's forms share: the crispy layout, the date picker, a select written by code, and the limits on
free text (long enough for real reports, short enough to render). Imports no domain app."""
import copy

from crispy_forms.helper import FormHelper
from django import forms
from django.core.validators import MaxLengthValidator
from django.forms.models import ModelChoiceIterator
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

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


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html, written by code."""
    return mark_safe("".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False
    ))  # noqa: S308  each part went through format_html


def _model_choices(choices: ModelChoiceIterator, rows=None) -> list:
    """The choices a ModelChoiceIterator yields (of `rows` if given, already read), read in one plain query: the
    iterator reads through a server-side cursor (on PostgreSQL a DECLARE ... WITH HOLD, then FETCH and CLOSE: three
    round trips, the rows materialised at the commit), which cost a filter form's five selects more than all their
    rendering."""
    field = choices.field
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    return empty + [choices.choice(obj) for obj in (choices.queryset.all() if rows is None else rows)]


class FastSelect(forms.Select):
    """forms.Select whose HTML is written by code: the same bytes as Django's templates (select.html and an
    include of select_option.html per option), which cost most of a list page's time for a select of a hundred
    activities. For the filter forms of the lists, rendered on every request."""

    def render(self, name, value, attrs=None, renderer=None):
        if isinstance(self.choices, ModelChoiceIterator):  # a model's rows: read in one plain query
            plain = copy.copy(self)
            plain.choices = _model_choices(self.choices)
            return plain.render(name, value, attrs, renderer)
        widget = self.get_context(name, value, attrs)["widget"]
        out = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                out.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:  # escape() and a plain string: format_html per option cost most of a long select
                attrs = _attrs(option["attrs"]) if option["attrs"] else ""
                out.append(f'\n  <option value="{conditional_escape(option["value"])}"{attrs}>'
                           f'{conditional_escape(option["label"])}</option>\n')
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")  # the renderer strips the template's last newline
        return mark_safe("".join(out))  # noqa: S308  every value above went through format_html

    @classmethod
    def replacing(cls, widget: forms.Select) -> "FastSelect":
        """A FastSelect with the same choices, attributes and state as `widget` (a plain forms.Select)."""
        fast = cls(attrs=widget.attrs, choices=())
        fast.choices = widget.choices
        fast.is_required = widget.is_required
        return fast


class SelectOrText(FastSelect):
    """A FastSelect of a model's rows while there are at most `max_options` of them; beyond that, a text field for
    a row's code (with `hint` below it, and a chosen row shown by `code_of(row)`): a select of a thousand options is
    neither usable nor cheap to build and send. Either way one query. The form field must accept what is typed
    (a code) as well as what the select sends (a primary key)."""

    max_options = 200
    hint = ""
    placeholder = ""

    @staticmethod
    def code_of(obj) -> str:
        return str(obj)

    def render(self, name, value, attrs=None, renderer=None):
        if not isinstance(self.choices, ModelChoiceIterator):
            return super().render(name, value, attrs, renderer)
        queryset = self.choices.queryset
        rows = list(queryset.all()[: self.max_options + 1])
        if len(rows) <= self.max_options:
            select = FastSelect.replacing(self)
            select.choices = _model_choices(self.choices, rows)
            return select.render(name, value, attrs, renderer)
        if value not in (None, "") and str(value).isdigit():  # a row chosen by its key (a link, the select's value)
            chosen = queryset.filter(pk=int(value)).first()
            value = self.code_of(chosen) if chosen is not None else value
        attrs = {**self.build_attrs(self.attrs, attrs)}
        attrs["class"] = "form-control form-control-sm"
        hint_id = f"{attrs.get('id', name)}_hint"
        return format_html('<input type="text" name="{}" value="{}"{} placeholder="{}" aria-describedby="{}">'
                           '<div id="{}" class="form-text">{}</div>', name, "" if value is None else value,
                           _attrs(attrs), self.placeholder, hint_id, hint_id, self.hint)
