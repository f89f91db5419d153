"""FastSelect writes the same bytes as Django's select templates, for every select of the lists' filter forms."""
import pytest
from django import forms
from django.urls import reverse

from emgplan.forms import FastSelect
from overview.filters import ContributionFilter, MilestoneFilter

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("filterset", [MilestoneFilter, ContributionFilter])
def test_every_filter_select_renders_as_djangos(filterset, seed_plan):
    form = filterset(data={}, plan=seed_plan, today=None).form
    selects = {name: field for name, field in form.fields.items() if isinstance(field.widget, FastSelect)}
    assert len(selects) >= 3  # activity, member or lead body, kind or meeting...
    for name, field in selects.items():
        choices = [value for value, _label in field.widget.choices]
        for value in {None, "", str(choices[-1]), "<b>&'\""}:
            fast = field.widget.render(name, value, attrs={"id": f"id_{name}"})
            assert fast == _plain(field.widget, name, value)


def _plain(widget, name, value):
    plain = forms.Select(attrs=widget.attrs)
    plain.choices, plain.is_required = widget.choices, widget.is_required
    return plain.render(name, value, attrs={"id": f"id_{name}"})


def test_optgroups_and_boolean_attributes_as_djangos():
    widget = FastSelect(attrs={"class": "form-select", "required": True, "disabled": False, "data-x": 'a"b'}, choices=[
        ("", "Any"), ("Group <1>", [(1, "One & only"), (2, "Two")]), (3, "Three")])
    plain = forms.Select(attrs=widget.attrs, choices=widget.choices)
    for value in (None, 2, "3", [1, 3]):
        assert widget.render("n", value, attrs={"id": "id_n"}) == plain.render("n", value, attrs={"id": "id_n"})


def test_the_contribution_list_selects_the_chosen_member(client_as, seed_plan):
    from accomplishments.models import Member

    member = Member.objects.order_by("acronym").last()
    html = client_as("viewer").get(reverse("overview:contribution-list") + f"?member={member.pk}").content.decode()
    assert f'<option value="{member.pk}" selected>{member}</option>' in html
